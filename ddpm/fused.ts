// The fused engine: MLPDiffusion's training step and reverse step as the compiled GPU programs
// of shaders/mlp-diffusion.wgsl (see its header), run through engine/webgpu/program.ts.
// A training step is 4 dispatches (rows, weight gradients, norm, clip + Adam) with no host round
// trip: the shuffle, timesteps and noise are drawn on the GPU from the same Philox keys the
// eager path uses, Adam's bias corrections come from a per-step table the host writes, and the
// loss of every step is logged on the GPU and read back every `lossEvery` steps.
// A reverse step is 1 dispatch. Both work on the model's own (packed) buffers, so the eager
// path and this one can take turns on the same model.

import mlpDiffusionWgsl from '../shaders/mlp-diffusion.wgsl';
import philoxWgsl from '../shaders/philox.wgsl';
import * as E from '../engine/index.js';
import { Program, WebGpuBackend } from '../engine/webgpu/index.js';
import type { MLPDiffusion } from './model.js';
import type { ReverseStep } from './sample.js';
import type { Schedule } from './schedules.js';

export type EngineName = 'fused' | 'eager';
export const ENGINE_NAMES: readonly EngineName[] = ['fused', 'eager'];

/**
 * The engine a device gets unless told otherwise: fused on WebGPU, eager elsewhere — and on
 * SwiftShader (Chromium's software adapter), whose workgroup barriers are costly: there the eager
 * engine trained 19.7 steps/s against the fused one's 10.5 and sampled 1 000 points × 100 steps in
 * 12.5 s against 22.7 s (headless Chromium 156 on 2 cores).
 */
export function defaultEngine(device: E.Backend): EngineName {
  if (!(device instanceof WebGpuBackend)) return 'eager';
  return device.adapter.architecture === 'swiftshader' ? 'eager' : 'fused';
}

/** The WebGPU backend the fused engine needs, or a clear error. */
export function fusedBackend(device: E.Backend, what: string): WebGpuBackend {
  if (!(device instanceof WebGpuBackend)) {
    throw new Error(`${what}: the fused engine runs on WebGPU only (device '${device.name}'); use the eager engine`);
  }
  return device;
}

// ---- uniform blocks: field names in the order of the WGSL structs --------------------------

const CONSTS = ['n', 'batch', 'seed', 'stream', 'total', 'partials', 'lossBase', 'clip', 'beta1', 'beta2',
  'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'oW1', 'ob1', 'oW2', 'ob2', 'oW3', 'ob3', 'oW4', 'ob4', 'oE1', 'oE2',
  'oE3', 'wXt', 'wT', 'wDout', 'wSq', 'wH1', 'wH2', 'wH3', 'wG1', 'wG2', 'wG3', 'wW2T', 'wW3T', 'wSab', 'wS1mab'] as const;
const STEP = ['rows', 'first', 'permOffset', 'tOffset', 'tExtraOffset', 'noiseOffset', 'lossSlot', 'stepSize',
  'bc2Sqrt', 't', 'kind', 'k1', 'k2', 'k3', 'k4', 'k5', 'clipX0', 'clipOn'] as const;
const FLOATS = new Set(['clip', 'beta1', 'beta2', 'oneMinusBeta1', 'oneMinusBeta2', 'eps', 'stepSize', 'bc2Sqrt',
  'k1', 'k2', 'k3', 'k4', 'k5', 'clipX0']);
type Consts = Record<(typeof CONSTS)[number], number>;
type StepFields = Partial<Record<(typeof STEP)[number], number>>;
const STEP_BYTES = Math.ceil((STEP.length * 4) / 16) * 16;

function writeFields(view: DataView, names: readonly string[], values: Record<string, number | undefined>): void {
  names.forEach((name, i) => {
    const v = values[name] ?? 0;
    if (FLOATS.has(name)) view.setFloat32(4 * i, v, true);
    else view.setUint32(4 * i, v, true);
  });
}

function constsBlock(values: Consts): ArrayBuffer {
  const data = new ArrayBuffer(Math.ceil((CONSTS.length * 4) / 16) * 16);
  writeFields(new DataView(data), CONSTS, values);
  return data;
}

// ---- the model's shape and where its parameters live ----------------------------------------

/** Rows per workgroup (a multiple of 4): two ROWS×H activation tiles in workgroup memory. */
function rowsPerWorkgroup(backend: WebGpuBackend, hidden: number, cap: number): number {
  const limit = backend.device.limits.maxComputeWorkgroupStorageSize;
  const rows = Math.floor((limit - 512) / (8 * hidden + 28) / 4) * 4;
  if (rows < 4) {
    throw new Error(`fused engine: hidden width ${hidden} needs ${4 * (8 * hidden + 28) + 512} bytes of workgroup memory, ` +
      `the adapter has ${limit}; use the eager engine`);
  }
  return Math.min(cap, rows);
}

function moduleCode(hidden: number, rows: number, steps: number): string {
  return `const H: u32 = ${hidden}u;\nconst ROWS: u32 = ${rows}u;\nconst T: u32 = ${steps}u;\n${philoxWgsl}\n${mlpDiffusionWgsl}`;
}

/** Each parameter's start in a packed buffer holding `params` at `offsets` (elements). */
function parameterOffsets(model: MLPDiffusion, params: readonly E.Tensor[], offsets: readonly number[]): Pick<Consts,
  'oW1' | 'ob1' | 'oW2' | 'ob2' | 'oW3' | 'ob3' | 'oW4' | 'ob4' | 'oE1' | 'oE2' | 'oE3'> {
  const at = (t: E.Tensor | null, name: string): number => {
    const i = t === null ? -1 : params.indexOf(t);
    if (i < 0) throw new Error(`fused engine: the model's ${name} is not among the packed parameters`);
    return offsets[i];
  };
  const [l0, , l2, , l4, , l6] = model.linears;
  const [e0, e1, e2] = model.step_embeddings;
  return {
    oW1: at(l0.weight, 'linears.0.weight'), ob1: at(l0.bias, 'linears.0.bias'),
    oW2: at(l2.weight, 'linears.2.weight'), ob2: at(l2.bias, 'linears.2.bias'),
    oW3: at(l4.weight, 'linears.4.weight'), ob3: at(l4.bias, 'linears.4.bias'),
    oW4: at(l6.weight, 'linears.6.weight'), ob4: at(l6.bias, 'linears.6.bias'),
    oE1: at(e0.weight, 'step_embeddings.0.weight'), oE2: at(e1.weight, 'step_embeddings.1.weight'),
    oE3: at(e2.weight, 'step_embeddings.2.weight'),
  };
}

/** The work buffer's arrays for `batch` rows (padded to a multiple of `rows`); batch 0: sampling. */
function workLayout(batch: number, rows: number, hidden: number, steps: number): { size: number } & Pick<Consts,
  'wXt' | 'wT' | 'wDout' | 'wSq' | 'wH1' | 'wH2' | 'wH3' | 'wG1' | 'wG2' | 'wG3' | 'wW2T' | 'wW3T' | 'wSab' | 'wS1mab'> {
  const padded = Math.ceil(batch / rows) * rows;
  const sizes = { wXt: 2 * padded, wT: padded, wDout: 2 * padded, wSq: 2 * padded, wH1: padded * hidden, wH2: padded * hidden,
    wH3: padded * hidden, wG1: padded * hidden, wG2: padded * hidden, wG3: padded * hidden, wW2T: hidden * hidden,
    wW3T: hidden * hidden, wSab: batch > 0 ? steps : 0, wS1mab: batch > 0 ? steps : 0 };
  let size = 0;
  const layout = {} as Record<keyof typeof sizes, number>;
  for (const [name, n] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    layout[name] = size;
    size += n;
  }
  return { ...layout, size: Math.max(size, 1) };
}

function checkModel(model: MLPDiffusion, schedule: Schedule, what: string): void {
  if (model.numSteps !== schedule.steps) {
    throw new Error(`${what}: the model has ${model.numSteps} timestep embeddings, the schedule ${schedule.steps} steps`);
  }
}

// ---- training ----------------------------------------------------------------------------

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
  private readonly program: Program;
  private readonly work: E.Tensor;
  private readonly stats: E.Tensor;
  private readonly points: E.Tensor;
  /** Loss-log slots per half (the log is double-buffered: one half is read while the other fills). */
  readonly logSteps: number;
  private half = 0;

  constructor(readonly setup: FusedTrainingSetup, backend: WebGpuBackend, lossEvery: number) {
    const { model, schedule, data, batch, packed, adam } = setup;
    checkModel(model, schedule, 'fused training');
    const hidden = model.linears[0].weight.shape[0];
    const rows = rowsPerWorkgroup(backend, hidden, 8);
    const n = data.length / 2;
    const layout = workLayout(batch, rows, hidden, schedule.steps);
    const dwGroups = Math.ceil(Math.ceil(hidden / 4) ** 2 / 128);
    const partials = 2 * dwGroups + 3 * Math.ceil(hidden / 128) + 1;
    this.logSteps = Math.max(1, lossEvery);
    const device = backend;
    this.points = E.keep(E.tensor(data, [n, 2], { device }));
    const work = new Float32Array(layout.size);
    work.set(schedule.sqrtAlphasBar, layout.wSab);
    work.set(schedule.sqrtOneMinusAlphasBar, layout.wS1mab);
    this.work = E.keep(E.tensor(work, [layout.size], { device }));
    // S: the norm partials, the clipping coefficient, the double-buffered loss log
    this.stats = E.keep(E.zeros([partials + 1 + 2 * this.logSteps], { device }));
    const { m, v } = adam.takePackedSteps(0);
    const { size: _size, ...workOffsets } = layout;
    if (adam.weightDecay !== 0) throw new Error('fused training: Adam with weight decay is not supported; use the eager engine');
    const consts = constsBlock({
      n, batch, seed: setup.seed, stream: setup.stream, total: packed.total, partials, lossBase: partials + 1,
      clip: setup.clip, beta1: adam.beta1, beta2: adam.beta2, oneMinusBeta1: 1 - adam.beta1, oneMinusBeta2: 1 - adam.beta2,
      eps: adam.eps, ...parameterOffsets(model, packed.params, packed.offsets), ...workOffsets,
    });
    this.program = new Program(backend, {
      label: 'mlp-diffusion training', code: moduleCode(hidden, rows, schedule.steps), constants: consts, stepBytes: STEP_BYTES,
      storages: [packed.weights, this.points, this.work, this.stats, packed.grads, m, v].map((t) => ({ storage: t.storage, write: true })),
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
   * losses; at most logSteps steps per call.
   */
  run(steps: readonly StepDraws[]): Promise<Float32Array> {
    if (steps.length > this.logSteps) throw new Error(`fused training: ${steps.length} steps in one run, the loss log holds ${this.logSteps}`);
    const base = this.half * this.logSteps;
    this.half ^= 1;
    const { hypers } = this.setup.adam.takePackedSteps(steps.length);
    this.program.run(steps.length, ['train_rows', 'train_grads', 'train_norm', 'train_adam'], (i, view) => {
      const { stepSize, bc2Sqrt } = E.adamBiasCorrection(hypers[i]);
      const fields: StepFields = { ...steps[i], lossSlot: base + i, stepSize, bc2Sqrt };
      writeFields(view, STEP, fields);
    }, ['transpose_weights']);
    const at = this.stats.size - 2 * this.logSteps + base;
    return this.stats.toArray().then((all) => (all as Float32Array).slice(at, at + steps.length));
  }

  dispose(): void {
    this.program.destroy();
    for (const t of [this.work, this.stats, this.points]) t.dispose();
  }
}

// ---- sampling ----------------------------------------------------------------------------

/**
 * Reverse steps on x [n, 2], in place, one dispatch each (sample_step). The weights are copied
 * once into one buffer (a model loaded from a file is not packed); the Rng key is the eager
 * sampler's, so both draw the same z.
 */
export class FusedSampler {
  private readonly program: Program;
  private readonly weights: E.Tensor;
  private readonly work: E.Tensor;

  constructor(model: MLPDiffusion, schedule: Schedule, backend: WebGpuBackend, x: E.Tensor, rng: E.Rng) {
    checkModel(model, schedule, 'fused sampling');
    const hidden = model.linears[0].weight.shape[0];
    const rows = rowsPerWorkgroup(backend, hidden, 16);
    const n = x.shape[0];
    const params = model.parameters();
    const { offsets, total } = E.packedOffsets(params.map((p) => p.size), backend.viewAlignment);
    this.weights = E.keep(E.zeros([total], { device: backend }));
    params.forEach((p, i) => {
      const view = backend.view(this.weights.storage, offsets[i], p.size);
      backend.copy(view, p.storage);
      backend.release(view);
    });
    const layout = workLayout(0, rows, hidden, schedule.steps);
    this.work = E.keep(E.zeros([layout.size], { device: backend }));
    const { size: _size, ...work } = layout;
    const consts = constsBlock({
      n, batch: 0, seed: rng.seed, stream: rng.stream, total, partials: 0, lossBase: 0, clip: 0, beta1: 0, beta2: 0,
      oneMinusBeta1: 0, oneMinusBeta2: 0, eps: 0, ...parameterOffsets(model, params, offsets), ...work,
    });
    const groups = Math.ceil(n / rows);
    const maxX = backend.device.limits.maxComputeWorkgroupsPerDimension;
    this.program = new Program(backend, {
      label: 'mlp-diffusion sampling', code: moduleCode(hidden, rows, schedule.steps), constants: consts, stepBytes: STEP_BYTES,
      storages: [this.weights, x, this.work].map((t) => ({ storage: t.storage, write: true })),
      kernels: {
        transpose_weights: [Math.ceil((hidden * hidden) / 128), 1],
        sample_step: [Math.min(groups, maxX), Math.ceil(groups / maxX)],
      },
    });
    this.program.run(1, [], () => {}, ['transpose_weights']);
  }

  /** Records the steps (noise of step i drawn at noiseOffsets[i]) without waiting. */
  run(steps: readonly ReverseStep[], noiseOffsets: readonly number[]): void {
    this.program.run(steps.length, ['sample_step'], (i, view) => {
      const { t, kind, k, clipX0 } = steps[i];
      writeFields(view, STEP, {
        t, kind, k1: k[0], k2: k[1], k3: k[2], k4: k[3], k5: k[4], noiseOffset: noiseOffsets[i],
        clipX0: clipX0 ?? 0, clipOn: clipX0 === undefined ? 0 : 1,
      });
    });
  }

  dispose(): void {
    this.program.destroy();
    this.weights.dispose();
    this.work.dispose();
  }
}
