// A compiled GPU program: kernels of one WGSL module over fixed buffers, with pipelines (cached
// per device by code) and one bind group made once, replayed step after step into fresh command
// encoders. Nothing is looked
// up, allocated or validated per step: a step is setPipeline / setBindGroup / dispatch per kernel.
//
// Every kernel sees the same bindings:
//   @binding(0) var<uniform> constants   — the program's constants, written once
//   @binding(1) var<uniform> step        — this step's block (a dynamic offset into a table)
//   @binding(2…) var<storage, …>          — the storages given, in order
// The host writes one block per step into the table (one writeBuffer per submit), so per-step
// numbers (counters, random offsets, bias corrections) are computed on the host in float64 and
// the GPU never waits for the host. Queue order makes reusing the table safe: a write issued
// after a submit lands after that submit's kernels have read the table.

import type { Storage } from '../backend.js';
import type { WebGpuBackend } from './backend.js';

export interface ProgramSpec {
  label: string;
  /** The whole WGSL module. */
  code: string;
  /** Binding 0's contents. */
  constants: ArrayBuffer;
  /** Size of one step block (binding 1), bytes. */
  stepBytes: number;
  /** Bindings 2, 3, …: a storage and whether kernels write it. */
  storages: readonly { storage: Storage; write: boolean }[];
  /** Entry points and the workgroups each is dispatched with. */
  kernels: Readonly<Record<string, readonly [number, number]>>;
}

/** Steps recorded into one command buffer (and table blocks written per submit). */
const STEPS_PER_SUBMIT = 256;

/** What a program's code compiles to: its bind group layout and a pipeline per entry point. */
interface Compiled {
  layout: GPUBindGroupLayout;
  pipelines: Map<string, GPUComputePipeline>;
}

/** Compiled programs per device, by code and binding layout: a second Program with the same code (another sampling run) reuses them. */
const compiledCache = new WeakMap<GPUDevice, Map<string, Compiled>>();

function compile(backend: WebGpuBackend, spec: ProgramSpec): Compiled {
  const { device, recorder } = backend;
  const key = `${spec.stepBytes}|${spec.storages.map((s) => (s.write ? 'w' : 'r')).join('')}|${Object.keys(spec.kernels).join(',')}|${spec.code}`;
  let perDevice = compiledCache.get(device);
  if (perDevice === undefined) compiledCache.set(device, (perDevice = new Map()));
  const cached = perDevice.get(key);
  if (cached) return cached;
  const layout = recorder.guard(`the layout of ${spec.label}`, () => device.createBindGroupLayout({
    label: spec.label,
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: spec.stepBytes } },
      ...spec.storages.map((s, i) => ({
        binding: i + 2, visibility: GPUShaderStage.COMPUTE,
        buffer: { type: (s.write ? 'storage' : 'read-only-storage') as GPUBufferBindingType },
      })),
    ],
  }));
  const module = device.createShaderModule({ label: spec.label, code: spec.code });
  void module.getCompilationInfo().then((info) => {
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0) {
      recorder.fail(new Error(`WGSL compilation failed in ${spec.label}: ` +
        errors.map((m) => `line ${m.lineNum}:${m.linePos} ${m.message}`).join('; ')));
    }
  });
  const pipelineLayout = device.createPipelineLayout({ label: spec.label, bindGroupLayouts: [layout] });
  const pipelines = new Map<string, GPUComputePipeline>();
  for (const entryPoint of Object.keys(spec.kernels)) {
    pipelines.set(entryPoint, recorder.guard(`the pipeline ${spec.label}.${entryPoint}`, () => device.createComputePipeline({
      label: `${spec.label}.${entryPoint}`, layout: pipelineLayout, compute: { module, entryPoint },
    })));
    recorder.stats.pipelines++;
  }
  const compiled = { layout, pipelines };
  perDevice.set(key, compiled);
  return compiled;
}

export class Program {
  private readonly pipelines: Map<string, GPUComputePipeline>;
  private readonly bindGroup: GPUBindGroup;
  private readonly constants: GPUBuffer;
  private readonly table: GPUBuffer;
  /** Bytes between step blocks (the device's dynamic-offset alignment). */
  private readonly stride: number;
  private readonly block: ArrayBuffer;

  constructor(private readonly backend: WebGpuBackend, readonly spec: ProgramSpec) {
    const { device, recorder } = backend;
    this.stride = Math.ceil(spec.stepBytes / device.limits.minUniformBufferOffsetAlignment) * device.limits.minUniformBufferOffsetAlignment;
    this.block = new ArrayBuffer(this.stride * STEPS_PER_SUBMIT);
    const { layout, pipelines } = compile(backend, spec);
    this.pipelines = pipelines;
    this.constants = device.createBuffer({ label: `${spec.label} constants`, size: spec.constants.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.constants, 0, spec.constants);
    this.table = device.createBuffer({ label: `${spec.label} steps`, size: this.block.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = recorder.guard(`the bind group of ${spec.label}`, () => device.createBindGroup({
      label: spec.label, layout,
      entries: [
        { binding: 0, resource: { buffer: this.constants } },
        { binding: 1, resource: { buffer: this.table, offset: 0, size: spec.stepBytes } },
        ...spec.storages.map((s, i) => ({ binding: i + 2, resource: backend.binding(s.storage) })),
      ],
    }));
  }

  /**
   * Records `steps` steps, each the kernels `perStep` in order, after the kernels `prologue`
   * (run once, with step 0's block). `writeStep(i, view)` fills step i's block. Work the engine
   * recorded earlier is submitted first, so the program sees its results.
   */
  run(steps: number, perStep: readonly string[], writeStep: (i: number, block: DataView) => void, prologue: readonly string[] = []): void {
    const { device, recorder } = this.backend;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`${this.spec.label}: steps must be a positive integer, got ${steps}`);
    recorder.check();
    recorder.submit();
    const kernel = (name: string): [GPUComputePipeline, readonly [number, number]] => {
      const p = this.pipelines.get(name);
      if (p === undefined) throw new Error(`${this.spec.label}: no kernel '${name}'`);
      return [p, this.spec.kernels[name]];
    };
    const before = prologue.map(kernel);
    const each = perStep.map(kernel);
    for (let first = 0; first < steps; first += STEPS_PER_SUBMIT) {
      const count = Math.min(STEPS_PER_SUBMIT, steps - first);
      new Uint8Array(this.block).fill(0);
      for (let i = 0; i < count; i++) writeStep(first + i, new DataView(this.block, i * this.stride, this.spec.stepBytes));
      device.queue.writeBuffer(this.table, 0, this.block, 0, count * this.stride);
      const encoder = device.createCommandEncoder({ label: this.spec.label });
      const pass = encoder.beginComputePass({ label: this.spec.label });
      const dispatch = ([pipeline, [x, y]]: [GPUComputePipeline, readonly [number, number]], offset: number): void => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, this.bindGroup, [offset]);
        pass.dispatchWorkgroups(x, y);
      };
      if (first === 0) for (const k of before) dispatch(k, 0);
      for (let i = 0; i < count; i++) for (const k of each) dispatch(k, i * this.stride);
      pass.end();
      recorder.guard(`${this.spec.label} (${count} steps)`, () => device.queue.submit([encoder.finish()]));
      recorder.stats.dispatches += (first === 0 ? before.length : 0) + count * each.length;
      recorder.stats.submits++;
    }
  }

  destroy(): void {
    this.constants.destroy();
    this.table.destroy();
  }
}
