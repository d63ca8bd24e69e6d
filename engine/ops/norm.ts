// Group normalization (Wu & He 2018; torch.nn.functional.group_norm), NCHW: the channels split
// into G groups, each group of each image normalized by its own mean and variance (biased, as
// PyTorch), then scaled and shifted per channel:
//   y[b, c, h, w] = (x − μ[b, g]) / √(σ²[b, g] + ε) · γ[c] + β[c],   g = ⌊c / (C/G)⌋
// γ and β are optional, as in PyTorch (weight=None, bias=None): without γ no scale, without β no shift.
// Two fusions the U-Net wants ride along as options: `shift` [B, C] is added to every pixel of
// its (image, channel) *before* the statistics (the timestep embedding: norm(h + temb)), and
// `silu` applies a SiLU to the result (silu(norm(x))). One kernel forward (Backend.groupNorm,
// which keeps each group's μ and rstd) and one backward (Backend.groupNormBackward, which
// recomputes x̂ from them):
//   ∂L/∂x = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)),  dx̂ = dz·γ,  dz = ∂L/∂z (through the SiLU)
//   ∂L/∂shift[b, c] = Σ_hw ∂L/∂x,  ∂L/∂γ = Σ_{b,hw} dz·x̂,  ∂L/∂β = Σ_{b,hw} dz
// (the means over each group: μ and σ² depend on every value of it). The kernels: shaders/group-norm.wgsl,
// engine/cpu/group-norm.ts.

import { isGradEnabled, record } from '../autograd.js';
import type { GroupNormGrads, GroupNormOperands, GroupNormPlan, Storage } from '../backend.js';
import { describe, expectFloat, expectKnownOptions, expectSameDevice, fail, kindOf } from '../errors.js';
import { Tensor } from '../tensor.js';

/** groupNorm's options: eps, a per-image channel shift added first, and a SiLU after. */
export interface GroupNormOptions {
  /** Added to the variance (PyTorch's default 1e-5). */
  eps?: number;
  /** [B, C], added to every pixel of its image and channel before the statistics: groupNorm(x + shift[:, :, None, None]). */
  shift?: Tensor | null;
  /** A SiLU after the scale and bias: silu(groupNorm(x)). Default false. */
  silu?: boolean;
}

/**
 * Group normalisation (torch.nn.functional.group_norm): the channels split into `groups`, each
 * group of each image normalised to mean 0 and variance 1 over its channels and pixels, then scaled
 * by weight and shifted by bias per channel; with its gradients. Throws an EngineError when x is
 * not 4-D, the groups do not divide the channels or weight, bias or shift have the wrong shape.
 * x: [B, C, H, W], weight (γ), bias (β): [C] or null/undefined, options.shift: [B, C] → [B, C, H, W]
 */
export function groupNorm(x: Tensor, groups: number, weight?: Tensor | null, bias?: Tensor | null, options: GroupNormOptions = {}): Tensor {
  expectFloat('groupNorm', x, 'x');
  if (x.rank !== 4) fail('groupNorm', `expected an input [B, C, H, W], got ${describe(x, 'x')}`);
  const [b, c, h, w] = x.shape;
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    fail('groupNorm', `${groups} groups do not divide the ${c} channels of ${describe(x, 'x')}`);
  }
  const given: Record<string, Tensor> = {};
  for (const [role, t] of [['weight', weight], ['bias', bias]] as const) {
    if (t === undefined || t === null) continue;
    if (!(t instanceof Tensor)) {
      fail('groupNorm', `expected ${role} to be a tensor [${c}], null or undefined, got ${typeof t === 'object' ? `{ ${Object.keys(t).join(', ')} }` : String(t)} ` +
        `(options such as eps come fifth: groupNorm(x, groups, weight, bias, { eps }))`);
    }
    expectFloat('groupNorm', t, role);
    if (t.rank !== 1 || t.shape[0] !== c) fail('groupNorm', `expected ${role} [${c}] for ${describe(x, 'x')}, got ${describe(t, role)}`);
    given[role] = t;
  }
  expectKnownOptions('groupNorm', options, ['eps', 'shift', 'silu']);
  const shift = options.shift ?? null;
  if (shift !== null) {
    if (!(shift instanceof Tensor)) fail('groupNorm', `expected shift to be a tensor [${b}, ${c}], null or undefined, got ${kindOf(shift)}`);
    expectFloat('groupNorm', shift, 'shift');
    if (shift.rank !== 2 || shift.shape[0] !== b || shift.shape[1] !== c) {
      fail('groupNorm', `expected shift [${b}, ${c}] (one value per image and channel) for ${describe(x, 'x')}, got ${describe(shift, 'shift')}`);
    }
    given.shift = shift;
  }
  expectSameDevice('groupNorm', { x, ...given });
  const plan: GroupNormPlan = { batch: b, channels: c, groups, spatial: h * w, eps: options.eps ?? 1e-5, silu: options.silu ?? false };
  const operands: GroupNormOperands = { shift: shift?.storage ?? null, weight: weight?.storage ?? null, bias: bias?.storage ?? null };
  const { y, stats } = x.device.groupNorm(x.storage, operands, plan);
  const out = new Tensor(y, x.shape);
  // The differentiable inputs, each with the backward's gradient for it.
  const inputs: [Tensor, (grads: GroupNormGrads) => Storage | null][] = [[x, (d) => d.dx]];
  if (weight) inputs.push([weight, (d) => d.dweight]);
  if (bias) inputs.push([bias, (d) => d.dbias]);
  if (shift) inputs.push([shift, (d) => d.dshift]);
  if (!isGradEnabled() || !inputs.some(([t]) => t.requiresGrad)) {
    x.device.release(stats); // no backward will read μ and rstd
    return out;
  }
  // μ and rstd [B, G, 2] travel with the graph as an input that takes no gradient, so that
  // backward() finds them alive (or says which op's were disposed).
  const saved = new Tensor(stats, [b, groups, 2]);
  return record(out, 'groupNorm', [...inputs.map(([t]) => t), saved], (g) => {
    const grads = x.device.groupNormBackward(g.storage, x.storage, operands, saved.storage, plan);
    return [...inputs.map(([t, pick]) => {
      const s = pick(grads);
      return s === null ? null : new Tensor(s, t.shape);
    }), null];
  });
}
