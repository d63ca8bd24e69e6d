// The tutorial's diffusion loss (diffusion_loss_fn):
//   t   = randint(0, T, B//2); t = cat([t, T−1−t])          antithetic timesteps
//   x   = x0·√ᾱ[t] + ε·√(1−ᾱ[t]),  ε ~ N(0, I)               q_sample
//   loss = mean((ε − ε_θ(x, t))²)
// An odd batch gets one extra random timestep (the tutorial's B//2 + mirror would be one short).
// Timesteps are drawn on the host (a few integers; an upload, never a readback); the noise is
// drawn on the tensors' device.

import * as E from '../engine/index.js';
import type { NoisePredictor } from './noise-predictor.js';
import type { Schedule } from './schedules.js';

/** The schedule's per-step coefficients as [T, 1] tables on a device (gathered by timestep). */
export class DiffusionTables {
  /** √ᾱ_t, [T, 1]. */
  readonly sqrtAlphasBar: E.Tensor;
  /** √(1 − ᾱ_t), [T, 1]. */
  readonly sqrtOneMinusAlphasBar: E.Tensor;

  /** The schedule's tables uploaded to `device` (kept out of any tidy scope until dispose()). */
  constructor(readonly schedule: Schedule, device: E.Backend) {
    const T = schedule.timesteps;
    this.sqrtAlphasBar = E.keep(E.tensor(schedule.sqrtAlphasBar, [T, 1], { device }));
    this.sqrtOneMinusAlphasBar = E.keep(E.tensor(schedule.sqrtOneMinusAlphasBar, [T, 1], { device }));
  }

  /** Frees the tables. */
  dispose(): void {
    this.sqrtAlphasBar.dispose();
    this.sqrtOneMinusAlphasBar.dispose();
  }
}

/** B//2 timesteps in [0, T) and their mirrors T−1−t, plus one more if B is odd. */
export function antitheticTimesteps(batch: number, steps: number, rng: E.Rng): Int32Array {
  const half = rng.randint(Math.floor(batch / 2), 0, steps);
  const t = new Int32Array(batch);
  t.set(half);
  half.forEach((v, i) => { t[half.length + i] = steps - 1 - v; });
  if (batch % 2 === 1) t[batch - 1] = rng.randint(1, 0, steps)[0];
  return t;
}

/**
 * The forward process q(x_t | x_0) at given noise: √ᾱ_t·x0 + √(1 − ᾱ_t)·noise, row by row.
 * x0: [B, D], t: [B] int32, noise: [B, D] → x_t: [B, D]
 */
export function qSample(tables: DiffusionTables, x0: E.Tensor, t: E.Tensor, noise: E.Tensor): E.Tensor {
  const a = E.embedding(t, tables.sqrtAlphasBar);            // [B, 1]
  const am1 = E.embedding(t, tables.sqrtOneMinusAlphasBar);  // [B, 1]
  return E.add(E.mul(x0, a), E.mul(noise, am1));
}

/** mean((ε − ε_θ(q_sample(x0, t, ε), t))²) for given timesteps and noise. */
export function diffusionLossWith(model: NoisePredictor, tables: DiffusionTables, x0: E.Tensor, t: E.Tensor, noise: E.Tensor): E.Tensor {
  const x = qSample(tables, x0, t, noise);
  return E.mseLoss(noise, model.forward(x, t));
}

/** The tutorial's loss on a batch x0 [B, D], drawing timesteps and noise from `rng`. */
export function diffusionLoss(model: NoisePredictor, tables: DiffusionTables, x0: E.Tensor, rng: E.Rng): E.Tensor {
  const [batch, dim] = x0.shape;
  if (x0.shape.length !== 2 || dim !== model.dataDim) {
    throw new Error(`diffusionLoss: expected x0 [B, ${model.dataDim}] for the model, got [${x0.shape.join(', ')}]`);
  }
  const t = E.tensor(antitheticTimesteps(batch, tables.schedule.timesteps, rng), [batch], { device: x0.device });
  const noise = E.randn([batch, dim], rng, { device: x0.device });
  return diffusionLossWith(model, tables, x0, t, noise);
}
