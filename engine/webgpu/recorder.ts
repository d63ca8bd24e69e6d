// Records GPU work without waiting: every kernel becomes a dispatch in one open compute pass of
// one command encoder; copies end the pass. Nothing is submitted until a result is read (or the
// batch grows large), so a training step costs one submit, not one per op.
//
// Uniform blocks are immutable buffers cached by content, and bind groups are cached by
// (pipeline, uniforms, buffers): a training loop that reuses the same pooled buffers step after
// step creates its bind groups once. (One per dispatch is slow, and on lavapipe thousands of
// them in flight exhaust its descriptor pools.)
//
// Errors reported by the device are kept and thrown at the next call, naming the labelled
// object (kernel) Dawn blames, instead of returning stale numbers.
//
// With a profiler set (engine/webgpu/profiler.ts), each dispatch gets a pass of its own with GPU
// timestamps, under its pipeline's label.

import type { KernelProfiler } from './profiler.js';

const MAX_DISPATCHES_PER_SUBMIT = 4096;
/** Cached uniform buffers / bind groups beyond which a cache is dropped (at a submit). */
const MAX_CACHED = 8192;

/** What a kernel binds: a whole buffer, or a range of one (a view; offsets are in bytes). */
export type Binding = GPUBuffer | { readonly buffer: GPUBuffer; readonly offset: number; readonly size: number };

/** A storage of a dispatch, at its binding index. */
export interface StorageEntry {
  readonly binding: number;
  readonly resource: Binding;
}

function isRange(b: Binding): b is Exclude<Binding, GPUBuffer> {
  return 'buffer' in b;
}

export interface RecorderStats {
  dispatches: number;
  submits: number;
  pipelines: number;
  bindGroupsCreated: number;
}

export class Recorder {
  readonly stats: RecorderStats = { dispatches: 0, submits: 0, pipelines: 0, bindGroupsCreated: 0 };
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private transient: GPUBuffer[] = []; // destroyed once the work using them is submitted
  private pending = 0;
  private failure: Error | null = null;
  /** Error scopes not yet resolved, each with what it guarded. */
  private watched: Promise<void>[] = [];
  private readonly ids = new WeakMap<object, number>();
  private nextId = 1;
  private readonly uniforms = new Map<string, GPUBuffer>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  /** Set when buffers are about to be destroyed: cached bind groups may point at them. */
  private staleBindGroups = false;
  /** Times every dispatch recorded while set (see setProfiler). */
  private profiler: KernelProfiler | null = null;

  constructor(readonly device: GPUDevice) {
    device.addEventListener('uncapturederror', (event) => {
      this.fail(new Error(`WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`));
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.fail(new Error(`WebGPU device lost (${info.reason}): ${info.message}`));
    });
  }

  /** Times the dispatches recorded from now on (null: stop timing); work recorded so far is submitted first. */
  setProfiler(profiler: KernelProfiler | null): void {
    this.submit();
    this.profiler = profiler;
  }

  /** Records an error that stops all further work on this device. */
  fail(error: Error): void {
    this.failure ??= error;
  }

  /** Throws the first device error seen, if any. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Runs `fn` inside validation and out-of-memory error scopes; an error fails the device. */
  guard<T>(what: string, fn: () => T): T {
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    try {
      return fn();
    } finally {
      const scopes = [this.device.popErrorScope(), this.device.popErrorScope()];
      this.watched.push(Promise.all(scopes).then((errors) => {
        const e = errors.find((x) => x !== null);
        if (e) this.fail(new Error(`WebGPU error in ${what}: ${e.message}`));
      }));
    }
  }

  /** Waits for every guarded call so far and throws the first error. */
  private async settle(): Promise<void> {
    const watched = this.watched;
    this.watched = [];
    await Promise.all(watched);
    this.check();
  }

  private getEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder({ label: 'engine batch' });
    return this.encoder;
  }

  private getPass(): GPUComputePassEncoder {
    this.pass ??= this.getEncoder().beginComputePass({ label: 'engine kernels' });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  private id(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(o, id);
    }
    return id;
  }

  /** An immutable uniform buffer holding `params`, shared by every dispatch with that content. */
  private uniform(params: ArrayBuffer): GPUBuffer {
    const key = new Uint32Array(params).join(',');
    let buffer = this.uniforms.get(key);
    if (buffer === undefined) {
      buffer = this.device.createBuffer({
        label: 'uniforms', size: params.byteLength, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true,
      });
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(params));
      buffer.unmap();
      this.uniforms.set(key, buffer);
    }
    return buffer;
  }

  /**
   * Records one dispatch: binding 0 holds `params`, and each storage its binding (the kernel's
   * contract gives the indices: bindings.ts bindStorages).
   */
  dispatch(pipeline: GPUComputePipeline, params: ArrayBuffer, storages: readonly StorageEntry[], groups: readonly [number, number, number?]): void {
    this.check();
    const uniforms = this.uniform(params);
    const ranged = (b: Binding): string => (isRange(b) ? `${this.id(b.buffer)}@${b.offset}+${b.size}` : `${this.id(b)}`);
    const key = `${this.id(pipeline)},${this.id(uniforms)},${storages.map((s) => `${s.binding}:${ranged(s.resource)}`).join(',')}`;
    let bindGroup = this.bindGroups.get(key);
    if (bindGroup === undefined) {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms } }];
      for (const { binding, resource: b } of storages) {
        entries.push({ binding, resource: isRange(b) ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } });
      }
      bindGroup = this.device.createBindGroup({ label: pipeline.label, layout: pipeline.getBindGroupLayout(0), entries });
      this.bindGroups.set(key, bindGroup);
      this.stats.bindGroupsCreated++;
    }
    if (this.profiler) {
      this.endPass();
      this.pass = this.getEncoder().beginComputePass({ label: pipeline.label, timestampWrites: this.profiler.passTimestamps(pipeline.label) });
    }
    const pass = this.getPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2] ?? 1);
    if (this.profiler) this.endPass();
    this.stats.dispatches++;
    if (++this.pending >= (this.profiler ? this.profiler.capacity : MAX_DISPATCHES_PER_SUBMIT)) this.submit();
  }

  /** Records a buffer-to-buffer copy (after the kernels recorded so far); offsets in bytes. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    this.check();
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.pending++;
  }

  /** Records an upload: a staging buffer filled on the host, copied in stream order. */
  upload(dst: GPUBuffer, data: ArrayBufferView, dstOffset = 0): void {
    const bytes = data.byteLength;
    const staging = this.device.createBuffer({
      label: 'upload staging', size: Math.max(4, bytes), usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true,
    });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, bytes));
    staging.unmap();
    this.copy(staging, dst, bytes, 0, dstOffset);
    this.transient.push(staging);
  }

  /** Destroys `buffers` once the work recorded so far is submitted (and forgets bind groups). */
  destroyAfterSubmit(buffers: GPUBuffer[]): void {
    this.transient.push(...buffers);
    this.staleBindGroups = true;
  }

  /** Submits everything recorded so far. */
  submit(): void {
    if (this.encoder === null) return;
    this.endPass();
    const encoder = this.encoder;
    const readTimestamps = this.profiler?.resolve(encoder);
    this.guard(`a batch of ${this.pending} recorded kernels`, () => this.device.queue.submit([encoder.finish()]));
    readTimestamps?.();
    this.stats.submits++;
    // Destroyed after submit, a buffer stays alive until the GPU is done with it.
    for (const b of this.transient) b.destroy();
    this.transient = [];
    this.encoder = null;
    this.pending = 0;
    if (this.staleBindGroups || this.bindGroups.size > MAX_CACHED) this.bindGroups.clear();
    this.staleBindGroups = false;
    if (this.uniforms.size > MAX_CACHED) {
      for (const b of this.uniforms.values()) b.destroy();
      this.uniforms.clear();
      this.bindGroups.clear();
    }
  }

  /** Submits pending work and copies `bytes` of `src` (from byte `srcOffset`) back to the host. */
  async read(src: GPUBuffer, bytes: number, srcOffset = 0): Promise<ArrayBuffer> {
    const staging = this.device.createBuffer({
      label: 'readback staging', size: Math.max(4, bytes), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.copy(src, staging, bytes, srcOffset, 0);
    this.submit();
    try {
      await this.settle();
      await staging.mapAsync(GPUMapMode.READ);
      await this.settle();
      return staging.getMappedRange(0, bytes).slice(0);
    } finally {
      staging.destroy();
    }
  }
}
