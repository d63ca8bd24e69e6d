// Training (docs/workload.md §5): every epoch shuffles the data and walks it in batches (the
// last one may be short or odd); each step is the tutorial's: loss, zero_grad, backward, clip_grad_norm_(1.0),
// Adam step. Two engines run it on the same state and random draws:
//   eager  one kernel per op; batches uploaded from the host, the batch losses summed on the
//          device and read once per epoch (the reference; the only engine on the CPU)
//   fused  (WebGPU, the default there) ddpm/fused/: 3 compiled kernels a step (4 on CPU
//          drivers), the shuffle, timesteps and noise drawn on the GPU, losses read after each
//          chunk of about a quarter second of GPU work (at most `lossEvery` steps)
//
// A run can be stopped (an AbortSignal) between steps or chunks: the epoch it cuts short is
// undone on the device (Adam.snapshot), so the trainer is always on a completed epoch. An epoch
// whose loss is not finite throws TrainingDiverged.
//
// A Trainer owns what a run carries from epoch to epoch — the optimizer's moments, the random
// stream (shuffles, timesteps, noise) and the epoch count — and exports it as host data, so a
// run saved after epoch k and resumed continues exactly as if it had not stopped. It packs the
// model's parameters into one buffer, so zeroing the gradients, their norm and Adam take a few
// kernels a step rather than a few per parameter.

import * as E from '../engine/index.js';
import type { KernelProfiler } from '../engine/webgpu/index.js';
import { defaultEngine, epochDraws, FusedTraining, fusedBackend, type EngineName, type FusedSplit, type StepDraws } from './fused/index.js';
import { DiffusionTables, diffusionLoss } from './loss.js';
import { MLPDiffusion } from './points/model.js';
import type { NoisePredictor } from './noise-predictor.js';
import type { Schedule } from './schedules.js';

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

export const TUTORIAL_TRAIN_SETTINGS: Omit<TrainSettings, 'seed'> = { batch: 128, lr: 1e-3, clip: 1.0, ema: 0, lrSchedule: E.CONSTANT_LR };

/** What a resumed run needs besides the model's weights. */
export interface TrainState {
  /** Epochs completed. */
  epoch: number;
  /** Position of the run's random stream after that epoch. */
  rngOffset: number;
  /** Mean batch loss of every completed epoch. */
  losses: number[];
  /** Adam's per-parameter state, in the model's parameter order. */
  adam: (E.AdamSlot | null)[];
  /** The weight average (settings.ema > 0), in the same order; null: none kept. */
  ema: E.WeightAverageState | null;
}

export interface RunOptions {
  /** Called with the losses of the epochs just completed, as soon as they are known. */
  onLosses?: (losses: readonly number[]) => void;
  /** Called as work completes with the epochs done, the current epoch's share as a fraction. */
  onProgress?: (epochs: number) => void;
  /** Stops the run early (between steps or chunks); see Trainer.runEpochs. */
  signal?: AbortSignal;
}

/** An epoch's mean loss was NaN or infinite: the run diverged (a learning rate or data scale too large?). */
export class TrainingDiverged extends Error {
  constructor(readonly epoch: number, readonly loss: number) {
    super(`the loss of epoch ${epoch} is ${loss}: training diverged (a learning rate or data scale too large?)`);
    this.name = 'TrainingDiverged';
  }
}

/** What a stop part-way through an epoch puts back. */
interface TrainerSnapshot {
  restore(): void;
  dispose(): void;
}

/** Fused: the GPU work between two loss readbacks, in seconds (a stop waits for at most two). */
const CHUNK_SECONDS = 0.25;

export interface TrainerOptions {
  /** fused (WebGPU: a step in 3 or 4 compiled kernels, the default there) or eager (one kernel per op). */
  engine?: EngineName;
  /** fused: the most steps between loss readbacks, rounded to whole epochs (default 1024). */
  lossEvery?: number;
  /** fused: steps per chunk, fixed (default: sized to about CHUNK_SECONDS of the GPU's measured pace). */
  chunkSteps?: number;
  /** fused: how the kernels split the work (default: fusedSplit of the adapter). */
  split?: FusedSplit;
  /** fused: times every kernel on the GPU. */
  profiler?: KernelProfiler;
}

export class Trainer<M extends NoisePredictor & E.Module = MLPDiffusion> {
  epoch = 0;
  readonly losses: number[] = [];
  readonly settings: TrainSettings;
  private readonly rng: E.Rng;
  private readonly opt: E.Adam;
  /** The weights' moving average, when settings.ema > 0. */
  private readonly average: E.WeightAverage | null;
  /** adoptSamplingWeights was called. */
  private finished = false;
  private readonly tables: DiffusionTables;
  /** The model's parameters in one buffer (and gradients in another): clipping and Adam are a few kernels. */
  private readonly params: E.PackedParameters;
  readonly engine: EngineName;
  private readonly fused: FusedTraining | null = null;
  /** Fused: steps per chunk, adapted to the GPU's pace unless fixed (see fusedEpochs). */
  private chunkSteps = 64;
  private readonly fixedChunk: boolean;
  /** Eager, when watched: one for the run, so that even one-step epochs yield every few ms. */
  private readonly pacer: E.Pacer;
  private readonly profiler: KernelProfiler | undefined;

  // data: [n, model.dataDim] points on the host. Any NoisePredictor module trains eagerly; the
  // fused engine (and the default on WebGPU) is MLPDiffusion's.
  constructor(readonly model: M, schedule: Schedule, private readonly data: Float32Array,
    settings: Partial<TrainSettings> & { seed: number }, readonly device: E.Backend, options: TrainerOptions = {}) {
    this.settings = { ...TUTORIAL_TRAIN_SETTINGS, ...settings };
    const { batch, lr, clip, seed, ema, lrSchedule } = this.settings;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`train: batch must be a positive integer, got ${batch}`);
    if (!(ema >= 0 && ema < 1)) throw new Error(`train: the weight average's decay must be in [0, 1) (0: none), got ${ema}`);
    if (!(lr > 0)) throw new Error(`train: the learning rate must be > 0, got ${lr}`);
    if (!(clip > 0)) throw new Error(`train: the clipping norm must be > 0, got ${clip}`);
    const dim = model.dataDim;
    if (data.length < dim || data.length % dim !== 0) throw new Error(`train: expected [n, ${dim}] data points, got ${data.length} values`);
    this.rng = new E.Rng(seed, 1);
    this.params = E.packParameters(model.parameters());
    this.opt = new E.Adam(this.params, { lr, schedule: lrSchedule });
    this.average = ema > 0 ? new E.WeightAverage(this.params, { decay: ema }) : null;
    this.tables = new DiffusionTables(schedule, device);
    this.pacer = new E.Pacer(device);
    this.engine = options.engine ?? (model instanceof MLPDiffusion ? defaultEngine(device) : 'eager');
    this.fixedChunk = options.chunkSteps !== undefined;
    if (this.engine === 'fused') {
      if (!(model instanceof MLPDiffusion)) throw new Error('train: the fused engine runs MLPDiffusion only; use the eager engine');
      const lossEvery = options.lossEvery ?? 1024;
      if (!Number.isInteger(lossEvery) || lossEvery < 1) throw new Error(`train: lossEvery must be a positive integer, got ${lossEvery}`);
      const epochsPerRead = Math.max(1, Math.round(lossEvery / this.stepsPerEpoch));
      this.fused = new FusedTraining({
        model, schedule, data, batch, clip, seed, stream: this.rng.stream, packed: this.params, adam: this.opt,
        average: this.average,
      }, fusedBackend(device, 'train'), epochsPerRead * this.stepsPerEpoch, options.split);
      this.profiler = options.profiler;
      if (options.chunkSteps !== undefined && !(Number.isInteger(options.chunkSteps) && options.chunkSteps >= 1)) {
        throw new Error(`train: chunkSteps must be a positive integer, got ${options.chunkSteps}`);
      }
      this.chunkSteps = Math.min(options.chunkSteps ?? this.chunkSteps, this.fused.logSteps);
    }
  }

  /** Steps (batches) per epoch. */
  get stepsPerEpoch(): number {
    return Math.ceil(this.data.length / this.model.dataDim / this.settings.batch);
  }

  /** One shuffled pass over the data; returns its mean batch loss. */
  async runEpoch(): Promise<number> {
    return (await this.runEpochs(1))[0];
  }

  /**
   * Up to `count` epochs; returns the mean batch losses of those completed (all of them unless
   * `signal` stopped the run). A stop is honoured between steps (eager) or between chunks of
   * about a quarter second (fused), and an epoch it cuts short is undone — weights, Adam's state
   * and the random stream put back — so the trainer always ends on a completed epoch. A
   * non-finite epoch loss throws TrainingDiverged (the weights are then not worth saving).
   */
  async runEpochs(count: number, options: RunOptions = {}): Promise<number[]> {
    if (this.finished) throw new Error('train: the trainer adopted its sampling weights (adoptSamplingWeights) and trains no more');
    const out: number[] = [];
    const finish = (losses: readonly number[]): void => {
      for (const loss of losses) {
        if (!Number.isFinite(loss)) throw new TrainingDiverged(this.epoch + 1, loss);
        this.epoch++;
        this.losses.push(loss);
        out.push(loss);
      }
      options.onLosses?.(losses);
      options.onProgress?.(this.epoch);
    };
    if (this.fused === null) {
      for (let i = 0; i < count && !options.signal?.aborted; i++) {
        const loss = await this.eagerEpoch(options);
        if (loss !== null) finish([loss]);
      }
    } else {
      await this.fusedEpochs(this.fused, count, finish, options);
    }
    return out;
  }

  /**
   * One eager epoch: batches uploaded from the host, the loss summed on the device and read once.
   * With a signal or progress wanted, paced step by step (engine/pacer.ts); null: stopped
   * part-way, and undone.
   */
  private async eagerEpoch({ signal, onProgress }: RunOptions): Promise<number | null> {
    const { batch, clip } = this.settings;
    const { data, device } = this;
    const dim = this.model.dataDim;
    const n = data.length / dim;
    const pacer = signal !== undefined || onProgress !== undefined ? this.pacer : null;
    const start = { rngOffset: this.rng.offset, snapshot: signal ? this.snapshot() : null };
    const order = this.rng.permutation(n);
    let total: E.Tensor | null = null;
    let batches = 0;
    try {
      for (let first = 0; first < n; first += batch) {
        if (signal?.aborted) {
          await pacer!.drain();
          start.snapshot!.restore();
          this.rng.offset = start.rngOffset;
          total?.dispose();
          return null;
        }
        const rows = order.subarray(first, Math.min(first + batch, n));
        const x0host = new Float32Array(dim * rows.length);
        rows.forEach((r, i) => x0host.set(data.subarray(dim * r, dim * (r + 1)), dim * i));
        const previous: E.Tensor | null = total;
        total = E.tidy(() => {
          const x0 = E.tensor(x0host, [rows.length, dim], { device });
          const loss = diffusionLoss(this.model, this.tables, x0, this.rng);
          this.opt.zeroGrad();
          loss.backward();
          E.clipGradNorm(this.params, clip);
          this.opt.step();
          this.average?.update();
          return previous ? E.add(previous, loss.detach()) : loss.detach();
        });
        previous?.dispose();
        batches++;
        if (pacer) {
          await pacer.step();
          if (batches > 1) onProgress?.(this.epoch + (batches - 1) / this.stepsPerEpoch);
        }
      }
      const loss = (await total!.item()) / batches;
      total!.dispose();
      return loss;
    } finally {
      start.snapshot?.dispose();
    }
  }

  /**
   * Fused: `count` epochs in chunks of about CHUNK_SECONDS of GPU work — whole epochs when an
   * epoch is shorter than that, else parts of one — each chunk recorded before the previous one's
   * losses are awaited, so the GPU never waits for the host.
   */
  private async fusedEpochs(fused: FusedTraining, count: number, finish: (losses: readonly number[]) => void,
    { signal, onProgress }: RunOptions): Promise<void> {
    const steps = this.stepsPerEpoch;
    const n = this.data.length / this.model.dataDim;
    // The epoch being recorded in parts: its draws, how far it is recorded, and how to undo it.
    let open: { draws: StepDraws[]; next: number; lossSum: number; rngOffset: number; snapshot: TrainerSnapshot | null } | null = null;
    let left = count;
    let recorded = this.epoch; // epochs recorded so far (a fraction for a part of one)
    let pending: { losses: Promise<Float32Array>; apply: (l: Float32Array) => void; steps: number; doneAfter: number } | null = null;
    let lastSettled = performance.now();
    const settle = async (chunk: NonNullable<typeof pending>): Promise<void> => {
      chunk.apply(await chunk.losses);
      const now = performance.now();
      // Size the next chunks from this one's pace (at most 4× larger at a time).
      const pace = chunk.steps / Math.max((now - lastSettled) / 1000, 1e-6);
      lastSettled = now;
      if (!this.fixedChunk) this.chunkSteps = Math.max(1, Math.min(fused.logSteps, 4 * this.chunkSteps, Math.round(pace * CHUNK_SECONDS)));
      if (!Number.isInteger(chunk.doneAfter)) onProgress?.(chunk.doneAfter); // (finish reports whole epochs)
    };
    try {
      while ((left > 0 || open !== null) && !signal?.aborted) {
        let draws: StepDraws[];
        let apply: (l: Float32Array) => void;
        if (open === null && this.chunkSteps >= steps) {
          const epochs = Math.min(left, Math.floor(this.chunkSteps / steps));
          draws = [];
          for (let e = 0; e < epochs; e++) draws.push(...epochDraws(n, this.settings.batch, this.rng));
          left -= epochs;
          recorded += epochs;
          apply = (l) => finish(Array.from({ length: epochs }, (_, e) => l.subarray(e * steps, (e + 1) * steps).reduce((a, b) => a + b, 0) / steps));
        } else {
          if (open === null) {
            const rngOffset = this.rng.offset;
            open = { rngOffset, snapshot: signal ? this.snapshot() : null, draws: epochDraws(n, this.settings.batch, this.rng), next: 0, lossSum: 0 };
            left--;
          }
          const epoch = open;
          draws = epoch.draws.slice(epoch.next, epoch.next + this.chunkSteps);
          epoch.next += draws.length;
          const closes = epoch.next === steps;
          recorded = Math.floor(recorded) + (closes ? 1 : epoch.next / steps);
          if (closes) open = null;
          apply = (l) => {
            epoch.lossSum = l.reduce((a, b) => a + b, epoch.lossSum);
            if (closes) {
              epoch.snapshot?.dispose();
              finish([epoch.lossSum / steps]);
            }
          };
        }
        const losses = fused.run(draws, this.profiler);
        if (pending) await settle(pending);
        pending = { losses, apply, steps: draws.length, doneAfter: recorded };
      }
      if (pending) await settle(pending);
      pending = null;
    } finally {
      void pending?.losses.catch(() => {}); // a TrainingDiverged left a chunk in flight
      if (open !== null) {
        // Stopped part-way through an epoch: put it back as it was before its first step.
        open.snapshot?.restore();
        open.snapshot?.dispose();
        this.rng.offset = open.rngOffset;
      }
    }
  }

  /** The weights, Adam's state and the weight average as they are now, on the device (see runEpochs). */
  private snapshot(): TrainerSnapshot {
    const adam = this.opt.snapshot();
    const average = this.average?.snapshot();
    return {
      restore: () => { adam.restore(); average?.restore(); },
      dispose: () => { adam.dispose(); average?.dispose(); },
    };
  }

  /**
   * Runs `fn` with the model holding the weights to sample with and to save as the model: the
   * weight average when one is kept (then the trained weights are put back), else the weights.
   */
  async withSamplingWeights<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.average ? this.average.withAverage(fn) : fn();
  }

  /**
   * Ends training: the model keeps the weights to sample with for good (the average, when one is
   * kept), for the samples drawn after the run. The trainer trains no more.
   */
  adoptSamplingWeights(): void {
    if (this.average) this.device.copy(this.params.weights.storage, this.average.average.storage);
    this.finished = true;
  }

  async exportState(): Promise<TrainState> {
    return {
      epoch: this.epoch, rngOffset: this.rng.offset, losses: [...this.losses], adam: await this.opt.exportState(),
      ema: this.average ? await this.average.exportState() : null,
    };
  }

  /** Continues from a saved state (the model's weights are loaded separately). */
  importState(state: TrainState): void {
    if ((state.ema !== null) !== (this.average !== null)) {
      throw new Error(`train: the saved state ${state.ema ? 'has' : 'has no'} weight average, the trainer ${this.average ? 'keeps one' : 'keeps none'} (settings.ema ${this.settings.ema})`);
    }
    if (state.ema && this.average) this.average.importState(state.ema);
    this.opt.importState(state.adam);
    this.epoch = state.epoch;
    this.rng.offset = state.rngOffset;
    this.losses.splice(0, this.losses.length, ...state.losses);
  }

  dispose(): void {
    this.fused?.dispose();
    this.average?.dispose();
    this.tables.sqrtAlphasBar.dispose();
    this.tables.sqrtOneMinusAlphasBar.dispose();
  }
}

/** Trains for `epochs` epochs from scratch; returns the loss of each. */
export async function train(model: NoisePredictor & E.Module, schedule: Schedule, data: Float32Array,
  options: Partial<TrainSettings> & TrainerOptions & { seed: number; epochs: number; device: E.Backend }): Promise<number[]> {
  const { epochs, device, engine, lossEvery, ...settings } = options;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`train: epochs must be a non-negative integer, got ${epochs}`);
  const trainer = new Trainer(model, schedule, data, settings, device, { engine, lossEvery });
  try {
    await trainer.runEpochs(epochs);
    return trainer.losses;
  } finally {
    trainer.dispose();
  }
}
