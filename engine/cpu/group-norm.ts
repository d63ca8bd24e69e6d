// CPU reference fused group normalization and its gradient (the WGSL twin: shaders/group-norm.wgsl),
// plain loops with float64 sums, rounded once to float32. x is [B, C, HW]; a group g of image b
// is channels g·C/G … (g+1)·C/G − 1, all its pixels:
//   v = x + shift[b, c],  μ = mean(v),  σ² = mean((v − μ)²) (biased),  rstd = 1 / √(σ² + ε)
//   x̂ = (v − μ)·rstd,  z = x̂·γ[c] + β[c],  y = z·σ(z) with the SiLU, else z
// A NaN or ±Inf in a group makes its μ non-finite (or σ² NaN): the group's rstd is NaN, so the
// whole group is NaN, forward and backward, and no other group is touched.

import type { GroupNormPlan } from '../backend.js';

/** The float32 operands beside x (null where absent). */
export interface GroupNormArrays {
  shift: Float32Array | null;
  weight: Float32Array | null;
  bias: Float32Array | null;
}

/** Walks the groups: the image b, the first channel c0 and the channel count of each (b, g). */
function forEachGroup(plan: GroupNormPlan, visit: (b: number, g: number, c0: number, per: number) => void): void {
  const per = plan.channels / plan.groups;
  for (let b = 0; b < plan.batch; b++) for (let g = 0; g < plan.groups; g++) visit(b, g, g * per, per);
}

// x: [B, C, HW] → y: [B, C, HW], stats: [B, G, 2] = (μ, rstd)
export function groupNorm(x: Float32Array, ops: GroupNormArrays, plan: GroupNormPlan): { y: Float32Array; stats: Float32Array } {
  const { channels: C, spatial: P, eps } = plan;
  const y = new Float32Array(x.length);
  const stats = new Float32Array(plan.batch * plan.groups * 2);
  const v = (b: number, c: number, p: number): number => x[(b * C + c) * P + p] + (ops.shift ? ops.shift[b * C + c] : 0);
  forEachGroup(plan, (b, g, c0, per) => {
    const n = per * P;
    let sum = 0;
    for (let c = c0; c < c0 + per; c++) for (let p = 0; p < P; p++) sum += v(b, c, p);
    const mean = sum / n;
    let squares = 0;
    for (let c = c0; c < c0 + per; c++) for (let p = 0; p < P; p++) squares += (v(b, c, p) - mean) ** 2;
    const variance = squares / n;
    const rstd = Number.isFinite(mean) && !Number.isNaN(variance) ? 1 / Math.sqrt(variance + eps) : NaN;
    const at = (b * plan.groups + g) * 2;
    stats[at] = mean;
    stats[at + 1] = rstd;
    for (let c = c0; c < c0 + per; c++) {
      const gamma = ops.weight ? ops.weight[c] : 1, beta = ops.bias ? ops.bias[c] : 0;
      for (let p = 0; p < P; p++) {
        const z = (v(b, c, p) - mean) * rstd * gamma + beta;
        y[(b * C + c) * P + p] = plan.silu ? z / (1 + Math.exp(-z)) : z;
      }
    }
  });
  return { y, stats };
}

// dy, x: [B, C, HW], stats: [B, G, 2] → dx [B, C, HW]; dshift [B, C], dweight [C], dbias [C] for the operands given.
// With dz = ∂L/∂z and dx̂ = dz·γ (x̂ = (v − μ)·rstd, μ and σ² depending on every v of the group):
//   dv = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  dx = dv,  dshift[b, c] = Σ_p dv,
//   dγ[c] = Σ_{b,p} dz·x̂,  dβ[c] = Σ_{b,p} dz.
export function groupNormBackward(dy: Float32Array, x: Float32Array, ops: GroupNormArrays, stats: Float32Array, plan: GroupNormPlan):
  { dx: Float32Array; dshift: Float32Array | null; dweight: Float32Array | null; dbias: Float32Array | null } {
  const { channels: C, spatial: P } = plan;
  const dx = new Float32Array(x.length);
  // float64 accumulators, rounded at the end
  const dshift = new Float64Array(plan.batch * C), dweight = new Float64Array(C), dbias = new Float64Array(C);
  const dzs = new Float64Array(x.length), xhats = new Float64Array(x.length);
  forEachGroup(plan, (b, g, c0, per) => {
    const n = per * P;
    const at = (b * plan.groups + g) * 2;
    const mean = stats[at], rstd = stats[at + 1];
    let sumD = 0, sumDX = 0;
    for (let c = c0; c < c0 + per; c++) {
      const gamma = ops.weight ? ops.weight[c] : 1, beta = ops.bias ? ops.bias[c] : 0;
      for (let p = 0; p < P; p++) {
        const i = (b * C + c) * P + p;
        const xhat = (x[i] + (ops.shift ? ops.shift[b * C + c] : 0) - mean) * rstd;
        let dz = dy[i];
        if (plan.silu) {
          // silu'(z) = σ(z)·(1 + z·(1 − σ(z)))
          const z = xhat * gamma + beta, s = 1 / (1 + Math.exp(-z));
          dz *= s * (1 + z * (1 - s));
        }
        dzs[i] = dz;
        xhats[i] = xhat;
        sumD += dz * gamma;
        sumDX += dz * gamma * xhat;
        dweight[c] += dz * xhat;
        dbias[c] += dz;
      }
    }
    const meanD = sumD / n, meanDX = sumDX / n;
    for (let c = c0; c < c0 + per; c++) {
      const gamma = ops.weight ? ops.weight[c] : 1;
      for (let p = 0; p < P; p++) {
        const i = (b * C + c) * P + p;
        const dv = rstd * (dzs[i] * gamma - meanD - xhats[i] * meanDX);
        dx[i] = dv;
        dshift[b * C + c] += dv;
      }
    }
  });
  return {
    dx,
    dshift: ops.shift ? Float32Array.from(dshift) : null,
    dweight: ops.weight ? Float32Array.from(dweight) : null,
    dbias: ops.bias ? Float32Array.from(dbias) : null,
  };
}
