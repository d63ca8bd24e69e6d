// One reverse step of the samplers (ddpm/sample.ts): x_t, the model's ε and fresh noise z →
// x_{t−1}, as one of three forms with named per-step coefficients (host numbers, float64 from
// the schedule). The eager engine applies them with tensor ops (applyReverseStep, here); the
// fused kernel (fused/program.ts packs them into a row; mlp-diffusion.wgsl, reverseStep) with
// the same operations in the same order.

import * as E from '../engine/index.js';

/** One reverse step: its timestep t, its form and that form's coefficients. */
export type ReverseStep =
  /** x ← (x − epsScale·ε) / divisor + noiseScale·z */
  | { t: number; kind: 'tutorial'; epsScale: number; divisor: number; noiseScale: number }
  /** x̂0 = x0FromX·x − x0FromEps·ε (clamped to ±clipX0 if given); x ← meanFromX0·x̂0 + meanFromX·x + noiseScale·z */
  | { t: number; kind: 'ddpm'; x0FromX: number; x0FromEps: number; meanFromX0: number; meanFromX: number; noiseScale: number; clipX0?: number }
  /** x̂0 = (x − epsScale·ε) / divisor; x ← x0Scale·x̂0 + epsNext·ε + noiseScale·z */
  | { t: number; kind: 'ddim'; epsScale: number; divisor: number; x0Scale: number; epsNext: number; noiseScale: number };

/** Applies a reverse step with tensor ops (the eager path). */
export function applyReverseStep(step: ReverseStep, x: E.Tensor, eps: E.Tensor, z: E.Tensor): E.Tensor {
  switch (step.kind) {
    case 'tutorial':
      return E.add(E.div(E.sub(x, E.mul(eps, step.epsScale)), step.divisor), E.mul(z, step.noiseScale));
    case 'ddpm': {
      let x0 = E.sub(E.mul(x, step.x0FromX), E.mul(eps, step.x0FromEps));
      if (step.clipX0 !== undefined) x0 = E.clamp(x0, { min: -step.clipX0, max: step.clipX0 });
      const mean = E.add(E.mul(x0, step.meanFromX0), E.mul(x, step.meanFromX));
      return step.noiseScale === 0 ? mean : E.add(mean, E.mul(z, step.noiseScale));
    }
    case 'ddim': {
      const x0 = E.div(E.sub(x, E.mul(eps, step.epsScale)), step.divisor);
      const out = E.add(E.mul(x0, step.x0Scale), E.mul(eps, step.epsNext));
      return step.noiseScale > 0 ? E.add(out, E.mul(z, step.noiseScale)) : out;
    }
  }
}
