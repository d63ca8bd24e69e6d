// The fused program's side of the TypeScript ↔ WGSL contract (mlp-diffusion.wgsl beside it):
// its uniform structs and storages (by name, checked against the WGSL), the sampling table's row
// and its kinds, how the kernels split the work on an adapter, the module's prepended constants,
// and where the model's parameters and the work arrays live in its buffers. training.ts and
// sampling.ts build their Programs from these.

import mlpDiffusionWgsl from './mlp-diffusion.wgsl.js';
import mlpSampleSubgroupWgsl from './mlp-sample-subgroup.wgsl.js';
import * as E from '../../engine/index.js';
import type { WebGpuBackend } from '../../engine/webgpu/index.js';
import { checkOpCodes, opCodes, philoxWgsl, storageBindings, uniformStruct, type StorageName, type UniformValues } from '../../engine/webgpu/internal.js';
import type { MLPDiffusion } from '../points/model.js';
import type { ReverseStep } from '../reverse-step.js';
import type { Schedule } from '../schedules.js';

// ---- the kernels' uniform blocks and storages, declared once (checked against the WGSL) ----

export const CONSTS = uniformStruct('Consts', {
  n: 'u32', batch: 'u32', seed: 'u32', stream: 'u32', total: 'u32', partials: 'u32', lossBase: 'u32',
  clip: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32', eps: 'f32',
  oW1: 'u32', ob1: 'u32', oW2: 'u32', ob2: 'u32', oW3: 'u32', ob3: 'u32', oW4: 'u32', ob4: 'u32',
  oE1: 'u32', oE2: 'u32', oE3: 'u32',
  wXt: 'u32', wT: 'u32', wDout: 'u32', wSq: 'u32', wH1: 'u32', wH2: 'u32', wH3: 'u32',
  wG1: 'u32', wG2: 'u32', wG3: 'u32', wW2T: 'u32', wW3T: 'u32', wSab: 'u32', wS1mab: 'u32', wSteps: 'u32',
});
export const STEP = uniformStruct('Step', {
  rows: 'u32', first: 'u32', permOffset: 'u32', tOffset: 'u32', tExtraOffset: 'u32', noiseOffset: 'u32',
  lossSlot: 'u32', stepSize: 'f32', bc2Sqrt: 'f32', emaDecay: 'f32', emaShare: 'f32', stepFirst: 'u32', stepCount: 'u32',
});
/** The storages, bindings 2 … 9 by their WGSL names (sampling binds P, X and W only). */
export const BINDINGS = storageBindings(2, {
  P: 'read_write', // packed parameters
  X: 'read_write', // points [n, 2]: training's data, or the samples being denoised
  W: 'read_write', // work buffer (Consts.w*)
  S: 'read_write', // norm partials, clipping coefficient, loss log
  G: 'read_write', // packed gradients
  M: 'read_write', // Adam's first moments
  V: 'read_write', // Adam's second moments
  A: 'read_write', // EMA: the weight average (else a dummy)
});
export type FusedStorage = StorageName<typeof BINDINGS>;
type Consts = Required<UniformValues<typeof CONSTS.fields>>;

/** A row of the sampling table (a reverse step, as floats); WGSL reads field f at RS_<F>. */
const REVERSE_STEP_FIELDS = ['t', 'kind', 'k1', 'k2', 'k3', 'k4', 'k5', 'clipX0', 'clipOn'] as const;
export const REVERSE_STEP_FLOATS = REVERSE_STEP_FIELDS.length;
/** The row's `kind`: which form reverseStep applies (WGSL: KIND_TUTORIAL, …). */
export const REVERSE_STEP_KINDS = opCodes<ReverseStep['kind']>('KIND', { tutorial: 0, ddpm: 1, ddim: 2 });

/** The module's contract, for tests: Consts (binding 0), Step (1), the storages, the kinds. */
export const FUSED_CONTRACT = { constants: CONSTS, step: STEP, bindings: BINDINGS, kinds: REVERSE_STEP_KINDS, code: mlpDiffusionWgsl } as const;

/**
 * A reverse step's named coefficients (ddpm/sample.ts) packed into the kernel's row: the form's
 * number and k1…k5 in the order sample_steps applies them (see reverseStep in the WGSL).
 */
export function reverseStepRow(step: ReverseStep): number[] {
  const none = { clipX0: 0, clipOn: 0 };
  const kind = REVERSE_STEP_KINDS.codes[step.kind];
  const row: Record<(typeof REVERSE_STEP_FIELDS)[number], number> =
    step.kind === 'tutorial' ? { t: step.t, kind, k1: step.epsScale, k2: step.divisor, k3: step.noiseScale, k4: 0, k5: 0, ...none }
      : step.kind === 'ddpm' ? {
        t: step.t, kind, k1: step.x0FromX, k2: step.x0FromEps, k3: step.meanFromX0, k4: step.meanFromX, k5: step.noiseScale,
        clipX0: step.clipX0 ?? 0, clipOn: step.clipX0 === undefined ? 0 : 1,
      }
      : { t: step.t, kind, k1: step.epsScale, k2: step.divisor, k3: step.x0Scale, k4: step.epsNext, k5: step.noiseScale, ...none };
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
 *   sampleSubgroups sampling by the kernels for one subgroup of 8 lanes (mlp-sample-subgroup.wgsl:
 *              sample_steps_sg, sample_step_sg; 16 rows a workgroup, sampleRows aside); only where
 *              the device has subgroups of exactly 8 (WebGpuBackend.subgroupsOf8)
 */
export interface FusedSplit {
  trainRows: number;
  gradBlock: 2 | 4;
  normKernel: boolean;
  sampleRows: number;
  sampleLoop: boolean;
  sampleSubgroups: boolean;
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
 * measured: bench --profile on such a GPU says how each choice fares.) Where a CPU driver's
 * subgroups are exactly 8 lanes (lavapipe), sampling takes the subgroup kernels: 10 000 points ×
 * 100 steps in 2.5–3.5× less time than sample_step's, alternating in one process, one dispatch a
 * step still (their looping form took 1.1 s for 1 000 points against 0.6 s).
 */
export function fusedSplit(backend: WebGpuBackend): FusedSplit {
  return backend.cpuDriver
    ? { trainRows: 8, gradBlock: 4, normKernel: true, sampleRows: 16, sampleLoop: false, sampleSubgroups: backend.subgroupsOf8 }
    : { trainRows: 4, gradBlock: 2, normKernel: false, sampleRows: 16, sampleLoop: true, sampleSubgroups: false };
}

/** Workgroup memory of the subgroup sampling kernels: two tiles of 16 rows × H floats. */
export function subgroupSamplingBytes(hidden: number): number {
  return 2 * 16 * hidden * 4;
}

/**
 * Rows per workgroup: at most `wanted`, as many as the adapter's workgroup memory holds. A
 * workgroup keeps two activation tiles of rows × H floats (8·H bytes a row), and per row x_t,
 * t, ε and ∂loss/∂ε_θ (8 + 4 + 8 + 8 = 28 bytes); the reduction scratch is WG floats (512 bytes):
 * rows ≤ (limit − 512) / (8·H + 28), rounded down to a multiple of 4.
 */
export function rowsPerWorkgroup(backend: WebGpuBackend, hidden: number, wanted: number): number {
  if (!Number.isInteger(wanted) || wanted < 4 || wanted % 4 !== 0) throw new Error(`fused engine: rows per workgroup must be a multiple of 4, got ${wanted}`);
  const limit = backend.device.limits.maxComputeWorkgroupStorageSize;
  const rows = Math.floor((limit - 512) / (8 * hidden + 28) / 4) * 4;
  if (rows < 4) {
    throw new Error(`fused engine: hidden width ${hidden} needs ${4 * (8 * hidden + 28) + 512} bytes of workgroup memory, ` +
      `the adapter has ${limit}; use the eager engine`);
  }
  return Math.min(wanted, rows);
}

/**
 * The module's code; `ema`: train_adam keeps a weight average in A; `sampleSubgroups`: with the
 * sampling kernels for one subgroup of 8 (mlp-sample-subgroup.wgsl; the device must have subgroups).
 */
export function moduleCode(hidden: number, rows: number, steps: number, split: FusedSplit, ema = false, sampleSubgroups = false): string {
  // The Program checks the uniform blocks and storages against the code; the table's kinds are checked here.
  checkOpCodes(mlpDiffusionWgsl, REVERSE_STEP_KINDS, 'ddpm/fused/mlp-diffusion.wgsl');
  return `${sampleSubgroups ? 'enable subgroups;\n' : ''}const EMA: bool = ${ema};\nconst H: u32 = ${hidden}u;\nconst ROWS: u32 = ${rows}u;\nconst T: u32 = ${steps}u;\nconst GB: u32 = ${split.gradBlock}u;\n` +
    `alias GVec = vec${split.gradBlock}<f32>;\n` +
    `const NORM_KERNEL: bool = ${split.normKernel};\nconst REVERSE_STEP_FLOATS: u32 = ${REVERSE_STEP_FLOATS}u;\n` +
    `${REVERSE_STEP_FIELDS.map((f, i) => `const RS_${f.toUpperCase()}: u32 = ${i}u;\n`).join('')}` +
    `${philoxWgsl}\n${mlpDiffusionWgsl}${sampleSubgroups ? `\n${mlpSampleSubgroupWgsl}` : ''}`;
}

/** Each parameter's start in a packed buffer holding `params` at `offsets` (elements). */
export function parameterOffsets(model: MLPDiffusion, params: readonly E.Tensor[], offsets: readonly number[]): Pick<Consts,
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
export function workLayout(batch: number, rows: number, hidden: number, steps: number, reverseSteps = 0): { size: number } & Pick<Consts,
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

export function checkModel(model: MLPDiffusion, schedule: Schedule, what: string): void {
  if (model.timesteps !== schedule.timesteps) {
    throw new Error(`${what}: the model has ${model.timesteps} timestep embeddings, the schedule ${schedule.timesteps} steps`);
  }
}
