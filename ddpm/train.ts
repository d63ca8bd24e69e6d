// Training (docs/workload.md §5): every epoch shuffles the data and walks it in batches (the
// last one may be short or odd); each step is the tutorial's: loss, zero_grad, backward,
// clip_grad_norm_(1.0), Adam step. An engine runs the epochs (runner.ts): eager (eager.ts, one
// kernel per op, the reference and the only one on the CPU) or fused (fused/runner.ts, the
// default on WebGPU for MLPDiffusion: a step in 3–4 compiled kernels, losses read back every
// quarter second or so); both take the same random draws from the same state.
//
// A run can be stopped (an AbortSignal) between steps or chunks: the engine undoes the epoch it
// cuts short, so the trainer is always on a completed epoch. An epoch whose loss is not finite
// throws TrainingDiverged.
//
// A Trainer owns what a run carries from epoch to epoch — the optimizer's moments, the random
// stream (shuffles, timesteps, noise) and the epoch count — and exports it as host data, so a
// run saved after epoch k and resumed continues exactly as if it had not stopped. It packs the
// model's parameters into one buffer, so zeroing the gradients, their norm and Adam take a few
// kernels a step rather than a few per parameter.

import * as E from '../engine/index.js';
import { engineFor } from './engines.js';
import { DiffusionTables } from './loss.js';
import type { NoisePredictor } from './noise-predictor.js';
import type { EngineName, EngineOptions, EpochRunner, Snapshot, TrainingRun, TrainSettings } from './runner.js';
import type { Schedule } from './schedules.js';

export type { TrainSettings } from './runner.js';

/**
 * The tutorial's training settings (seed aside): batches of 128, Adam at 1e-3 with a constant rate,
 * gradients clipped to norm 1, no weight average.
 */
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

/** What Trainer.runEpochs reports to as it goes, and the signal that stops it. */
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
  /** The epoch (from 1) whose mean loss was `loss`. */
  constructor(readonly epoch: number, readonly loss: number) {
    super(`the loss of epoch ${epoch} is ${loss}: training diverged (a learning rate or data scale too large?)`);
    this.name = 'TrainingDiverged';
  }
}

/** How a Trainer runs its steps: the engine (fused or eager) and the engine's options. */
export interface TrainerOptions extends EngineOptions {
  /** fused (WebGPU, MLPDiffusion: a step in 3 or 4 compiled kernels, the default there) or eager (one kernel per op). */
  engine?: EngineName;
}

/**
 * A training run (see the header): the model, the optimizer's state, the random stream and the
 * epoch count, stepping through epochs of the data with runEpoch or runEpochs; exportState and
 * importState save and resume it exactly.
 */
export class Trainer<M extends NoisePredictor & E.Module = NoisePredictor & E.Module> {
  /** Epochs completed. */
  epoch = 0;
  /** The mean batch loss of each epoch completed, in order. */
  readonly losses: number[] = [];
  /** The run's settings: the tutorial's, with what the constructor was given over them. */
  readonly settings: TrainSettings;
  /** The engine that runs the steps. */
  readonly engine: EngineName;
  private readonly rng: E.Rng;
  private readonly opt: E.Adam;
  /** The weights' moving average, when settings.ema > 0. */
  private readonly average: E.WeightAverage | null;
  /** The model's parameters in one buffer (and gradients in another): clipping and Adam are a few kernels. */
  private readonly params: E.PackedParameters;
  private readonly tables: DiffusionTables;
  private readonly runner: EpochRunner;
  /** adoptSamplingWeights was called. */
  private finished = false;

  /**
   * A run that trains `model` on `data` with the schedule on `device`, from settings.seed. Throws
   * for a batch, learning rate, clipping norm or weight-average decay out of range, or data that is
   * not [n, model.dataDim].
   * data: [n, model.dataDim] points on the host, as the network sees them.
   */
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
    const engine = engineFor(options.engine, model, device, 'train');
    this.engine = engine.name;
    this.rng = new E.Rng(seed, 1);
    this.params = E.packParameters(model.parameters());
    this.opt = new E.Adam(this.params, { lr, schedule: lrSchedule });
    this.average = ema > 0 ? new E.WeightAverage(this.params, { decay: ema }) : null;
    this.tables = new DiffusionTables(schedule, device);
    this.runner = engine.epochs(this.run(schedule), options);
  }

  /** What the engine steps: this trainer's state, read where it stands. */
  private run(schedule: Schedule): TrainingRun {
    const trainer = this;
    return {
      model: this.model, schedule, tables: this.tables, data: this.data, settings: this.settings, device: this.device,
      rng: this.rng, params: this.params, opt: this.opt, average: this.average, stepsPerEpoch: this.stepsPerEpoch,
      get epoch() { return trainer.epoch; },
      snapshot: () => this.snapshot(),
    };
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
    await this.runner.runEpochs(count, (losses) => {
      for (const loss of losses) {
        if (!Number.isFinite(loss)) throw new TrainingDiverged(this.epoch + 1, loss);
        this.epoch++;
        this.losses.push(loss);
        out.push(loss);
      }
      options.onLosses?.(losses);
      options.onProgress?.(this.epoch);
    }, options);
    return out;
  }

  /** The weights, Adam's state and the weight average as they are now, on the device (see runEpochs). */
  private snapshot(): Snapshot {
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
    this.average?.adopt();
    this.finished = true;
  }

  /** What resuming needs besides the model's weights (see TrainState), copied to the host. */
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

  /**
   * Frees what the run holds on the device (its engine's buffers, the weight average, the
   * schedule's tables); the model stays.
   */
  dispose(): void {
    this.runner.dispose();
    this.average?.dispose();
    this.tables.dispose();
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
