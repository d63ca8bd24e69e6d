// Sampling: the reverse process from x_T ~ N(0, I) to x_0, batched on the model's device.
//   tutorial  the S-curve tutorial's p_sample_loop (SPEC §6): noise added at every step, t = 0 too
//   ddpm      Ho et al.'s p_sample: predict x̂0 (optionally clipped), posterior mean, variance
//             'fixedlarge' (β_t) or 'fixedsmall' (β̃_t), no noise at t = 0
//   ddim      Song et al.'s generalized_steps over a sub-sequence τ ('uniform' or 'quad') of S ≤ T
//             steps, stochasticity η (0: deterministic; 1: DDPM's fixedsmall variance)
// Per-step coefficients are host numbers (float64 from the schedule); each step is a few
// tensor ops in a tidy scope, so nothing accumulates and nothing is read back until the end.
// Every sampler draws z at every step (even where it is unused), so a seed fixes the noise
// sequence independently of the sampler's settings.

import * as E from '../engine/index.js';
import type { MLPDiffusion } from './model.js';
import type { Schedule } from './schedules.js';

export type SamplerName = 'tutorial' | 'ddpm' | 'ddim';
export const SAMPLERS: readonly SamplerName[] = ['tutorial', 'ddpm', 'ddim'];

export interface SampleOptions {
  sampler: SamplerName;
  n: number;
  rng: E.Rng;
  /** ddim: number of steps S ≤ T (default T). */
  steps?: number;
  /** ddim: η (default 0). */
  eta?: number;
  /** ddim: 'uniform' or 'quad' spacing of τ (default uniform). */
  skip?: 'uniform' | 'quad';
  /** ddpm: clip x̂0 to [−clip, clip] (default: no clipping). */
  clipX0?: number;
  /** ddpm: posterior variance (default fixedlarge). */
  variance?: 'fixedlarge' | 'fixedsmall';
  /**
   * Called with x_T (i = 0, t = T) and with x after each of the `count` steps (i = 1 … count;
   * t is the timestep just taken). It may read x (x.toArray()) and is awaited; x is freed after.
   */
  onStep?: (x: E.Tensor, progress: { i: number; count: number; t: number }) => void | Promise<void>;
}

/** The DDIM sub-sequence τ: S increasing timesteps in [0, T). */
export function ddimTimesteps(T: number, S: number, skip: 'uniform' | 'quad'): number[] {
  if (!Number.isInteger(S) || S < 1 || S > T) throw new Error(`ddim: steps must be an integer in [1, ${T}], got ${S}`);
  if (skip === 'uniform') {
    const stride = Math.floor(T / S);
    return Array.from({ length: S }, (_, i) => i * stride);
  }
  // quad: (linspace(0, √(0.8·T), S))², as in the DDIM reference code; duplicates removed.
  const seq = Array.from({ length: S }, (_, i) => Math.floor((S === 1 ? 0 : (i * Math.sqrt(0.8 * T)) / (S - 1)) ** 2));
  return [...new Set(seq)];
}

// ---- one reverse step each: x_t, the model's ε and fresh noise z → x_{t−1} ----------------------

/** The tutorial: x = (x − (β_t/√(1−ᾱ_t))·ε)/√(1−β_t) + √β_t·z. */
export function tutorialStep(schedule: Schedule, t: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor): E.Tensor {
  const { betas, alphasBar } = schedule.f64;
  const mean = E.div(E.sub(x, E.mul(eps, betas[t] / Math.sqrt(1 - alphasBar[t]))), Math.sqrt(1 - betas[t]));
  return E.add(mean, E.mul(z, Math.sqrt(betas[t])));
}

/** DDPM: x̂0 = √(1/ᾱ_t)·x − √(1/ᾱ_t − 1)·ε (clipped if asked); mean = c1·x̂0 + c2·x; + σ·z for t > 0. */
export function ddpmStep(schedule: Schedule, t: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor,
  options: { clipX0?: number; variance?: 'fixedlarge' | 'fixedsmall' } = {}): E.Tensor {
  const ab = schedule.f64.alphasBar[t], abPrev = schedule.f64.alphasBarPrev[t], beta = schedule.f64.betas[t];
  let x0 = E.sub(E.mul(x, Math.sqrt(1 / ab)), E.mul(eps, Math.sqrt(1 / ab - 1)));
  if (options.clipX0 !== undefined) x0 = E.clamp(x0, { min: -options.clipX0, max: options.clipX0 });
  const coef1 = (beta * Math.sqrt(abPrev)) / (1 - ab);
  const coef2 = ((1 - abPrev) * Math.sqrt(1 - beta)) / (1 - ab);
  const mean = E.add(E.mul(x0, coef1), E.mul(x, coef2));
  if (t === 0) return mean;
  const variance = options.variance === 'fixedsmall' ? (beta * (1 - abPrev)) / (1 - ab) : beta;
  return E.add(mean, E.mul(z, Math.sqrt(variance)));
}

/** DDIM from t to tNext (−1: the end, ᾱ = 1): x0_t, then √ᾱ_next·x0_t + c1·z + c2·ε. */
export function ddimStep(schedule: Schedule, t: number, tNext: number, eta: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor): E.Tensor {
  const ab = schedule.f64.alphasBar[t];
  const abNext = tNext >= 0 ? schedule.f64.alphasBar[tNext] : 1;
  const c1 = eta * Math.sqrt(((1 - ab / abNext) * (1 - abNext)) / (1 - ab));
  const c2 = Math.sqrt(Math.max(0, 1 - abNext - c1 * c1));
  const x0 = E.div(E.sub(x, E.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
  const out = E.add(E.mul(x0, Math.sqrt(abNext)), E.mul(eps, c2));
  return c1 > 0 ? E.add(out, E.mul(z, c1)) : out;
}

// ---- the loop ---------------------------------------------------------------------------------

/** n samples [n, 2] on `device` (in the model's units: divide by a data scale outside). */
export async function sample(model: MLPDiffusion, schedule: Schedule, device: E.Backend, options: SampleOptions): Promise<E.Tensor> {
  const { n, rng } = options;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
  if (!SAMPLERS.includes(options.sampler)) {
    throw new Error(`sample: unknown sampler '${options.sampler as string}' (expected ${SAMPLERS.join(', ')})`);
  }
  const T = schedule.steps;
  const seq = options.sampler === 'ddim'
    ? ddimTimesteps(T, options.steps ?? T, options.skip ?? 'uniform')
    : Array.from({ length: T }, (_, t) => t);
  let x = E.keep(E.randn([n, 2], rng, { device }));
  await options.onStep?.(x, { i: 0, count: seq.length, t: T });
  for (let i = seq.length - 1; i >= 0; i--) {
    const t = seq[i];
    const next = E.noGrad(() => E.tidy(() => {
      const eps = model.forward(x, E.full([n], t, { dtype: 'int32', device }));
      const z = E.randn([n, 2], rng, { device });
      switch (options.sampler) {
        case 'tutorial': return tutorialStep(schedule, t, x, eps, z);
        case 'ddpm': return ddpmStep(schedule, t, x, eps, z, options);
        case 'ddim': return ddimStep(schedule, t, i > 0 ? seq[i - 1] : -1, options.eta ?? 0, x, eps, z);
      }
    }));
    x.dispose();
    x = E.keep(next);
    await options.onStep?.(x, { i: seq.length - i, count: seq.length, t });
  }
  return x;
}
