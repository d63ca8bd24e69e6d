// Sampling: the reverse process from x_T ~ N(0, I) to x_0, batched on the model's device.
//   tutorial  the S-curve tutorial's p_sample_loop (docs/workload.md §6): noise added at every
//             step, t = 0 too
//   ddpm      Ho et al.'s p_sample: predict x̂0 (optionally clipped), posterior mean, variance
//             'fixedlarge' (β_t) or 'fixedsmall' (β̃_t), no noise at t = 0
//   ddim      Song et al.'s generalized_steps over a sub-sequence τ ('uniform' or 'quad') of S ≤ T
//             steps, stochasticity η (0: deterministic; 1: DDPM's fixedsmall variance)
// Per-step coefficients are host numbers (float64 from the schedule). An engine takes x through
// the steps (runner.ts): eager (eager.ts: each step a few tensor ops, nothing read back until
// the end) or fused (fused/runner.ts, the default on WebGPU for MLPDiffusion: the steps between
// two that onStep looks at as one dispatch, in runs of about a quarter second with a signal).
// Every sampler draws z at every step (even where it is unused), so a seed fixes the noise
// sequence independently of the sampler's settings.

import * as E from '../engine/index.js';
import { engineFor } from './engines.js';
import type { NoisePredictor } from './noise-predictor.js';
import { applyReverseStep, type ReverseStep } from './reverse-step.js';
import type { EngineName, EngineOptions, ReverseRunner } from './runner.js';
import type { Schedule } from './schedules.js';

export { applyReverseStep, type ReverseStep } from './reverse-step.js';

/**
 * The samplers (see the header): the tutorial's p_sample_loop, Ho et al.'s DDPM, Song et al.'s
 * DDIM.
 */
export type SamplerName = 'tutorial' | 'ddpm' | 'ddim';
/** Every sampler's name. */
export const SAMPLERS: readonly SamplerName[] = ['tutorial', 'ddpm', 'ddim'];

/**
 * What sample takes besides the model and schedule: the sampler, how many samples, the random
 * stream, and each sampler's settings.
 */
export interface SampleOptions {
  sampler: SamplerName;
  n: number;
  rng: E.Rng;
  /** ddim: the sampling steps S ≤ T (default T); T itself is the schedule's timesteps. */
  sampleSteps?: number;
  /** ddim: η (default 0). */
  eta?: number;
  /** ddim: 'uniform' or 'quad' spacing of τ (default uniform). */
  skip?: 'uniform' | 'quad';
  /** ddpm: clip x̂0 to [−clip, clip] (default: no clipping). */
  clipX0?: number;
  /** ddpm: posterior variance (default fixedlarge). */
  variance?: 'fixedlarge' | 'fixedsmall';
  /**
   * Called with x_T (i = 0, t = T) and with x after the steps i (of 1 … count) that `visit`
   * picks (default: every one; t is the timestep just taken). It may read x (x.toArray()) and is
   * awaited; x is freed after.
   */
  onStep?: (x: E.Tensor, progress: { i: number; count: number; t: number }) => void | Promise<void>;
  /** After which steps i (1 … count) onStep is called; the fused engine runs the steps between two of them as one dispatch. */
  visit?: (i: number, count: number) => boolean;
  /** Fused: how the kernel splits the work (default: fusedSplit of the adapter). */
  split?: EngineOptions['split'];
  /** Fused: times each dispatch on the GPU. */
  profiler?: EngineOptions['profiler'];
  /** fused (WebGPU: a run of steps one kernel, the default there) or eager (one kernel per op). */
  engine?: EngineName;
  /** Stops between steps (eager) or runs of about a quarter second (fused), throwing the signal's reason. */
  signal?: AbortSignal;
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
// Each sampler's step is one of three forms with named coefficients (ReverseStep,
// ddpm/reverse-step.ts); the eager path applies them here, the fused kernel in the same order.

/** The tutorial: x = (x − (β_t/√(1−ᾱ_t))·ε)/√(1−β_t) + √β_t·z. */
export function tutorialCoefficients(schedule: Schedule, t: number): ReverseStep {
  const { betas, alphasBar } = schedule.f64;
  return { t, kind: 'tutorial', epsScale: betas[t] / Math.sqrt(1 - alphasBar[t]), divisor: Math.sqrt(1 - betas[t]), noiseScale: Math.sqrt(betas[t]) };
}

/** DDPM: x̂0 = √(1/ᾱ_t)·x − √(1/ᾱ_t − 1)·ε (clipped if asked); mean = c1·x̂0 + c2·x; + σ·z for t > 0. */
export function ddpmCoefficients(schedule: Schedule, t: number,
  options: { clipX0?: number; variance?: 'fixedlarge' | 'fixedsmall' } = {}): ReverseStep {
  const ab = schedule.f64.alphasBar[t], abPrev = schedule.f64.alphasBarPrev[t], beta = schedule.f64.betas[t];
  const coef1 = (beta * Math.sqrt(abPrev)) / (1 - ab);
  const coef2 = ((1 - abPrev) * Math.sqrt(1 - beta)) / (1 - ab);
  const variance = options.variance === 'fixedsmall' ? (beta * (1 - abPrev)) / (1 - ab) : beta;
  return {
    t, kind: 'ddpm', x0FromX: Math.sqrt(1 / ab), x0FromEps: Math.sqrt(1 / ab - 1), meanFromX0: coef1, meanFromX: coef2,
    noiseScale: t === 0 ? 0 : Math.sqrt(variance), clipX0: options.clipX0,
  };
}

/** DDIM from t to tNext (−1: the end, ᾱ = 1): x0_t = (x − √(1−ᾱ_t)·ε)/√ᾱ_t, then √ᾱ_next·x0_t + c2·ε + c1·z. */
export function ddimCoefficients(schedule: Schedule, t: number, tNext: number, eta: number): ReverseStep {
  const ab = schedule.f64.alphasBar[t];
  const abNext = tNext >= 0 ? schedule.f64.alphasBar[tNext] : 1;
  const c1 = eta * Math.sqrt(((1 - ab / abNext) * (1 - abNext)) / (1 - ab));
  const c2 = Math.sqrt(Math.max(0, 1 - abNext - c1 * c1));
  return { t, kind: 'ddim', epsScale: Math.sqrt(1 - ab), divisor: Math.sqrt(ab), x0Scale: Math.sqrt(abNext), epsNext: c2, noiseScale: c1 };
}

export function tutorialStep(schedule: Schedule, t: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor): E.Tensor {
  return applyReverseStep(tutorialCoefficients(schedule, t), x, eps, z);
}

export function ddpmStep(schedule: Schedule, t: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor,
  options: { clipX0?: number; variance?: 'fixedlarge' | 'fixedsmall' } = {}): E.Tensor {
  return applyReverseStep(ddpmCoefficients(schedule, t, options), x, eps, z);
}

export function ddimStep(schedule: Schedule, t: number, tNext: number, eta: number, x: E.Tensor, eps: E.Tensor, z: E.Tensor): E.Tensor {
  return applyReverseStep(ddimCoefficients(schedule, t, tNext, eta), x, eps, z);
}

// ---- the loop ---------------------------------------------------------------------------------

/**
 * n samples [n, model.dataDim] on `device` (in the model's units: divide by a data scale
 * outside). The fused engine runs MLPDiffusion only; other networks sample eagerly.
 */
export async function sample(model: NoisePredictor, schedule: Schedule, device: E.Backend, options: SampleOptions): Promise<E.Tensor> {
  const { n, rng, signal, onStep } = options;
  if (!Number.isInteger(n) || n < 1) throw new Error(`sample: n must be a positive integer, got ${n}`);
  const steps = reverseSteps(schedule, options);
  const engine = engineFor(options.engine, model, device, 'sample');
  const count = steps.length;
  const visited = (i: number): boolean => onStep !== undefined && (options.visit?.(i, count) ?? true);
  signal?.throwIfAborted();
  const x = E.keep(E.randn([n, model.dataDim], rng, { device }));
  let runner: ReverseRunner | null = null;
  try {
    await onStep?.(x, { i: 0, count, t: schedule.timesteps });
    runner = engine.reverse({ model, schedule, device, x, rng, steps, signal, options });
    for (let done = 0; done < count;) {
      let end = done + 1;
      while (end < count && !visited(end)) end++;
      await runner.advance(end);
      done = end;
      if (visited(done)) await onStep!(runner.x, { i: done, count, t: steps[done - 1].t });
    }
    return runner.x;
  } catch (e) {
    (runner?.x ?? x).dispose();
    throw e;
  } finally {
    runner?.dispose();
  }
}

/** The sampler's reverse steps, in the order they are taken (from t = T − 1, or τ's last, down). */
function reverseSteps(schedule: Schedule, options: SampleOptions): ReverseStep[] {
  if (!SAMPLERS.includes(options.sampler)) {
    throw new Error(`sample: unknown sampler '${options.sampler as string}' (expected ${SAMPLERS.join(', ')})`);
  }
  const T = schedule.timesteps;
  const seq = options.sampler === 'ddim'
    ? ddimTimesteps(T, options.sampleSteps ?? T, options.skip ?? 'uniform')
    : Array.from({ length: T }, (_, t) => t);
  // Step i of the loop goes from seq[count − 1 − i] down.
  return seq.map((_, j) => {
    const i = seq.length - 1 - j;
    const t = seq[i];
    switch (options.sampler) {
      case 'tutorial': return tutorialCoefficients(schedule, t);
      case 'ddpm': return ddpmCoefficients(schedule, t, options);
      case 'ddim': return ddimCoefficients(schedule, t, i > 0 ? seq[i - 1] : -1, options.eta ?? 0);
    }
  });
}
