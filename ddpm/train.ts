// Training (SPEC §5): every epoch shuffles the data and walks it in batches (the last one may be
// short or odd); each step is the tutorial's: loss, zero_grad, backward, clip_grad_norm_(1.0),
// Adam step. Two engines run it on the same state and random draws:
//   eager  one kernel per op; batches uploaded from the host, the batch losses summed on the
//          device and read once per epoch (the reference; the only engine on the CPU)
//   fused  (WebGPU, the default there) ddpm/fused.ts: 4 compiled kernels a step, the shuffle,
//          timesteps and noise drawn on the GPU, losses read every `lossEvery` steps
//
// A Trainer owns what a run carries from epoch to epoch — the optimizer's moments, the random
// stream (shuffles, timesteps, noise) and the epoch count — and exports it as host data, so a
// run saved after epoch k and resumed continues exactly as if it had not stopped. It packs the
// model's parameters into one buffer, so zeroing the gradients, their norm and Adam take a few
// kernels a step rather than a few per parameter.

import * as E from '../engine/index.js';
import { defaultEngine, epochDraws, FusedTraining, fusedBackend, type EngineName, type StepDraws } from './fused.js';
import { DiffusionTables, diffusionLoss } from './loss.js';
import { MLPDiffusion, type NoisePredictor } from './model.js';
import type { Schedule } from './schedules.js';

export interface TrainSettings {
  batch: number;
  lr: number;
  /** clip_grad_norm_'s max_norm. */
  clip: number;
  /** Seeds the shuffles, timesteps and noise (the model is seeded where it is built). */
  seed: number;
}

export const TUTORIAL_TRAIN_SETTINGS: Omit<TrainSettings, 'seed'> = { batch: 128, lr: 1e-3, clip: 1.0 };

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
}

export interface TrainerOptions {
  /** fused (WebGPU: a compiled 3-kernel step, the default there) or eager (one kernel per op). */
  engine?: EngineName;
  /** fused: steps between loss readbacks, rounded to whole epochs (default 1024). */
  lossEvery?: number;
}

export class Trainer<M extends NoisePredictor & E.Module = MLPDiffusion> {
  epoch = 0;
  readonly losses: number[] = [];
  readonly settings: TrainSettings;
  private readonly rng: E.Rng;
  private readonly opt: E.Adam;
  private readonly tables: DiffusionTables;
  /** The model's parameters in one buffer (and gradients in another): clipping and Adam are a few kernels. */
  private readonly params: E.PackedParameters;
  readonly engine: EngineName;
  private readonly fused: FusedTraining | null = null;

  // data: [n, model.dataDim] points on the host. Any NoisePredictor module trains eagerly; the
  // fused engine (and the default on WebGPU) is MLPDiffusion's.
  constructor(readonly model: M, schedule: Schedule, private readonly data: Float32Array,
    settings: Partial<TrainSettings> & { seed: number }, readonly device: E.Backend, options: TrainerOptions = {}) {
    this.settings = { ...TUTORIAL_TRAIN_SETTINGS, ...settings };
    const { batch, lr, clip, seed } = this.settings;
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`train: batch must be a positive integer, got ${batch}`);
    if (!(lr > 0)) throw new Error(`train: the learning rate must be > 0, got ${lr}`);
    if (!(clip > 0)) throw new Error(`train: the clipping norm must be > 0, got ${clip}`);
    const dim = model.dataDim;
    if (data.length < dim || data.length % dim !== 0) throw new Error(`train: expected [n, ${dim}] data points, got ${data.length} values`);
    this.rng = new E.Rng(seed, 1);
    this.params = E.packParameters(model.parameters());
    this.opt = new E.Adam(this.params, { lr });
    this.tables = new DiffusionTables(schedule, device);
    this.engine = options.engine ?? (model instanceof MLPDiffusion ? defaultEngine(device) : 'eager');
    if (this.engine === 'fused') {
      if (!(model instanceof MLPDiffusion)) throw new Error('train: the fused engine runs MLPDiffusion only; use the eager engine');
      const lossEvery = options.lossEvery ?? 1024;
      if (!Number.isInteger(lossEvery) || lossEvery < 1) throw new Error(`train: lossEvery must be a positive integer, got ${lossEvery}`);
      const epochsPerRead = Math.max(1, Math.round(lossEvery / this.stepsPerEpoch));
      this.fused = new FusedTraining({
        model, schedule, data, batch, clip, seed, stream: this.rng.stream, packed: this.params, adam: this.opt,
      }, fusedBackend(device, 'train'), epochsPerRead * this.stepsPerEpoch);
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
   * `count` epochs; returns their mean batch losses. onLosses gets the losses of the epochs just
   * completed each time some are known (eager: after every epoch; fused: at each loss readback).
   */
  async runEpochs(count: number, onLosses?: (losses: readonly number[]) => void): Promise<number[]> {
    const out: number[] = [];
    const finish = (losses: readonly number[]): void => {
      this.epoch += losses.length;
      this.losses.push(...losses);
      out.push(...losses);
      onLosses?.(losses);
    };
    if (this.fused === null) {
      for (let i = 0; i < count; i++) finish([await this.eagerEpoch()]);
      return out;
    }
    // Fused: record a segment of epochs, then wait for the previous segment's losses while
    // the GPU works on this one.
    const steps = this.stepsPerEpoch;
    const perRead = Math.max(1, Math.floor(this.fused.logSteps / steps));
    let pending: Promise<Float32Array> | null = null;
    const settle = async (losses: Promise<Float32Array>): Promise<void> => {
      const l = await losses;
      finish(Array.from({ length: l.length / steps }, (_, e) => l.subarray(e * steps, (e + 1) * steps).reduce((a, b) => a + b, 0) / steps));
    };
    for (let done = 0; done < count; done += perRead) {
      const draws: StepDraws[] = [];
      for (let e = 0; e < Math.min(perRead, count - done); e++) draws.push(...epochDraws(this.data.length / this.model.dataDim, this.settings.batch, this.rng));
      const losses = this.fused.run(draws);
      if (pending) await settle(pending);
      pending = losses;
    }
    if (pending) await settle(pending);
    return out;
  }

  /** One eager epoch: batches uploaded from the host, the loss summed on the device and read once. */
  private async eagerEpoch(): Promise<number> {
    const { batch, clip } = this.settings;
    const { data, device } = this;
    const dim = this.model.dataDim;
    const n = data.length / dim;
    const order = this.rng.permutation(n);
    let total: E.Tensor | null = null;
    let batches = 0;
    for (let first = 0; first < n; first += batch) {
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
        return previous ? E.add(previous, loss.detach()) : loss.detach();
      });
      previous?.dispose();
      batches++;
    }
    const loss = (await total!.item()) / batches;
    total!.dispose();
    return loss;
  }

  async exportState(): Promise<TrainState> {
    return { epoch: this.epoch, rngOffset: this.rng.offset, losses: [...this.losses], adam: await this.opt.exportState() };
  }

  /** Continues from a saved state (the model's weights are loaded separately). */
  importState(state: TrainState): void {
    this.opt.importState(state.adam);
    this.epoch = state.epoch;
    this.rng.offset = state.rngOffset;
    this.losses.splice(0, this.losses.length, ...state.losses);
  }

  dispose(): void {
    this.fused?.dispose();
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
