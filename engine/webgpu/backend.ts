// The WebGPU backend: every Backend kernel as a WGSL dispatch (shaders/*.wgsl), recorded into
// one command stream by the Recorder and submitted only when data is read. Pipelines are built
// once per (kernel, override constants) and cached; shapes travel as uniforms. Each kernel's
// uniform block, storages and op codes are given by name, as its shader file's contract says
// (kernel-contracts.ts). Storage buffers are pooled by size, so a training loop reuses the same
// buffers step after step.

import adamWgsl from '../../shaders/adam.wgsl.js';
import axisIndexWgsl from '../../shaders/axis-index.wgsl.js';
import concatWgsl from '../../shaders/concat.wgsl.js';
import convSubgroupWgsl from '../../shaders/conv-subgroup.wgsl.js';
import convTiledWgsl from '../../shaders/conv-tiled.wgsl.js';
import convWgsl from '../../shaders/conv.wgsl.js';
import elementwiseWgsl from '../../shaders/elementwise.wgsl.js';
import embeddingWgsl from '../../shaders/embedding.wgsl.js';
import groupNormWgsl from '../../shaders/group-norm.wgsl.js';
import intFillWgsl from '../../shaders/int-fill.wgsl.js';
import matmulWgsl from '../../shaders/matmul.wgsl.js';
import matmulSubgroupWgsl from '../../shaders/matmul-subgroup.wgsl.js';
import matmulTiledWgsl from '../../shaders/matmul-tiled.wgsl.js';
import philoxWgsl from '../../shaders/philox.wgsl.js';
import randomWgsl from '../../shaders/random.wgsl.js';
import reduceWgsl from '../../shaders/reduce.wgsl.js';
import sgdWgsl from '../../shaders/sgd.wgsl.js';
import softmaxWgsl from '../../shaders/softmax.wgsl.js';
import { adamBiasCorrection } from '../backend.js';
import type {
  AdamHyper, ArgOp, AxisIndexPlan, Backend, BinaryOp, BroadcastPlan, Conv2dPlan, DType, GroupNormGrads, GroupNormOperands, GroupNormPlan,
  HostArray, MatmulPlan, MemoryInfo, RandomDraw, RandomKey, ScalarOp, SgdHyper, Storage, UnaryOp, WherePlan,
} from '../backend.js';
import { EngineError } from '../errors.js';
import { registerDevice } from '../memory.js';
import { bindStorages, type BoundStorage, type StorageName } from './bindings.js';
import { checkKernelContract, KERNELS } from './kernel-contracts.js';
import { matmulKernelsFor, MatmulTuner, type MatmulKernel, type MatmulShape } from './matmul-kernels.js';
import { Recorder, type Binding } from './recorder.js';
import { uniformBlock, type UniformValues } from './uniforms.js';

export const SHADERS = {
  adam: adamWgsl, 'axis-index': axisIndexWgsl, concat: concatWgsl, conv: convWgsl, 'conv-subgroup': convSubgroupWgsl, 'conv-tiled': convTiledWgsl, elementwise: elementwiseWgsl, embedding: embeddingWgsl, 'group-norm': groupNormWgsl,
  'int-fill': intFillWgsl,
  matmul: matmulWgsl, 'matmul-subgroup': matmulSubgroupWgsl, 'matmul-tiled': matmulTiledWgsl, random: philoxWgsl + randomWgsl, reduce: reduceWgsl, sgd: sgdWgsl, softmax: softmaxWgsl,
} as const;
type ShaderName = keyof typeof SHADERS;

const OPS = KERNELS.elementwise.ops;
/** Released buffers kept for reuse, at most this many bytes; beyond it the pool is freed. */
const MAX_POOLED_BYTES = 256 * 1024 * 1024;

class GpuStorage implements Storage {
  refs = 1;
  released = false;
  /** A view (see view()) binds `length` elements of its base's buffer from byte `offset`. */
  constructor(readonly backend: WebGpuBackend, readonly dtype: DType, readonly length: number, readonly buffer: GPUBuffer,
    readonly offset = 0, readonly base: GpuStorage | null = null) {}
}

/** A shader's uniform block holding `values`, by field name (engine/webgpu/kernel-contracts.ts). */
function params<S extends ShaderName>(shader: S, values: UniformValues<(typeof KERNELS)[S]['params']['fields']>): ArrayBuffer {
  return uniformBlock(KERNELS[shader].params, values);
}

/** Buffers for some of a shader's storages, by WGSL name. */
type ShaderBuffers<S extends ShaderName> = Partial<Record<StorageName<(typeof KERNELS)[S]['bindings']>, Binding>>;

/** A shader's storages named in `buffers`, at their bindings (the rest are not bound). */
function bind<S extends ShaderName>(shader: S, buffers: ShaderBuffers<S>): BoundStorage<Binding>[] {
  return bindStorages<string, Binding>(KERNELS[shader].bindings, buffers, `shaders/${shader}.wgsl`);
}

/**
 * A driver that runs compute on the CPU (lavapipe/llvmpipe, SwiftShader, a fallback adapter):
 * a workgroup is a coroutine on a core there, which changes what is fast.
 */
export function isCpuDriver(a: AdapterDescription): boolean {
  return a.isFallback || /llvmpipe|lavapipe|swiftshader/i.test(`${a.architecture} ${a.description} ${a.vendor}`);
}

/** Workgroups for a matmul: one per tile of C. */
function matmulGroups(kernel: MatmulKernel, plan: Pick<MatmulPlan, 'm' | 'n'>): [number, number] {
  return [Math.ceil(plan.n / kernel.tile[1]), Math.ceil(plan.m / kernel.tile[0])];
}

/**
 * The side of the tile of a GEMM's output one conv.wgsl workgroup computes (8 × 8 threads, 8 × 8
 * each), and one conv-tiled.wgsl workgroup with its default sizes (16 × 16 threads, 4 × 4 each).
 */
const CONV_TILE = 64;

/** The convolution kernels (shaders/conv*.wgsl), one file each. */
const CONV_SHADERS = ['conv', 'conv-subgroup', 'conv-tiled'] as const;
export type ConvShader = (typeof CONV_SHADERS)[number];

/** conv.wgsl's uniforms for a plan (sliceLen: weight_grad_main's, set there). */
function convParams(plan: Conv2dPlan): UniformValues<(typeof KERNELS)['conv']['params']['fields']> {
  const { batch, channels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW } = plan;
  return { batch, channels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW };
}

/**
 * How many slices the weight gradient's sum over output rows (b, oh) is cut into (a split K,
 * summed after): enough workgroups to fill the device — a GPU's many cores (256 groups), a CPU
 * driver's few (8) — but each slice at least 256 positions long, so that its 64 × 64 tile's
 * accumulators are reused enough to pay for writing them out and summing.
 */
export function weightGradSlices(tiles: number, outputRows: number, outW: number, cpuDriver: boolean): number {
  const wanted = Math.ceil((cpuDriver ? 8 : 256) / tiles);
  return Math.max(1, Math.min(wanted, Math.floor((outputRows * outW) / 256)));
}

type ElementwiseParams = UniformValues<(typeof KERNELS)['elementwise']['params']['fields']>;

/** What the adapter says of itself (GPUAdapterInfo's fields), kept for choices and reports. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  description: string;
  isFallback: boolean;
  /** The smallest and largest subgroup the adapter may run (GPUAdapterInfo's subgroupMinSize, subgroupMaxSize), where it says. */
  subgroupSizes?: readonly [number, number];
}

// Members typed with WebGPU's own types (GPUDevice, …) are marked internal: the package's declarations
// leave them out (tsconfig.build.json, stripInternal), so that they check under any lib setting.
/**
 * The Backend on a WebGPU device (Dawn's bindings in Node, navigator.gpu in a browser): every kernel
 * a WGSL dispatch, recorded into one command stream and submitted when data is read. Made by
 * requestWebGpu, tryWebGpu or selectDevice.
 */
export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  /** @internal The GPU work recorded and not yet submitted. */
  readonly recorder: Recorder;
  /** @internal WebGPU's device. */
  readonly device: GPUDevice;
  /** Which matmul kernel runs each shape (engine/webgpu/matmul-kernels.ts). */
  readonly matmulTuner: MatmulTuner;
  /**
   * The device has the subgroups feature and the adapter's subgroups are exactly 8 lanes (CPU
   * drivers on AVX2): kernels written for one subgroup of 8 (shaders/matmul-subgroup.wgsl,
   * shaders/conv-subgroup.wgsl, ddpm/fused/mlp-sample-subgroup.wgsl) may run.
   */
  readonly subgroupsOf8: boolean;
  /** The adapter is a CPU driver (isCpuDriver), worked out once: kernel choices read it on every dispatch. */
  readonly cpuDriver: boolean;
  private forcedConv: ConvShader | null = null;
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly dummy: GPUBuffer;
  private live = 0;
  private liveBytes = 0;
  private peakBytes = 0;
  private pooledBytes = 0;

  /**
   * @internal (requestWebGpu and selectDevice make one.) `keepAlive` holds Dawn's GPU object for
   * the device's life: if it were collected, Dawn would abort.
   */
  constructor(device: GPUDevice, readonly adapter: AdapterDescription, readonly keepAlive: unknown) {
    this.device = device;
    this.recorder = new Recorder(device);
    this.subgroupsOf8 = device.features.has('subgroups') && adapter.subgroupSizes?.[0] === 8 && adapter.subgroupSizes[1] === 8;
    this.cpuDriver = isCpuDriver(adapter);
    this.matmulTuner = new MatmulTuner(this.cpuDriver, matmulKernelsFor(this.subgroupsOf8), (kernels, shape) => this.timeMatmulKernels(kernels, shape));
    this.dummy = device.createBuffer({ label: 'unused binding', size: 16, usage: GPUBufferUsage.STORAGE });
    registerDevice(this);
  }

  describe(): string {
    const a = this.adapter;
    return `WebGPU: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isFallback ? ' (fallback adapter)' : ''}`;
  }

  // ---- pipelines ---------------------------------------------------------------------------
  private pipeline(shader: ShaderName, entryPoint: string, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = `${shader}:${entryPoint}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (p === undefined) {
      let module = this.modules.get(shader);
      if (module === undefined) {
        checkKernelContract(SHADERS[shader], KERNELS[shader], `shaders/${shader}.wgsl`);
        module = this.device.createShaderModule({ label: `shaders/${shader}.wgsl`, code: SHADERS[shader] });
        void module.getCompilationInfo().then((info) => {
          const errors = info.messages.filter((m) => m.type === 'error');
          if (errors.length > 0) {
            this.recorder.fail(new Error(`WGSL compilation failed in shaders/${shader}.wgsl: ` +
              errors.map((m) => `line ${m.lineNum}:${m.linePos} ${m.message}`).join('; ')));
          }
        });
        this.modules.set(shader, module);
      }
      const shaderModule = module;
      const label = `${shader}.${entryPoint}${Object.keys(constants).length ? JSON.stringify(constants) : ''}`;
      p = this.recorder.guard(`the pipeline ${label} (shaders/${shader}.wgsl)`, () =>
        this.device.createComputePipeline({ label, layout: 'auto', compute: { module: shaderModule, entryPoint, constants } }));
      this.pipelines.set(key, p);
      this.recorder.stats.pipelines++;
    }
    return p;
  }

  /** Workgroups for `count` groups of work: 1-D up to the per-dimension limit, then 2-D. */
  private grid(count: number): [number, number] {
    const max = this.device.limits.maxComputeWorkgroupsPerDimension;
    const x = Math.max(1, Math.min(count, max));
    return [x, Math.ceil(count / x)];
  }

  private elementGrid(n: number): [number, number] {
    return this.grid(Math.ceil(n / 256));
  }

  // ---- memory ------------------------------------------------------------------------------
  /** Every storage is bound whole by some kernel: the largest binding (and buffer) bounds a tensor. */
  get maxTensorValues(): number {
    return Math.floor(Math.min(this.device.limits.maxStorageBufferBindingSize, this.device.limits.maxBufferSize) / 4);
  }

  private alloc(length: number, dtype: DType): GpuStorage {
    const bytes = Math.max(4, length * 4);
    // Past this limit the bind group would fail later, less clearly.
    const limit = this.maxTensorValues * 4;
    if (bytes > limit) {
      throw new EngineError(`webgpu: a tensor of ${length} ${dtype} values (${(bytes / 2 ** 20).toFixed(0)} MiB) exceeds this adapter's largest ` +
        `storage binding (${(limit / 2 ** 20).toFixed(0)} MiB): use a smaller batch`);
    }
    const pooled = this.pool.get(bytes)?.pop();
    if (pooled) this.pooledBytes -= bytes;
    const buffer = pooled ?? this.device.createBuffer({
      label: `tensor ${length}×${dtype}`, size: bytes,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.live++;
    this.liveBytes += bytes;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return new GpuStorage(this, dtype, length, buffer);
  }

  private own(s: Storage): GpuStorage {
    if (!(s instanceof GpuStorage) || s.backend !== this) {
      throw new Error(`webgpu backend: given a storage from the '${s.backend.name}' backend`);
    }
    if (s.released) throw new Error('webgpu backend: storage used after it was released');
    return s;
  }

  /** @internal What a kernel binds for s: its buffer, or for a view the range it covers. */
  binding(s: Storage): GPUBufferBinding {
    const own = this.own(s);
    return { buffer: own.buffer, offset: own.offset, size: own.length * 4 };
  }

  private buf(s: Storage): Binding {
    const own = this.own(s);
    return own.base === null ? own.buffer : { buffer: own.buffer, offset: own.offset, size: own.length * 4 };
  }

  upload(data: HostArray): Storage {
    const s = this.alloc(data.length, data instanceof Int32Array ? 'int32' : 'float32');
    this.recorder.upload(s.buffer, data);
    return s;
  }

  write(dst: Storage, data: HostArray): void {
    const own = this.own(dst);
    this.recorder.upload(own.buffer, data, own.offset);
  }

  async read(src: Storage): Promise<HostArray> {
    const s = this.own(src);
    const bytes = await this.recorder.read(s.buffer, s.length * 4, s.offset);
    return s.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
  }

  get viewAlignment(): number {
    return Math.max(1, this.device.limits.minStorageBufferOffsetAlignment / 4);
  }

  view(base: Storage, offset: number, length: number): Storage {
    const b = this.own(base);
    if (b.base !== null) throw new Error('webgpu backend: a view of a view is not supported');
    if (!(Number.isInteger(offset) && offset >= 0 && Number.isInteger(length) && length >= 1 && offset + length <= b.length)) {
      throw new Error(`webgpu backend: a view of ${length} elements at ${offset} does not fit a storage of ${b.length}`);
    }
    if (offset % this.viewAlignment !== 0) {
      throw new Error(`webgpu backend: a view's offset must be a multiple of ${this.viewAlignment} elements, got ${offset}`);
    }
    b.refs++;
    this.live++;
    return new GpuStorage(this, b.dtype, length, b.buffer, offset * 4, b);
  }

  copy(dst: Storage, src: Storage): void {
    const [d, s] = [this.own(dst), this.own(src)];
    if (d.length !== s.length || d.dtype !== s.dtype) throw new Error(`webgpu backend: copy of ${s.length} ${s.dtype} into ${d.length} ${d.dtype}`);
    this.recorder.copy(s.buffer, d.buffer, s.length * 4, s.offset, d.offset);
  }

  release(s: Storage): void {
    const own = this.own(s);
    own.released = true;
    if (own.base !== null) {
      this.live--;
      if (--own.base.refs === 0) this.release(own.base);
      return;
    }
    const bytes = own.buffer.size;
    this.live--;
    this.liveBytes -= bytes;
    const free = this.pool.get(bytes) ?? [];
    free.push(own.buffer);
    this.pool.set(bytes, free);
    this.pooledBytes += bytes;
    if (this.pooledBytes > MAX_POOLED_BYTES) this.drainPool();
  }

  /** Frees every pooled buffer (after the work recorded so far, which may still use them). */
  private drainPool(): void {
    this.recorder.destroyAfterSubmit([...this.pool.values()].flat());
    this.pool.clear();
    this.pooledBytes = 0;
  }

  memory(): MemoryInfo {
    return { live: this.live, bytes: this.liveBytes, pooledBytes: this.pooledBytes, peakBytes: this.peakBytes };
  }

  resetPeakBytes(): void {
    this.peakBytes = this.liveBytes;
  }

  /** Submits the work recorded so far and waits for the GPU to finish it. */
  async sync(): Promise<void> {
    this.recorder.submit();
    await this.device.queue.onSubmittedWorkDone();
    this.recorder.check();
  }

  // ---- kernels -----------------------------------------------------------------------------
  private elementwise(entry: string, n: number, values: ElementwiseParams, buffers: ShaderBuffers<'elementwise'>): void {
    this.recorder.dispatch(this.pipeline('elementwise', entry), params('elementwise', { ...values, n }), bind('elementwise', buffers),
      this.elementGrid(n));
  }

  full(length: number, value: number, dtype: DType): Storage {
    const out = this.alloc(length, dtype);
    if (dtype === 'int32') {
      this.recorder.dispatch(this.pipeline('int-fill', 'main'), params('int-fill', { n: length, value }), bind('int-fill', { out: out.buffer }),
        this.elementGrid(length));
    } else {
      this.elementwise('fill_main', length, { c0: value }, { out: out.buffer });
    }
    return out;
  }

  random(length: number, key: RandomKey, draw: RandomDraw): Storage {
    const out = this.alloc(length, draw.kind === 'randint' ? 'int32' : 'float32');
    const block = params('random', {
      n: length, seed: key.seed, stream: key.stream, offset: key.offset,
      ...(draw.kind === 'randint' ? { ilow: draw.low, irange: draw.high - draw.low }
        : draw.kind === 'uniform' ? { p0: draw.low, p1: draw.high } : { p0: draw.mean, p1: draw.std }),
    });
    const buffers = bind('random', draw.kind === 'randint' ? { outI: out.buffer } : { outF: out.buffer });
    this.recorder.dispatch(this.pipeline('random', `${draw.kind}_main`), block, buffers, this.elementGrid(length));
    return out;
  }

  unary(op: UnaryOp, x: Storage): Storage {
    const out = this.alloc(x.length, 'float32');
    this.elementwise('unary_main', x.length, { op: OPS.unary.codes[op] }, { out: out.buffer, a: this.buf(x) });
    return out;
  }

  scalar(op: ScalarOp, x: Storage, c: number): Storage {
    const out = this.alloc(x.length, 'float32');
    this.elementwise('scalar_main', x.length, { op: OPS.scalar.codes[op], c0: c }, { out: out.buffer, a: this.buf(x) });
    return out;
  }

  /** Shape and strides left-padded to rank 4 (uniform vec4s). */
  private rank4(outShape: readonly number[], ...strides: (readonly number[])[]): { shape: number[]; strides: number[][] } {
    if (outShape.length > 4) throw new Error(`webgpu backend: broadcasting supports rank ≤ 4, got [${outShape.join(',')}]`);
    const pad = 4 - outShape.length;
    return {
      shape: [...new Array<number>(pad).fill(1), ...outShape],
      strides: strides.map((s) => [...new Array<number>(pad).fill(0), ...s]),
    };
  }

  binary(op: BinaryOp, a: Storage, b: Storage, plan: BroadcastPlan): Storage {
    const n = plan.outShape.reduce((p, d) => p * d, 1);
    const out = this.alloc(n, 'float32');
    const { shape, strides: [as, bs] } = this.rank4(plan.outShape, plan.aStrides, plan.bStrides);
    this.elementwise('binary_main', n, { op: OPS.binary.codes[op], shape, aStrides: as, bStrides: bs },
      { out: out.buffer, a: this.buf(a), b: this.buf(b) });
    return out;
  }

  /** out = b broadcast (expand_main), then where_main puts a over it where cond holds. */
  where(cond: Storage, a: Storage, b: Storage, plan: WherePlan): Storage {
    const n = plan.outShape.reduce((p, d) => p * d, 1);
    const out = this.expand(b, plan.outShape, plan.bStrides) as GpuStorage;
    const { shape, strides: [as, cs] } = this.rank4(plan.outShape, plan.aStrides, plan.condStrides);
    this.elementwise('where_main', n, { shape, aStrides: as, bStrides: cs }, { out: out.buffer, a: this.buf(a), b: this.buf(cond) });
    return out;
  }

  expand(x: Storage, outShape: readonly number[], xStrides: readonly number[]): Storage {
    const n = outShape.reduce((p, d) => p * d, 1);
    const out = this.alloc(n, 'float32');
    const { shape, strides: [xs] } = this.rank4(outShape, xStrides);
    this.elementwise('expand_main', n, { shape, aStrides: xs }, { out: out.buffer, a: this.buf(x) });
    return out;
  }

  private reduce(x: Storage, outer: number, len: number, inner: number, square: boolean): Storage {
    const out = this.alloc(outer * inner, 'float32');
    // A thread per output for short axes or many outputs; a workgroup tree per output otherwise.
    const serial = len <= 1024 || outer * inner >= 4096;
    const pipeline = this.pipeline('reduce', serial ? 'sum_axis_serial' : 'sum_axis_main', { SQUARE: square ? 1 : 0 });
    const groups = serial ? this.grid(Math.ceil((outer * inner) / 64)) : this.grid(outer * inner);
    this.recorder.dispatch(pipeline, params('reduce', { outer, len, inner }), bind('reduce', { out: out.buffer, x: this.buf(x) }), groups);
    return out;
  }

  sumAxis(x: Storage, outer: number, len: number, inner: number): Storage {
    return this.reduce(x, outer, len, inner, false);
  }

  sumSquares(x: Storage): Storage {
    return this.reduce(x, 1, x.length, 1, true);
  }

  argReduce(op: ArgOp, x: Storage, outer: number, len: number, inner: number): Storage {
    const out = this.alloc(outer * inner, 'int32');
    const values = { outer, len, inner, count: 0, op: KERNELS['axis-index'].ops.arg.codes[op], oneList: 0 };
    this.recorder.dispatch(this.pipeline('axis-index', 'arg_reduce_main'), params('axis-index', values),
      bind('axis-index', { pos: out.buffer, src: this.buf(x) }), this.elementGrid(outer * inner));
    return out;
  }

  gatherAxis(x: Storage, idx: Storage, plan: AxisIndexPlan): Storage {
    return this.axisIndex('gather_main', x, idx, plan, plan.outer * plan.count * plan.inner);
  }

  scatterAddAxis(dy: Storage, idx: Storage, plan: AxisIndexPlan): Storage {
    return this.axisIndex('scatter_add_main', dy, idx, plan, plan.outer * plan.len * plan.inner);
  }

  /** An axis-index.wgsl kernel writing a float32 output of n elements, one thread each. */
  private axisIndex(entry: string, src: Storage, idx: Storage, plan: AxisIndexPlan, n: number): Storage {
    const out = this.alloc(n, 'float32');
    const { outer, len, inner, count } = plan;
    this.recorder.dispatch(this.pipeline('axis-index', entry), params('axis-index', { outer, len, inner, count, op: 0, oneList: plan.shared ? 1 : 0 }),
      bind('axis-index', { out: out.buffer, src: this.buf(src), idx: this.buf(idx) }), this.elementGrid(n));
    return out;
  }

  matmul(a: Storage, b: Storage, plan: MatmulPlan): Storage {
    const batch = plan.batch ?? 1;
    const out = this.alloc(batch * plan.m * plan.n, 'float32');
    // Every kernel reads a stack's product index from the dispatch's z.
    const kernel = this.matmulTuner.choose(plan);
    const bias = plan.bias ? this.buf(plan.bias) : this.dummy;
    const table = plan.rowAdd ? this.buf(plan.rowAdd.table) : this.dummy;
    const idx = plan.rowAdd ? this.buf(plan.rowAdd.idx) : this.dummy;
    this.recorder.dispatch(this.matmulPipeline(kernel, plan), params(kernel.shader, { m: plan.m, n: plan.n, k: plan.k }),
      bind(kernel.shader, { c: out.buffer, a: this.buf(a), b: this.buf(b), bias, table, idx }), [...matmulGroups(kernel, plan), batch]);
    return out;
  }

  private matmulPipeline(kernel: MatmulKernel, plan: Pick<MatmulPlan, 'transA' | 'transB' | 'bias' | 'rowAdd' | 'relu'>): GPUComputePipeline {
    return this.pipeline(kernel.shader, 'main', {
      ...kernel.constants, TRANS_A: plan.transA ? 1 : 0, TRANS_B: plan.transB ? 1 : 0,
      HAS_BIAS: plan.bias ? 1 : 0, HAS_ROW_ADD: plan.rowAdd ? 1 : 0, RELU: plan.relu ? 1 : 0,
    });
  }

  /**
   * Seconds per run of each kernel at one shape (a stack of `batch` products, no epilogue), on
   * buffers of its own: on the GPU's clock (timestamp-query) where the adapter has one, so work
   * queued by others does not count; else from submit to done. One warm-up run, then the best of 3 passes of 3 runs each.
   */
  private async timeMatmulKernels(kernels: readonly MatmulKernel[], shape: MatmulShape): Promise<number[]> {
    const { device } = this;
    const batch = shape.batch ?? 1;
    const storage = (floats: number): GPUBuffer => device.createBuffer({ label: 'matmul timing', size: Math.max(16, 4 * batch * floats), usage: GPUBufferUsage.STORAGE });
    const [c, a, b] = [shape.m * shape.n, shape.m * shape.k, shape.k * shape.n].map(storage);
    const uniforms = device.createBuffer({ label: 'matmul timing params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(uniforms, 0, params('matmul', { m: shape.m, n: shape.n, k: shape.k }));
    const clock = device.features.has('timestamp-query')
      ? { queries: device.createQuerySet({ type: 'timestamp', count: 2 }),
        resolved: device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
        read: device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) }
      : null;
    const RUNS = 3;
    const seconds: number[] = [];
    try {
      for (const kernel of kernels) {
        const pipeline = this.matmulPipeline(kernel, shape);
        const storages = bindStorages(KERNELS[kernel.shader].bindings, { c, a, b, bias: this.dummy, table: this.dummy, idx: this.dummy }, kernel.name)
          .map(({ binding, resource }) => ({ binding, resource: { buffer: resource } }));
        const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0),
          entries: [{ binding: 0, resource: { buffer: uniforms } }, ...storages] });
        const pass = async (runs: number, timed: boolean): Promise<number> => {
          const encoder = device.createCommandEncoder({ label: `matmul timing ${kernel.name}` });
          const p = encoder.beginComputePass(timed && clock ? { timestampWrites: { querySet: clock.queries, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
          p.setPipeline(pipeline);
          p.setBindGroup(0, bindGroup);
          const [gx, gy] = matmulGroups(kernel, shape);
          for (let i = 0; i < runs; i++) p.dispatchWorkgroups(gx, gy, batch);
          p.end();
          if (timed && clock) {
            encoder.resolveQuerySet(clock.queries, 0, 2, clock.resolved, 0);
            encoder.copyBufferToBuffer(clock.resolved, 0, clock.read, 0, 16);
          }
          const t0 = performance.now();
          device.queue.submit([encoder.finish()]);
          await device.queue.onSubmittedWorkDone();
          if (!(timed && clock)) return (performance.now() - t0) / 1000 / runs;
          await clock.read.mapAsync(GPUMapMode.READ);
          const [begin, end] = new BigInt64Array(clock.read.getMappedRange().slice(0));
          clock.read.unmap();
          return Number(end - begin) / 1e9 / runs;
        };
        await pass(1, false);
        const times = [await pass(RUNS, true), await pass(RUNS, true), await pass(RUNS, true)];
        seconds.push(Math.min(...times));
      }
    } finally {
      for (const buffer of [c, a, b, uniforms]) buffer.destroy();
      if (clock) {
        clock.queries.destroy();
        clock.resolved.destroy();
        clock.read.destroy();
      }
    }
    return seconds;
  }

  reluBackward(dy: Storage, y: Storage): Storage {
    const out = this.alloc(dy.length, 'float32');
    this.elementwise('relu_backward_main', dy.length, {}, { out: out.buffer, a: this.buf(dy), b: this.buf(y) });
    return out;
  }

  logSoftmax(x: Storage, rows: number, cols: number): Storage {
    return this.rowwise('log_softmax_main', rows, cols, x, null);
  }

  logSoftmaxBackward(dy: Storage, y: Storage, rows: number, cols: number): Storage {
    return this.rowwise('log_softmax_backward_main', rows, cols, dy, y);
  }

  softmax(x: Storage, rows: number, cols: number, scale: number): Storage {
    return this.rowwise('softmax_main', rows, cols, x, null, scale);
  }

  softmaxBackward(dy: Storage, y: Storage, rows: number, cols: number, scale: number): Storage {
    return this.rowwise('softmax_backward_main', rows, cols, dy, y, scale);
  }

  /** A softmax.wgsl kernel: one thread per row of [rows, cols]; `scale` is read by the softmax entries only. */
  private rowwise(entry: string, rows: number, cols: number, a: Storage, b: Storage | null, scale = 1): Storage {
    const out = this.alloc(rows * cols, 'float32');
    // b only where the entry reads it: the pipeline's layout has only the bindings its entry uses
    const buffers = bind('softmax', b ? { out: out.buffer, a: this.buf(a), b: this.buf(b) } : { out: out.buffer, a: this.buf(a) });
    this.recorder.dispatch(this.pipeline('softmax', entry), params('softmax', { rows, cols, scale }), buffers, this.grid(Math.ceil(rows / 64)));
    return out;
  }

  groupNorm(x: Storage, operands: GroupNormOperands, plan: GroupNormPlan): { y: Storage; stats: Storage } {
    const y = this.alloc(x.length, 'float32');
    const stats = this.alloc(plan.batch * plan.groups * 2, 'float32');
    this.recorder.dispatch(this.pipeline('group-norm', 'group_norm_main', { WG: this.groupNormThreads }), this.groupNormParams(operands, plan),
      bind('group-norm', { out: y.buffer, stats: stats.buffer, x: this.buf(x), ...this.groupNormOperands(operands) }),
      this.grid(plan.batch * plan.groups));
    return { y, stats };
  }

  groupNormBackward(dy: Storage, x: Storage, operands: GroupNormOperands, stats: Storage, plan: GroupNormPlan): GroupNormGrads {
    const { batch, channels } = plan;
    const dx = this.alloc(x.length, 'float32');
    const uniforms = this.groupNormParams(operands, plan);
    const inputs = { stats: this.buf(stats), x: this.buf(x), dy: this.buf(dy), ...this.groupNormOperands(operands) };
    this.recorder.dispatch(this.pipeline('group-norm', 'group_norm_backward_main', { WG: this.groupNormThreads }), uniforms,
      bind('group-norm', { out: dx.buffer, ...inputs }), this.grid(batch * plan.groups));
    if (!operands.shift && !operands.weight && !operands.bias) return { dx, dshift: null, dweight: null, dbias: null };
    // [B, 3, C]: (Σ_p dz·x̂, Σ_p dz, Σ_p dx) per image and channel
    const sums = this.alloc(batch * 3 * channels, 'float32');
    this.recorder.dispatch(this.pipeline('group-norm', 'group_norm_channel_sums_main'), uniforms,
      bind('group-norm', { sums: sums.buffer, out: dx.buffer, ...inputs }), this.grid(Math.ceil((batch * channels) / 64)));
    const dshift = operands.shift ? this.sliceRows(sums, batch, 3 * channels, 2 * channels, channels) : null;
    let dweight: Storage | null = null, dbias: Storage | null = null;
    if (operands.weight || operands.bias) {
      const overImages = this.sumAxis(sums, 1, batch, 3 * channels); // [3, C]
      if (operands.weight) dweight = this.sliceRows(overImages, 1, 3 * channels, 0, channels);
      if (operands.bias) dbias = this.sliceRows(overImages, 1, 3 * channels, channels, channels);
      this.release(overImages);
    }
    this.release(sums);
    return { dx, dshift, dweight, dbias };
  }

  /**
   * group-norm.wgsl's workgroup: 256 threads on a GPU; 32 on a CPU driver, where a workgroup
   * barrier switches every thread's coroutine and the tree sums have fewer steps: on lavapipe the
   * forward and backward of [16, 32, 28, 28] with shift, SiLU, γ and β took 28.0–30.8 ms at 256
   * threads, 18.1–19.7 at 32, 17.0–17.7 at 8 (one process, alternating).
   */
  private get groupNormThreads(): number {
    return this.forcedGroupNormThreads ?? (this.cpuDriver ? 32 : 256);
  }

  /** @internal Tests: the workgroup group-norm.wgsl runs with (a power of two ≤ 256), or null for the device's choice. */
  forcedGroupNormThreads: 8 | 16 | 32 | 64 | 128 | 256 | null = null;

  private groupNormParams(o: GroupNormOperands, plan: GroupNormPlan): ArrayBuffer {
    const { batch, channels, groups, spatial, eps } = plan;
    return params('group-norm', {
      batch, channels, groups, spatial, eps, silu: plan.silu ? 1 : 0,
      hasShift: o.shift ? 1 : 0, hasWeight: o.weight ? 1 : 0, hasBias: o.bias ? 1 : 0,
    });
  }

  /** The operands' bindings: the dummy buffer where one is absent (its flag keeps it unread). */
  private groupNormOperands(o: GroupNormOperands): { shift: Binding; weight: Binding; bias: Binding } {
    const or = (s: Storage | null): Binding => (s ? this.buf(s) : this.dummy);
    return { shift: or(o.shift), weight: or(o.weight), bias: or(o.bias) };
  }

  siluBackward(dy: Storage, x: Storage): Storage {
    const out = this.alloc(dy.length, 'float32');
    this.elementwise('silu_backward_main', dy.length, {}, { out: out.buffer, a: this.buf(dy), b: this.buf(x) });
    return out;
  }

  clampBackward(dy: Storage, x: Storage, lo: number, hi: number): Storage {
    const out = this.alloc(dy.length, 'float32');
    // An infinite bound is no bound (its bit of op unset), so ±Inf inputs pass it as on the CPU.
    const bounds = (lo > -Infinity ? OPS.clampBounds.codes.lo : 0) | (hi < Infinity ? OPS.clampBounds.codes.hi : 0);
    const values = { op: bounds, c0: lo > -Infinity ? lo : 0, c1: hi < Infinity ? hi : 0 };
    this.elementwise('clamp_backward_main', dy.length, values, { out: out.buffer, a: this.buf(dy), b: this.buf(x) });
    return out;
  }

  gather(table: Storage, idx: Storage, rows: number, dim: number): Storage {
    const out = this.alloc(idx.length * dim, 'float32');
    const pipeline = this.pipeline('embedding', 'gather_main');
    const buffers = bind('embedding', { out: out.buffer, src: this.buf(table), idx: this.buf(idx) });
    this.recorder.dispatch(pipeline, params('embedding', { n: idx.length, rows, dim }), buffers, this.elementGrid(idx.length * dim));
    return out;
  }

  scatterAdd(dy: Storage, idx: Storage, rows: number, dim: number): Storage {
    const out = this.alloc(rows * dim, 'float32');
    const pipeline = this.pipeline('embedding', 'scatter_add_main');
    const buffers = bind('embedding', { out: out.buffer, src: this.buf(dy), idx: this.buf(idx) });
    this.recorder.dispatch(pipeline, params('embedding', { n: idx.length, rows, dim }), buffers, this.grid(Math.ceil(dim / 64)));
    return out;
  }

  concatRows(a: Storage, b: Storage, outer: number, aWidth: number, bWidth: number): Storage {
    const n = outer * (aWidth + bWidth);
    const out = this.alloc(n, 'float32');
    this.recorder.dispatch(this.pipeline('concat', 'concat_main'), params('concat', { n, width: aWidth + bWidth, start: aWidth, count: 0 }),
      bind('concat', { out: out.buffer, a: this.buf(a), b: this.buf(b) }), this.elementGrid(n));
    return out;
  }

  sliceRows(x: Storage, outer: number, width: number, start: number, count: number): Storage {
    const n = outer * count;
    const out = this.alloc(n, 'float32');
    this.recorder.dispatch(this.pipeline('concat', 'slice_main'), params('concat', { n, width, start, count }),
      bind('concat', { out: out.buffer, a: this.buf(x) }), this.elementGrid(n));
    return out;
  }

  conv2d(x: Storage, weight: Storage, bias: Storage | null, plan: Conv2dPlan): Storage {
    const rows = plan.batch * plan.outH * plan.outW;
    const out = this.alloc(rows * plan.outChannels, 'float32');
    const kernel = this.convKernel(plan.outChannels);
    this.recorder.dispatch(this.pipeline(kernel.shader, 'forward_main', { ...kernel.constants, HAS_BIAS: bias ? 1 : 0 }), params('conv', convParams(plan)),
      bind(kernel.shader, { out: out.buffer, x: this.buf(x), weight: this.buf(weight), bias: bias ? this.buf(bias) : this.dummy }),
      [Math.ceil(plan.outChannels / kernel.tile[1]), Math.ceil(rows / kernel.tile[0])]);
    return out;
  }

  conv2dInputGrad(dy: Storage, weight: Storage, plan: Conv2dPlan): Storage {
    const rows = plan.batch * plan.height * plan.width;
    const out = this.alloc(rows * plan.channels, 'float32');
    const kernel = this.convKernel(plan.channels);
    this.recorder.dispatch(this.pipeline(kernel.shader, 'input_grad_main', kernel.constants), params('conv', convParams(plan)),
      bind(kernel.shader, { out: out.buffer, dy: this.buf(dy), weight: this.buf(weight) }),
      [Math.ceil(plan.channels / kernel.tile[1]), Math.ceil(rows / kernel.tile[0])]);
    return out;
  }

  conv2dWeightGrad(dy: Storage, x: Storage, plan: Conv2dPlan): Storage {
    // conv.wgsl's and conv-tiled.wgsl's GEMM is [O, C·KH·KW]; conv-subgroup.wgsl's its transpose
    // [C·KH·KW, O] (see their headers).
    const taps = plan.channels * plan.kernelH * plan.kernelW;
    const transposed = this.convShader() === 'conv-subgroup';
    const kernel = this.convKernel(transposed ? plan.outChannels : taps);
    const [rows, columns] = transposed ? [taps, plan.outChannels] : [plan.outChannels, taps];
    const outputRows = plan.batch * plan.outH;
    const tiles = Math.ceil(columns / kernel.tile[1]) * Math.ceil(rows / kernel.tile[0]);
    const slices = weightGradSlices(tiles, outputRows, plan.outW, this.cpuDriver);
    const sliceLen = Math.ceil(outputRows / slices);
    const part = this.alloc(slices * plan.outChannels * taps, 'float32');
    this.recorder.dispatch(this.pipeline(kernel.shader, 'weight_grad_main', kernel.constants), params('conv', { ...convParams(plan), sliceLen }),
      bind(kernel.shader, { out: part.buffer, dy: this.buf(dy), x: this.buf(x) }),
      [Math.ceil(columns / kernel.tile[1]), Math.ceil(rows / kernel.tile[0]), slices]);
    if (slices === 1) return part;
    const summed = this.sumAxis(part, 1, slices, plan.outChannels * taps);
    this.release(part);
    return summed;
  }

  /**
   * The convolution kernel every conv2d (forward and both gradients) uses, for tests and
   * benchmarks; null (the default): convShader's choice for the device. 'conv-subgroup' is
   * refused where the device's subgroups are not exactly 8 lanes.
   */
  get forcedConvKernel(): ConvShader | null {
    return this.forcedConv;
  }

  set forcedConvKernel(kernel: ConvShader | null) {
    if (kernel === 'conv-subgroup' && !this.subgroupsOf8) {
      throw new Error(`webgpu backend: conv-subgroup needs subgroups of exactly 8 lanes; this device has ${this.adapter.subgroupSizes ? `${this.adapter.subgroupSizes[0]}-${this.adapter.subgroupSizes[1]}` : 'none'}${this.device.features.has('subgroups') ? '' : ' (the feature off)'}`);
    }
    if (kernel !== null && !CONV_SHADERS.includes(kernel)) throw new Error(`webgpu backend: no convolution kernel ${String(kernel)} (${CONV_SHADERS.join(', ')})`);
    this.forcedConv = kernel;
  }

  /** The convolution kernels this device can run (each may be forced: forcedConvKernel). */
  get convKernels(): readonly ConvShader[] {
    return this.subgroupsOf8 ? CONV_SHADERS : CONV_SHADERS.filter((k) => k !== 'conv-subgroup');
  }

  /**
   * The convolution file this device runs: conv-subgroup.wgsl where subgroups are 8 lanes, conv.wgsl
   * (register-blocked) on other CPU drivers, conv-tiled.wgsl (workgroup memory) on a GPU; or the forced one.
   */
  private convShader(): ConvShader {
    if (this.forcedConv) return this.forcedConv;
    if (this.subgroupsOf8) return 'conv-subgroup';
    return this.cpuDriver ? 'conv' : 'conv-tiled';
  }

  /**
   * The convolution kernel, its constants and its tile of the GEMM's output: conv-subgroup.wgsl a
   * 16-row tile, 32 or 64 columns wide as `columns` needs; conv.wgsl and conv-tiled.wgsl (its
   * default tile sizes) 64 × 64.
   */
  private convKernel(columns: number): { shader: ConvShader; constants: Record<string, number>; tile: readonly [number, number] } {
    const shader = this.convShader();
    if (shader !== 'conv-subgroup') return { shader, constants: {}, tile: [CONV_TILE, CONV_TILE] };
    const cols = columns <= 32 ? 4 : 8;
    return { shader, constants: { COLS: cols }, tile: [16, 8 * cols] };
  }

  // ---- in place ----------------------------------------------------------------------------
  fill(dst: Storage, value: number): void {
    if (dst.dtype === 'int32') throw new Error('webgpu backend: fill of an int32 storage in place is not supported');
    this.elementwise('fill_main', dst.length, { c0: value }, { out: this.buf(dst) });
  }

  addInPlace(dst: Storage, src: Storage): void {
    this.elementwise('add_inplace_main', dst.length, {}, { out: this.buf(dst), a: this.buf(src) });
  }

  scaleInPlace(dst: Storage, coef: Storage): void {
    this.elementwise('scale_inplace_main', dst.length, {}, { out: this.buf(dst), a: this.buf(coef) });
  }

  averageInPlace(avg: Storage, x: Storage, decay: number): void {
    this.elementwise('average_inplace_main', avg.length, { c0: decay, c1: 1 - decay }, { out: this.buf(avg), a: this.buf(x) });
  }

  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, h: AdamHyper): void {
    const { stepSize, bc2Sqrt } = adamBiasCorrection(h);
    const block = params('adam', {
      n: p.length, stepSize, bc2Sqrt, beta1: h.beta1, beta2: h.beta2, oneMinusBeta1: 1 - h.beta1, oneMinusBeta2: 1 - h.beta2,
      eps: h.eps, weightDecay: h.weightDecay, weightScale: 1 - h.lr * (h.decoupledWeightDecay ?? 0),
    });
    const buffers = bind('adam', { p: this.buf(p), g: this.buf(g), m: this.buf(m), v: this.buf(v) });
    this.recorder.dispatch(this.pipeline('adam', 'main'), block, buffers, this.elementGrid(p.length));
  }

  sgdStep(p: Storage, g: Storage, buf: Storage | null, h: SgdHyper): void {
    const flags = KERNELS.sgd.ops.flags.codes;
    const op = (buf !== null ? flags.momentum : 0) | (h.firstStep ? flags.firstStep : 0) | (h.nesterov ? flags.nesterov : 0);
    const block = params('sgd', {
      n: p.length, op, lr: h.lr, weightDecay: h.weightDecay, momentum: h.momentum, oneMinusDampening: 1 - h.dampening,
    });
    const buffers = bind('sgd', { p: this.buf(p), g: this.buf(g), buf: buf === null ? this.dummy : this.buf(buf) });
    this.recorder.dispatch(this.pipeline('sgd', 'main'), block, buffers, this.elementGrid(p.length));
  }
}
