// A compiled GPU program: kernels of one WGSL module over fixed buffers, with pipelines (cached
// per device by code) and one bind group made once, replayed step after step into fresh command
// encoders. Nothing is looked
// up, allocated or validated per step: a step is setPipeline / setBindGroup / dispatch per kernel.
//
// Every kernel sees the same bindings:
//   @binding(0) var<uniform> constants   — the program's constants, written once
//   @binding(1) var<uniform> step        — this step's block (a dynamic offset into a table)
//   @binding(2…) var<storage, …>          — the storages, by name
// Both uniform blocks are declared once, by name and type (engine/webgpu/uniforms.ts), and so
// are the storages, by WGSL name and access (engine/webgpu/bindings.ts): all are checked against
// the module's WGSL when it is compiled, the blocks written from named values and the storages
// bound by name (a program may bind only some of them: those its kernels use).
// The host writes one block per step into the table (one writeBuffer per submit), so per-step
// numbers (counters, random offsets, bias corrections) are computed on the host in float64 and
// the GPU never waits for the host. Queue order makes reusing the table safe: a write issued
// after a submit lands after that submit's kernels have read the table.
// With a KernelProfiler, each dispatch gets a compute pass of its own with GPU timestamps.

import type { Storage } from '../backend.js';
import type { WebGpuBackend } from './backend.js';
import type { KernelProfiler } from './profiler.js';
import { bindStorages, checkStorageBindings, type BoundStorage, type StorageBindings } from './bindings.js';
import { checkUniformStruct, uniformBlock, writeUniform, type StructFields, type UniformStruct, type UniformValues } from './uniforms.js';

export interface ProgramSpec<C extends StructFields = StructFields, S extends StructFields = StructFields, B extends string = string> {
  label: string;
  /** The whole WGSL module. */
  code: string;
  /** Binding 0: its struct and values. */
  constants: UniformStruct<C>;
  constantValues: UniformValues<C>;
  /** Binding 1: the struct of one step's block. */
  step: UniformStruct<S>;
  /** Bindings 2, 3, …: the module's storages, declared by name and access (storageBindings(2, …)). */
  bindings: StorageBindings<B>;
  /** The storages bound, by name (a storage no kernel of the program uses may be left out). */
  storages: Partial<Record<B, Storage>>;
  /** Entry points and the workgroups each is dispatched with. */
  kernels: Readonly<Record<string, readonly [number, number]>>;
}

interface Kernel {
  name: string;
  pipeline: GPUComputePipeline;
  groups: readonly [number, number];
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

function compile(backend: WebGpuBackend, spec: Omit<ProgramSpec, 'constantValues' | 'storages'>,
  storages: readonly BoundStorage<Storage>[]): Compiled {
  const { device, recorder } = backend;
  const bound = storages.map((s) => `${s.binding}${s.access}`).join(',');
  const key = `${spec.constants.name}|${spec.step.name}|${bound}|${Object.keys(spec.kernels).join(',')}|${spec.code}`;
  let perDevice = compiledCache.get(device);
  if (perDevice === undefined) compiledCache.set(device, (perDevice = new Map()));
  const cached = perDevice.get(key);
  if (cached) return cached;
  checkUniformStruct(spec.code, spec.constants, spec.label);
  checkUniformStruct(spec.code, spec.step, spec.label);
  checkStorageBindings(spec.code, spec.bindings, spec.label);
  const layout = recorder.guard(`the layout of ${spec.label}`, () => device.createBindGroupLayout({
    label: spec.label,
    entries: [
      { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
      { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: spec.step.bytes } },
      ...storages.map(({ binding, access }) => ({
        binding, visibility: GPUShaderStage.COMPUTE,
        buffer: { type: (access === 'read_write' ? 'storage' : 'read-only-storage') as GPUBufferBindingType },
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

export class Program<C extends StructFields = StructFields, S extends StructFields = StructFields, B extends string = string> {
  private readonly pipelines: Map<string, GPUComputePipeline>;
  private readonly bindGroup: GPUBindGroup;
  private readonly constants: GPUBuffer;
  private readonly table: GPUBuffer;
  /** Bytes between step blocks (the device's dynamic-offset alignment). */
  private readonly stride: number;
  private readonly block: ArrayBuffer;

  constructor(private readonly backend: WebGpuBackend, readonly spec: ProgramSpec<C, S, B>) {
    const { device, recorder } = backend;
    if (spec.bindings.first !== 2) {
      throw new Error(`${spec.label}: storages bind from 2 (0 and 1 are the uniform blocks), the declaration starts at ${spec.bindings.first}`);
    }
    const storages = bindStorages<string, Storage>(spec.bindings, spec.storages, spec.label);
    const align = device.limits.minUniformBufferOffsetAlignment;
    this.stride = Math.ceil(spec.step.bytes / align) * align;
    this.block = new ArrayBuffer(this.stride * STEPS_PER_SUBMIT);
    const { layout, pipelines } = compile(backend, spec, storages);
    this.pipelines = pipelines;
    const constants = uniformBlock(spec.constants, spec.constantValues);
    this.constants = device.createBuffer({ label: `${spec.label} constants`, size: constants.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(this.constants, 0, constants);
    this.table = device.createBuffer({ label: `${spec.label} steps`, size: this.block.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.bindGroup = recorder.guard(`the bind group of ${spec.label}`, () => device.createBindGroup({
      label: spec.label, layout,
      entries: [
        { binding: 0, resource: { buffer: this.constants } },
        { binding: 1, resource: { buffer: this.table, offset: 0, size: spec.step.bytes } },
        ...storages.map(({ binding, resource }) => ({ binding, resource: backend.binding(resource) })),
      ],
    }));
  }

  /**
   * Records `steps` steps, each the kernels `perStep` in order, after the kernels `prologue`
   * (run once, with step 0's block). `stepValues(i)` gives step i's block. Work the engine
   * recorded earlier is submitted first, so the program sees its results. With a profiler, each
   * dispatch is timed (and a command buffer holds at most the profiler's capacity).
   */
  run(steps: number, perStep: readonly string[], stepValues: (i: number) => UniformValues<S>, prologue: readonly string[] = [],
    profiler?: KernelProfiler): void {
    const { device, recorder } = this.backend;
    if (!Number.isInteger(steps) || steps < 1) throw new Error(`${this.spec.label}: steps must be a positive integer, got ${steps}`);
    recorder.check();
    recorder.submit();
    const kernel = (name: string): Kernel => {
      const pipeline = this.pipelines.get(name);
      if (pipeline === undefined) throw new Error(`${this.spec.label}: no kernel '${name}'`);
      return { name, pipeline, groups: this.spec.kernels[name] };
    };
    const before = prologue.map(kernel);
    const each = perStep.map(kernel);
    const perSubmit = profiler
      ? Math.max(1, Math.min(STEPS_PER_SUBMIT, Math.floor((profiler.capacity - before.length) / Math.max(1, each.length))))
      : STEPS_PER_SUBMIT;
    for (let first = 0; first < steps; first += perSubmit) {
      const count = Math.min(perSubmit, steps - first);
      new Uint8Array(this.block).fill(0);
      for (let i = 0; i < count; i++) writeUniform(this.spec.step, new DataView(this.block, i * this.stride, this.spec.step.bytes), stepValues(first + i));
      device.queue.writeBuffer(this.table, 0, this.block, 0, count * this.stride);
      const encoder = device.createCommandEncoder({ label: this.spec.label });
      let pass: GPUComputePassEncoder | null = null;
      const dispatch = ({ name, pipeline, groups: [x, y] }: Kernel, offset: number): void => {
        if (profiler) pass = encoder.beginComputePass({ label: `${this.spec.label}.${name}`, timestampWrites: profiler.passTimestamps(name) });
        else pass ??= encoder.beginComputePass({ label: this.spec.label });
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, this.bindGroup, [offset]);
        pass.dispatchWorkgroups(x, y);
        if (profiler) pass.end();
      };
      if (first === 0) for (const k of before) dispatch(k, 0);
      for (let i = 0; i < count; i++) for (const k of each) dispatch(k, i * this.stride);
      if (!profiler) (pass as GPUComputePassEncoder | null)?.end();
      const read = profiler?.resolve(encoder);
      recorder.guard(`${this.spec.label} (${count} steps)`, () => device.queue.submit([encoder.finish()]));
      read?.();
      recorder.stats.dispatches += (first === 0 ? before.length : 0) + count * each.length;
      recorder.stats.submits++;
    }
  }

  destroy(): void {
    this.constants.destroy();
    this.table.destroy();
  }
}
