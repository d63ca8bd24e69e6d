// The fused training step: MLPDiffusion's step as 3 dispatches of mlp-diffusion.wgsl (rows,
// weight gradients, norm + clip + Adam; 4 on CPU drivers, the norm apart) with no host round
// trip: the shuffle, timesteps and noise are drawn on the GPU from the same Philox keys the
// eager path uses, Adam's bias corrections come from a per-step table the host writes, and the
// loss of every step is logged on the GPU and read back every `lossEvery` steps. A weight
// average, if the run keeps one, is updated in the same kernel as Adam. It works on
// the model's own packed buffers, so the eager path and this one can take turns on one model.

import * as E from '../../engine/index.js';
import type { KernelProfiler, WebGpuBackend } from '../../engine/webgpu/index.js';
import { Program } from '../../engine/webgpu/internal.js';
import { adamBiasCorrection } from '../../engine/internal.js';
import type { MLPDiffusion } from '../points/model.js';
import type { Schedule } from '../schedules.js';
import { BINDINGS, checkModel, CONSTS, fusedSplit, moduleCode, parameterOffsets, rowsPerWorkgroup, STEP, workLayout, type FusedSplit,
  type FusedStorage } from './program.js';

/** What the fused training step needs from a Trainer: the packed model, optimizer and data. */
export interface FusedTrainingSetup {
  model: MLPDiffusion;
  schedule: Schedule;
  /** [n, 2] points, as the network sees them. */
  data: Float32Array;
  batch: number;
  clip: number;
  seed: number;
  /** The Rng stream the eager path draws from (same keys here). */
  stream: number;
  packed: E.PackedParameters;
  adam: E.Adam;
  /** Updated in train_adam after each step; null: none kept. */
  average: E.WeightAverage | null;
}

/** One step's random draws (Rng offsets) and batch, in the eager path's order. */
export interface StepDraws {
  rows: number;
  first: number;
  permOffset: number;
  tOffset: number;
  tExtraOffset: number;
  noiseOffset: number;
}

/** Takes one epoch's draws from `rng` exactly as Trainer.runEpoch's eager loop does. */
export function epochDraws(n: number, batch: number, rng: E.Rng): StepDraws[] {
  const permOffset = rng.next().offset;
  const steps: StepDraws[] = [];
  for (let first = 0; first < n; first += batch) {
    const rows = Math.min(batch, n - first);
    const tOffset = rng.next().offset;
    const tExtraOffset = rows % 2 === 1 ? rng.next().offset : 0;
    const noiseOffset = rng.next().offset;
    steps.push({ rows, first, permOffset, tOffset, tExtraOffset, noiseOffset });
  }
  return steps;
}

export class FusedTraining {
  private readonly program: Program<typeof CONSTS.fields, typeof STEP.fields, FusedStorage>;
  private readonly work: E.Tensor;
  private readonly stats: E.Tensor;
  private readonly points: E.Tensor;
  /** A when no weight average is kept (the kernel does not touch it). */
  private readonly noAverage: E.Tensor | null;
  /** Loss-log slots per half (the log is double-buffered: one half is read while the other fills). */
  readonly logSteps: number;
  readonly split: FusedSplit;
  private half = 0;

  constructor(readonly setup: FusedTrainingSetup, backend: WebGpuBackend, lossEvery: number, split: FusedSplit = fusedSplit(backend)) {
    const { model, schedule, data, batch, packed, adam, average } = setup;
    checkModel(model, schedule, 'fused training');
    const hidden = model.linears[0].weight.shape[0];
    const rows = rowsPerWorkgroup(backend, hidden, split.trainRows);
    this.split = { ...split, trainRows: rows };
    const n = data.length / 2;
    const layout = workLayout(batch, rows, hidden, schedule.timesteps);
    // train_grads' workgroups (see the kernel): the blocks of dW2 and dW3, three column jobs
    // per ⌈H / 128⌉ columns, one for the output layer and the loss
    const dwGroups = Math.ceil(Math.ceil(hidden / split.gradBlock) ** 2 / 128);
    const partials = 2 * dwGroups + 3 * Math.ceil(hidden / 128) + 1;
    this.logSteps = Math.max(1, lossEvery);
    const device = backend;
    this.points = E.keep(E.tensor(data, [n, 2], { device }));
    const work = new Float32Array(layout.size);
    work.set(schedule.sqrtAlphasBar, layout.wSab);
    work.set(schedule.sqrtOneMinusAlphasBar, layout.wS1mab);
    this.work = E.keep(E.tensor(work, [layout.size], { device }));
    // S: the norm partials, the clipping coefficient (train_norm), the double-buffered loss log
    this.stats = E.keep(E.zeros([partials + 1 + 2 * this.logSteps], { device }));
    this.noAverage = average === null ? E.keep(E.zeros([1], { device })) : null;
    const { m, v } = adam.takePackedSteps(0);
    const { size: _size, ...workOffsets } = layout;
    if (adam.weightDecay !== 0) throw new Error('fused training: Adam with weight decay is not supported; use the eager engine');
    this.program = new Program(backend, {
      label: 'mlp-diffusion training', code: moduleCode(hidden, rows, schedule.timesteps, split, average !== null),
      constants: CONSTS, step: STEP, bindings: BINDINGS,
      constantValues: {
        n, batch, seed: setup.seed, stream: setup.stream, total: packed.total, partials, lossBase: partials + 1,
        clip: setup.clip, beta1: adam.beta1, beta2: adam.beta2, oneMinusBeta1: 1 - adam.beta1, oneMinusBeta2: 1 - adam.beta2,
        eps: adam.eps, ...parameterOffsets(model, packed.params, packed.offsets), ...workOffsets,
      },
      storages: {
        P: packed.weights.storage, X: this.points.storage, W: this.work.storage, S: this.stats.storage, G: packed.grads.storage,
        M: m.storage, V: v.storage, A: (average?.average ?? this.noAverage!).storage,
      },
      kernels: {
        transpose_weights: [Math.ceil((hidden * hidden) / 128), 1],
        train_rows: [Math.ceil(batch / rows), 1],
        train_grads: [partials, 1],
        train_norm: [1, 1],
        train_adam: [Math.ceil(packed.total / (128 * 4)), 1],
      },
    });
  }

  /**
   * Records the steps (draws from epochDraws) without waiting, and returns a promise of their
   * losses; at most logSteps steps per call. A profiler times every kernel.
   */
  run(steps: readonly StepDraws[], profiler?: KernelProfiler): Promise<Float32Array> {
    if (steps.length > this.logSteps) throw new Error(`fused training: ${steps.length} steps in one run, the loss log holds ${this.logSteps}`);
    const base = this.half * this.logSteps;
    this.half ^= 1;
    const { hypers } = this.setup.adam.takePackedSteps(steps.length);
    const decays = this.setup.average?.takeUpdates(steps.length) ?? [];
    const kernels = this.split.normKernel ? ['train_rows', 'train_grads', 'train_norm', 'train_adam'] : ['train_rows', 'train_grads', 'train_adam'];
    this.program.run(steps.length, kernels, (i) => {
      const { stepSize, bc2Sqrt } = adamBiasCorrection(hypers[i]);
      const emaDecay = decays[i] ?? 0;
      return { ...steps[i], lossSlot: base + i, stepSize, bc2Sqrt, emaDecay, emaShare: 1 - emaDecay };
    }, ['transpose_weights'], profiler);
    const at = this.stats.size - 2 * this.logSteps + base;
    return this.stats.toArray().then((all) => (all as Float32Array).slice(at, at + steps.length));
  }

  dispose(): void {
    this.program.destroy();
    for (const t of [this.work, this.stats, this.points]) t.dispose();
    this.noAverage?.dispose();
  }
}
