// The fused engine: MLPDiffusion's training step and reverse step as the compiled GPU programs
// of shaders/mlp-diffusion.wgsl (see its header), run through engine/webgpu/program.ts.
// A training step is 3 dispatches (rows, weight gradients, norm + clip + Adam; 4 on CPU drivers,
// the norm apart) with no host round
// trip: the shuffle, timesteps and noise are drawn on the GPU from the same Philox keys the
// eager path uses, Adam's bias corrections come from a per-step table the host writes, and the
// loss of every step is logged on the GPU and read back every `lossEvery` steps.
// A run of reverse steps is 1 dispatch. How the kernels split the work follows the adapter
// (fusedSplit). Both work on the model's own (packed) buffers, so the eager path and this one
// can take turns on the same model.

import mlpDiffusionWgsl from '../shaders/mlp-diffusion.wgsl';
import philoxWgsl from '../shaders/philox.wgsl';
import * as E from '../engine/index.js';
import { Program, uniformStruct, WebGpuBackend, type KernelProfiler, type UniformValues } from '../engine/webgpu/index.js';
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

// ---- the kernels' uniform blocks, declared once (checked against the WGSL structs) ---------

const CONSTS = uniformStruct('Consts', {
  n: 'u32', batch: 'u32', seed: 'u32', stream: 'u32', total: 'u32', partials: 'u32', lossBase: 'u32',
  clip: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32', eps: 'f32',
  oW1: 'u32', ob1: 'u32', oW2: 'u32', ob2: 'u32', oW3: 'u32', ob3: 'u32', oW4: 'u32', ob4: 'u32',
  oE1: 'u32', oE2: 'u32', oE3: 'u32',
  wXt: 'u32', wT: 'u32', wDout: 'u32', wSq: 'u32', wH1: 'u32', wH2: 'u32', wH3: 'u32',
  wG1: 'u32', wG2: 'u32', wG3: 'u32', wW2T: 'u32', wW3T: 'u32', wSab: 'u32', wS1mab: 'u32', wSteps: 'u32',
});
const STEP = uniformStruct('Step', {
  rows: 'u32', first: 'u32', permOffset: 'u32', tOffset: 'u32', tExtraOffset: 'u32', noiseOffset: 'u32',
  lossSlot: 'u32', stepSize: 'f32', bc2Sqrt: 'f32', stepFirst: 'u32', stepCount: 'u32',
});
type Consts = Required<UniformValues<typeof CONSTS.fields>>;
/** The module's two uniform structs (binding 0: Consts, binding 1: Step), for tests. */
export const FUSED_UNIFORMS = { constants: CONSTS, step: STEP, code: mlpDiffusionWgsl } as const;

/** A row of the sampling table (a reverse step, as floats); WGSL reads field f at RS_<F>. */
const REVERSE_STEP_FIELDS = ['t', 'kind', 'k1', 'k2', 'k3', 'k4', 'k5', 'clipX0', 'clipOn'] as const;
const REVERSE_STEP_FLOATS = REVERSE_STEP_FIELDS.length;

/**
 * A reverse step's named coefficients (ddpm/sample.ts) packed into the kernel's row: the form's
 * number and k1…k5 in the order sample_steps applies them (see reverseStep in the WGSL).
 */
function reverseStepRow(step: ReverseStep): number[] {
  const none = { clipX0: 0, clipOn: 0 };
  const row: Record<(typeof REVERSE_STEP_FIELDS)[number], number> =
    step.kind === 'tutorial' ? { t: step.t, kind: 0, k1: step.epsScale, k2: step.divisor, k3: step.noiseScale, k4: 0, k5: 0, ...none }
      : step.kind === 'ddpm' ? {
        t: step.t, kind: 1, k1: step.x0FromX, k2: step.x0FromEps, k3: step.meanFromX0, k4: step.meanFromX, k5: step.noiseScale,
        clipX0: step.clipX0 ?? 0, clipOn: step.clipX0 === undefined ? 0 : 1,
      }
      : { t: step.t, kind: 2, k1: step.epsScale, k2: step.divisor, k3: step.x0Scale, k4: step.epsNext, k5: step.noiseScale, ...none };
  return REVERSE_STEP_FIELDS.map((f) => row[f]);
}

// ---- the model's shape and where its parameters live ----------------------------------------

/**
 * How the fused kernels split their work, chosen from the adapter (fusedSplit) or given:
 *   trainRows  batch rows a train_rows workgroup takes through the step (a multiple of 4: the
 *              activation tiles hold 4 rows per vec4); ⌈batch / trainRows⌉ workgroups
 *   gradBlock  the side of the block of an H×H weight gradient a train_grads thread sums
 *              (2 or 4): (H / gradBlock)² threads per matrix
 *   sampleRows points a sampling workgroup takes through the reverse process
 *   normKernel the gradient norm in a kernel of its own (train_norm), else summed by every
 *              train_adam workgroup (one dependent dispatch less a step)
 *   sampleLoop a run of reverse steps as one dispatch (sample_steps), else one per step (sample_step)
 */
export interface FusedSplit {
  trainRows: number;
  gradBlock: 2 | 4;
  normKernel: boolean;
  sampleRows: number;
  sampleLoop: boolean;
}

/**
 * CPU drivers (lavapipe, SwiftShader, any fallback adapter) run a workgroup as a coroutine on a
 * core: few, fat workgroups are best there, and workgroup barriers cost more than a dispatch
 * (measured on lavapipe, 2 cores: 8 rows and 4×4 blocks 54–67 steps/s, 4 rows and 2×2 blocks
 * 38–39; Adam's 141 workgroups each summing the norm's partials 1.9 ms a step, a norm kernel
 * and Adam 0.2 + 0.9 ms; 2 000 points × 100 steps as one looping dispatch 11.6 s, as 100
 * dispatches 7.0 s). A discrete GPU has ~100 multiprocessors to fill: for batch 128, 4 rows
 * give 32 train_rows workgroups (8 rows: 16), and 2×2 blocks give each H×H weight gradient
 * (128/2)² = 4 096 threads, 32 workgroups (4×4: 8); there a dependent dispatch is what costs,
 * so the norm goes into Adam and sampling is one dispatch. Sampling keeps 16 rows on both:
 * 10 000 points are already 625 workgroups. (The GPU side of this is reasoned, not yet
 * measured: bench --profile on such a GPU says how each choice fares.)
 */
export function fusedSplit(backend: WebGpuBackend): FusedSplit {
  const a = backend.adapter;
  const cpuDriver = a.isFallback || /llvmpipe|lavapipe|swiftshader/i.test(`${a.architecture} ${a.description} ${a.vendor}`);
  return cpuDriver
    ? { trainRows: 8, gradBlock: 4, normKernel: true, sampleRows: 16, sampleLoop: false }
    : { trainRows: 4, gradBlock: 2, normKernel: false, sampleRows: 16, sampleLoop: true };
}

/**
 * Rows per workgroup: at most `wanted`, as many as the adapter's workgroup memory holds. A
 * workgroup keeps two activation tiles of rows × H floats (8·H bytes a row), and per row x_t,
 * t, ε and ∂loss/∂ε_θ (8 + 4 + 8 + 8 = 28 bytes); the reduction scratch is WG floats (512 bytes):
 * rows ≤ (limit − 512) / (8·H + 28), rounded down to a multiple of 4.
 */
function rowsPerWorkgroup(backend: WebGpuBackend, hidden: number, wanted: number): number {
  if (!Number.isInteger(wanted) || wanted < 4 || wanted % 4 !== 0) throw new Error(`fused engine: rows per workgroup must be a multiple of 4, got ${wanted}`);
  const limit = backend.device.limits.maxComputeWorkgroupStorageSize;
  const rows = Math.floor((limit - 512) / (8 * hidden + 28) / 4) * 4;
  if (rows < 4) {
    throw new Error(`fused engine: hidden width ${hidden} needs ${4 * (8 * hidden + 28) + 512} bytes of workgroup memory, ` +
      `the adapter has ${limit}; use the eager engine`);
  }
  return Math.min(wanted, rows);
}

function moduleCode(hidden: number, rows: number, steps: number, split: FusedSplit): string {
  return `const H: u32 = ${hidden}u;\nconst ROWS: u32 = ${rows}u;\nconst T: u32 = ${steps}u;\nconst GB: u32 = ${split.gradBlock}u;\n` +
    `alias GVec = vec${split.gradBlock}<f32>;\n` +
    `const NORM_KERNEL: bool = ${split.normKernel};\nconst REVERSE_STEP_FLOATS: u32 = ${REVERSE_STEP_FLOATS}u;\n` +
    `${REVERSE_STEP_FIELDS.map((f, i) => `const RS_${f.toUpperCase()}: u32 = ${i}u;\n`).join('')}` +
    `${philoxWgsl}\n${mlpDiffusionWgsl}`;
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

/**
 * The work buffer's arrays for `batch` rows (padded to a multiple of `rows`); batch 0: sampling
 * `reverseSteps` steps.
 */
function workLayout(batch: number, rows: number, hidden: number, steps: number, reverseSteps = 0): { size: number } & Pick<Consts,
  'wXt' | 'wT' | 'wDout' | 'wSq' | 'wH1' | 'wH2' | 'wH3' | 'wG1' | 'wG2' | 'wG3' | 'wW2T' | 'wW3T' | 'wSab' | 'wS1mab' | 'wSteps'> {
  const padded = Math.ceil(batch / rows) * rows;
  const sizes = { wXt: 2 * padded, wT: padded, wDout: 2 * padded, wSq: 2 * padded, wH1: padded * hidden, wH2: padded * hidden,
    wH3: padded * hidden, wG1: padded * hidden, wG2: padded * hidden, wG3: padded * hidden, wW2T: hidden * hidden,
    wW3T: hidden * hidden, wSab: batch > 0 ? steps : 0, wS1mab: batch > 0 ? steps : 0, wSteps: REVERSE_STEP_FLOATS * reverseSteps };
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
  private readonly program: Program<typeof CONSTS.fields, typeof STEP.fields>;
  private readonly work: E.Tensor;
  private readonly stats: E.Tensor;
  private readonly points: E.Tensor;
  /** Loss-log slots per half (the log is double-buffered: one half is read while the other fills). */
  readonly logSteps: number;
  readonly split: FusedSplit;
  private half = 0;

  constructor(readonly setup: FusedTrainingSetup, backend: WebGpuBackend, lossEvery: number, split: FusedSplit = fusedSplit(backend)) {
    const { model, schedule, data, batch, packed, adam } = setup;
    checkModel(model, schedule, 'fused training');
    const hidden = model.linears[0].weight.shape[0];
    const rows = rowsPerWorkgroup(backend, hidden, split.trainRows);
    this.split = { ...split, trainRows: rows };
    const n = data.length / 2;
    const layout = workLayout(batch, rows, hidden, schedule.steps);
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
    const { m, v } = adam.takePackedSteps(0);
    const { size: _size, ...workOffsets } = layout;
    if (adam.weightDecay !== 0) throw new Error('fused training: Adam with weight decay is not supported; use the eager engine');
    this.program = new Program(backend, {
      label: 'mlp-diffusion training', code: moduleCode(hidden, rows, schedule.steps, split),
      constants: CONSTS, step: STEP,
      constantValues: {
        n, batch, seed: setup.seed, stream: setup.stream, total: packed.total, partials, lossBase: partials + 1,
        clip: setup.clip, beta1: adam.beta1, beta2: adam.beta2, oneMinusBeta1: 1 - adam.beta1, oneMinusBeta2: 1 - adam.beta2,
        eps: adam.eps, ...parameterOffsets(model, packed.params, packed.offsets), ...workOffsets,
      },
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
   * losses; at most logSteps steps per call. A profiler times every kernel.
   */
  run(steps: readonly StepDraws[], profiler?: KernelProfiler): Promise<Float32Array> {
    if (steps.length > this.logSteps) throw new Error(`fused training: ${steps.length} steps in one run, the loss log holds ${this.logSteps}`);
    const base = this.half * this.logSteps;
    this.half ^= 1;
    const { hypers } = this.setup.adam.takePackedSteps(steps.length);
    const kernels = this.split.normKernel ? ['train_rows', 'train_grads', 'train_norm', 'train_adam'] : ['train_rows', 'train_grads', 'train_adam'];
    this.program.run(steps.length, kernels, (i) => {
      const { stepSize, bc2Sqrt } = E.adamBiasCorrection(hypers[i]);
      return { ...steps[i], lossSlot: base + i, stepSize, bc2Sqrt };
    }, ['transpose_weights'], profiler);
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
 * The reverse process on x [n, 2], in place: a run of consecutive steps is one dispatch
 * (sample_steps), each workgroup taking its points through all of them (or, where the split
 * says so, a dispatch per step: sample_step). The steps' coefficients
 * are a table in the work buffer, written once; step i draws its z at noiseOffsets[i] (the
 * eager sampler's keys, consecutive offsets of one Rng), so both draw the same z. The weights
 * are copied once into one buffer (a model loaded from a file is not packed).
 */
export class FusedSampler {
  private readonly program: Program<typeof CONSTS.fields, typeof STEP.fields>;
  private readonly weights: E.Tensor;
  private readonly work: E.Tensor;
  private readonly noiseBase: number;
  private readonly loop: boolean;

  constructor(model: MLPDiffusion, schedule: Schedule, backend: WebGpuBackend, x: E.Tensor, rng: E.Rng,
    private readonly steps: readonly ReverseStep[], noiseOffsets: readonly number[], split: FusedSplit = fusedSplit(backend)) {
    checkModel(model, schedule, 'fused sampling');
    if (noiseOffsets.length !== steps.length || noiseOffsets.some((o, i) => o !== noiseOffsets[0] + i)) {
      throw new Error(`fused sampling: the ${steps.length} steps need ${steps.length} consecutive noise offsets, got [${noiseOffsets.slice(0, 4).join(', ')}…]`);
    }
    this.noiseBase = noiseOffsets[0] ?? 0;
    this.loop = split.sampleLoop;
    const hidden = model.linears[0].weight.shape[0];
    const rows = rowsPerWorkgroup(backend, hidden, split.sampleRows);
    const n = x.shape[0];
    const params = model.parameters();
    const { offsets, total } = E.packedOffsets(params.map((p) => p.size), backend.viewAlignment);
    this.weights = E.keep(E.zeros([total], { device: backend }));
    params.forEach((p, i) => {
      const view = backend.view(this.weights.storage, offsets[i], p.size);
      backend.copy(view, p.storage);
      backend.release(view);
    });
    const layout = workLayout(0, rows, hidden, schedule.steps, steps.length);
    const work = new Float32Array(layout.size);
    steps.forEach((step, i) => work.set(reverseStepRow(step), layout.wSteps + REVERSE_STEP_FLOATS * i));
    this.work = E.keep(E.tensor(work, [layout.size], { device: backend }));
    const { size: _size, ...workOffsets } = layout;
    const groups = Math.ceil(n / rows);
    const maxX = backend.device.limits.maxComputeWorkgroupsPerDimension;
    this.program = new Program(backend, {
      label: 'mlp-diffusion sampling', code: moduleCode(hidden, rows, schedule.steps, split),
      constants: CONSTS, step: STEP,
      constantValues: { n, seed: rng.seed, stream: rng.stream, total, ...parameterOffsets(model, params, offsets), ...workOffsets },
      storages: [this.weights, x, this.work].map((t) => ({ storage: t.storage, write: true })),
      kernels: {
        transpose_weights: [Math.ceil((hidden * hidden) / 128), 1],
        sample_steps: [Math.min(groups, maxX), Math.ceil(groups / maxX)],
        sample_step: [Math.min(groups, maxX), Math.ceil(groups / maxX)],
      },
    });
    this.program.run(1, [], () => ({}), ['transpose_weights']);
  }

  /** Records steps first … first + count − 1 without waiting: one dispatch (split.sampleLoop), else one per step. */
  run(first: number, count: number, profiler?: KernelProfiler): void {
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 1 || first + count > this.steps.length) {
      throw new Error(`fused sampling: steps ${first} … ${first + count - 1} are outside the ${this.steps.length} steps`);
    }
    const noiseOffset = this.noiseBase + first;
    if (this.loop) this.program.run(1, ['sample_steps'], () => ({ stepFirst: first, stepCount: count, noiseOffset }), [], profiler);
    else this.program.run(count, ['sample_step'], (i) => ({ stepFirst: first + i, stepCount: 1, noiseOffset: noiseOffset + i }), [], profiler);
  }

  dispose(): void {
    this.program.destroy();
    this.weights.dispose();
    this.work.dispose();
  }
}
