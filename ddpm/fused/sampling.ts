// Fused sampling: a run of reverse steps of MLPDiffusion as one dispatch of mlp-diffusion.wgsl
// (or one per step where the split says so), the steps' coefficients in a table on the device.

import * as E from '../../engine/index.js';
import type { KernelProfiler, WebGpuBackend } from '../../engine/webgpu/index.js';
import { Program } from '../../engine/webgpu/internal.js';
import { packedCopy } from '../../engine/internal.js';
import type { MLPDiffusion } from '../points/model.js';
import type { ReverseStep } from '../reverse-step.js';
import type { Schedule } from '../schedules.js';
import { BINDINGS, checkModel, CONSTS, fusedSplit, moduleCode, parameterOffsets, REVERSE_STEP_FLOATS, reverseStepRow, rowsPerWorkgroup, STEP,
  subgroupSamplingBytes, workLayout, type FusedSplit, type FusedStorage } from './program.js';

/** Rows a workgroup of the subgroup kernels (sample_steps_sg, sample_step_sg) takes: their SG_ROWS. */
const SUBGROUP_ROWS = 16;

/**
 * The reverse process on x [n, 2], in place: a run of consecutive steps is one dispatch
 * (sample_steps), each workgroup taking its points through all of them (or, where the split
 * says so, a dispatch per step: sample_step). The steps' coefficients
 * are a table in the work buffer, written once; step i draws its z at noiseOffsets[i] (the
 * eager sampler's keys, consecutive offsets of one Rng), so both draw the same z. The weights
 * are copied once into one buffer (a model loaded from a file is not packed).
 * With split.sampleSubgroups the kernels are sample_steps_sg / sample_step_sg (one subgroup of 8
 * lanes a workgroup, mlp-sample-subgroup.wgsl): the same bits, where the device has such
 * subgroups; where their tiles do not fit the adapter's workgroup memory (wide models), the
 * portable kernels run instead.
 */
export class FusedSampler {
  private readonly program: Program<typeof CONSTS.fields, typeof STEP.fields, FusedStorage>;
  private readonly weights: E.Tensor;
  private readonly work: E.Tensor;
  private readonly noiseBase: number;
  private readonly loop: boolean;
  /** The entry points: sample_steps / sample_step, or their subgroup forms. */
  private readonly kernelLoop: string;
  private readonly kernelStep: string;

  constructor(model: MLPDiffusion, schedule: Schedule, backend: WebGpuBackend, x: E.Tensor, rng: E.Rng,
    private readonly steps: readonly ReverseStep[], noiseOffsets: readonly number[], split: FusedSplit = fusedSplit(backend)) {
    checkModel(model, schedule, 'fused sampling');
    if (noiseOffsets.length !== steps.length || noiseOffsets.some((o, i) => o !== noiseOffsets[0] + i)) {
      throw new Error(`fused sampling: the ${steps.length} steps need ${steps.length} consecutive noise offsets, got [${noiseOffsets.slice(0, 4).join(', ')}…]`);
    }
    this.noiseBase = noiseOffsets[0] ?? 0;
    this.loop = split.sampleLoop;
    const hidden = model.linears[0].weight.shape[0];
    if (split.sampleSubgroups && !backend.subgroupsOf8) {
      throw new Error('fused sampling: the subgroup kernels need a device with subgroups of exactly 8 lanes; this one has none');
    }
    const subgroups = split.sampleSubgroups && subgroupSamplingBytes(hidden) <= backend.device.limits.maxComputeWorkgroupStorageSize;
    this.kernelLoop = subgroups ? 'sample_steps_sg' : 'sample_steps';
    this.kernelStep = subgroups ? 'sample_step_sg' : 'sample_step';
    const rows = rowsPerWorkgroup(backend, hidden, split.sampleRows);
    const n = x.shape[0];
    const params = model.parameters();
    const { weights, offsets, total } = packedCopy(params);
    this.weights = weights;
    const layout = workLayout(0, rows, hidden, schedule.timesteps, steps.length);
    const work = new Float32Array(layout.size);
    steps.forEach((step, i) => work.set(reverseStepRow(step), layout.wSteps + REVERSE_STEP_FLOATS * i));
    this.work = E.keep(E.tensor(work, [layout.size], { device: backend }));
    const { size: _size, ...workOffsets } = layout;
    const groups = Math.ceil(n / (subgroups ? SUBGROUP_ROWS : rows));
    const maxX = backend.device.limits.maxComputeWorkgroupsPerDimension;
    this.program = new Program(backend, {
      label: 'mlp-diffusion sampling', code: moduleCode(hidden, rows, schedule.timesteps, split, false, subgroups),
      constants: CONSTS, step: STEP, bindings: BINDINGS,
      constantValues: { n, seed: rng.seed, stream: rng.stream, total, ...parameterOffsets(model, params, offsets), ...workOffsets },
      storages: { P: this.weights.storage, X: x.storage, W: this.work.storage },
      kernels: {
        transpose_weights: [Math.ceil((hidden * hidden) / 128), 1],
        // only the kernel that runs: the subgroup kernels take seconds to compile on lavapipe
        [this.loop ? this.kernelLoop : this.kernelStep]: [Math.min(groups, maxX), Math.ceil(groups / maxX)],
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
    if (this.loop) this.program.run(1, [this.kernelLoop], () => ({ stepFirst: first, stepCount: count, noiseOffset }), [], profiler);
    else this.program.run(count, [this.kernelStep], (i) => ({ stepFirst: first + i, stepCount: 1, noiseOffset: noiseOffset + i }), [], profiler);
  }

  dispose(): void {
    this.program.destroy();
    this.weights.dispose();
    this.work.dispose();
  }
}
