// What the training loop (train.ts, Trainer) and the sampling loop (sample.ts, sample) ask of an
// engine — the eager one (eager.ts: one kernel per op, any network, any device) or the fused one
// (fused/runner.ts: MLPDiffusion's step and reverse process as compiled WebGPU programs). The
// loops stay a few dozen lines and never ask which engine runs; engines.ts picks one.
//   EpochRunner    trains whole epochs, paced as the engine likes (a step at a time, or chunks
//                  of GPU work), reporting each epoch's mean loss as soon as it is known, and
//                  undoing an epoch a stop cuts short
//   ReverseRunner  takes x through a run of reverse steps, with a stop point where it likes

import type * as E from '../engine/index.js';
import type { KernelProfiler } from '../engine/webgpu/index.js';
import type { FusedSplit } from './fused/program.js';
import type { DiffusionTables } from './loss.js';
import type { NoisePredictor } from './noise-predictor.js';
import type { ReverseStep } from './reverse-step.js';
import type { Schedule } from './schedules.js';

/** fused (compiled programs: WebGPU, MLPDiffusion) or eager (one kernel per op: any network, any device). */
export type EngineName = 'fused' | 'eager';
/** Every engine's name, fused first. */
export const ENGINE_NAMES: readonly EngineName[] = ['fused', 'eager'];

/** How a run trains: the tutorial's Adam step with clipping, and what may be changed of it. */
export interface TrainSettings {
  batch: number;
  lr: number;
  /** clip_grad_norm_'s max_norm. */
  clip: number;
  /** Seeds the shuffles, timesteps and noise (the model is seeded where it is built). */
  seed: number;
  /** The decay of a weight average kept beside the weights (engine/weight-average.ts); 0: none. */
  ema: number;
  /** How the learning rate moves over the run's steps (engine/lr-schedule.ts). */
  lrSchedule: E.LrSchedule;
}

/** The state of a run on the device as it was, to put back (a stop part-way through an epoch). */
export interface Snapshot {
  restore(): void;
  dispose(): void;
}

/** What a Trainer owns and hands its engine: the run it steps. */
export interface TrainingRun {
  readonly model: NoisePredictor & E.Module;
  readonly schedule: Schedule;
  readonly tables: DiffusionTables;
  /** [n, model.dataDim] points on the host, as the network sees them. */
  readonly data: Float32Array;
  readonly settings: TrainSettings;
  readonly device: E.Backend;
  /** The run's random stream: shuffles, timesteps, noise. */
  readonly rng: E.Rng;
  /** The model's parameters packed into one buffer, gradients in another. */
  readonly params: E.PackedParameters;
  readonly opt: E.Adam;
  /** The weights' moving average, when the run keeps one. */
  readonly average: E.WeightAverage | null;
  /** Epochs completed before this call (progress is reported from there). */
  readonly epoch: number;
  readonly stepsPerEpoch: number;
  /** The weights, Adam's state and the average as they are now. */
  snapshot(): Snapshot;
}

/** How a run of epochs is watched and stopped. */
export interface EpochOptions {
  /** Called as work completes with the epochs done, the current epoch's share as a fraction. */
  onProgress?: (epochs: number) => void;
  /** Stops the run between steps or chunks; an epoch cut short is undone. */
  signal?: AbortSignal;
}

/** Options only the fused engine reads (the eager one has nothing to tune). */
export interface EngineOptions {
  /** fused: the most steps between loss readbacks, rounded to whole epochs (default 1024). */
  lossEvery?: number;
  /** fused: steps per chunk, fixed (default: sized to about a quarter second of the GPU's measured pace). */
  chunkSteps?: number;
  /** fused: how the kernels split the work (default: fusedSplit of the adapter). */
  split?: FusedSplit;
  /** fused: times every kernel on the GPU. */
  profiler?: KernelProfiler;
}

export interface EpochRunner {
  /**
   * Up to `count` epochs. Each completed epoch's mean batch loss goes to `completed` (in order,
   * several at once when the engine reads them back together) before the next readback; it may
   * throw (a diverged loss), which ends the call. A stop ends it too, with the epoch in
   * progress undone — weights, Adam's state, the average and the random stream as before it.
   */
  runEpochs(count: number, completed: (losses: readonly number[]) => void, options: EpochOptions): Promise<void>;
  dispose(): void;
}

/** What sample() hands its engine: x_T, drawn, and the reverse steps to take it through. */
export interface ReverseRun {
  readonly model: NoisePredictor;
  readonly schedule: Schedule;
  readonly device: E.Backend;
  /** x_T: [n, model.dataDim], kept (E.keep); the runner owns it from here. */
  readonly x: E.Tensor;
  /** The sampling stream, right after x_T was drawn: each step's noise z comes next, in step order. */
  readonly rng: E.Rng;
  readonly steps: readonly ReverseStep[];
  /** Stop points are where the engine checks it (it throws the signal's reason). */
  readonly signal?: AbortSignal;
  readonly options: Pick<EngineOptions, 'split' | 'profiler'>;
}

export interface ReverseRunner {
  /** x after the steps run so far (kept; freed by the caller, also on error). */
  readonly x: E.Tensor;
  /** Runs the steps up to step `end` (of 1 … steps.length): x is then x after step `end`. */
  advance(end: number): Promise<void>;
  dispose(): void;
}

/** An engine: whether it runs a network, and its two runners. */
export interface DiffusionEngine {
  readonly name: EngineName;
  /** Why this engine cannot run `model` (a sentence), or null. */
  refuses(model: NoisePredictor): string | null;
  epochs(run: TrainingRun, options: EngineOptions): EpochRunner;
  reverse(run: ReverseRun): ReverseRunner;
}
