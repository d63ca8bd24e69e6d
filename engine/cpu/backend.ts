// The CPU reference backend: plain loops over typed arrays (the kernels live beside this file).
// It is what every other backend is checked against, so it favours obvious code over speed,
// accumulates sums in float64, and shares no code with the WGSL shaders.

import type {
  AdamHyper, ArgOp, AxisIndexPlan, Backend, BinaryOp, BroadcastPlan, Conv2dPlan, DType, GroupNormGrads, GroupNormOperands, GroupNormPlan,
  HostArray, MatmulPlan, MemoryInfo, RandomDraw, RandomKey, ScalarOp, SgdHyper, Storage, UnaryOp, WherePlan,
} from '../backend.js';
import { fillRandom } from '../random.js';
import { adamStep } from './adam.js';
import * as axisIndex from './axis-index.js';
import { conv2d, conv2dInputGrad, conv2dWeightGrad } from './conv.js';
import * as elementwise from './elementwise.js';
import { gather, scatterAdd } from './embedding.js';
import * as groupNorm from './group-norm.js';
import { matmul } from './matmul.js';
import { sumAxis, sumSquares } from './reduce.js';
import { sgdStep } from './sgd.js';
import * as softmax from './softmax.js';

/** A macrotask: setImmediate where it exists (Node), else a zero timeout (a browser). */
const yieldOnce: (fn: () => void) => void =
  (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));

class CpuStorage implements Storage {
  refs = 1;
  released = false;
  /** A view's base storage (see view()); null for storages that own their memory. */
  constructor(readonly backend: CpuBackend, public data: HostArray, readonly base: CpuStorage | null = null) {}
  get dtype(): DType { return this.data instanceof Int32Array ? 'int32' : 'float32'; }
  get length(): number { return this.data.length; }
}

/**
 * The CPU reference Backend (see the header): plain loops over typed arrays in host memory. Its one
 * instance is `cpu`, the default device.
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  /** A typed array's longest length in V8 on 64-bit machines (Node 20: "Invalid typed array length" past 2³²). */
  readonly maxTensorValues = 2 ** 32;
  // Counters, not a set of storages: an unreleased storage must stay collectable by the GC.
  private live = 0;
  private liveBytes = 0;
  private peakBytes = 0;

  describe(): string {
    return 'CPU reference (single-threaded JavaScript, float32 storage, float64 sums)';
  }

  // ---- memory ---------------------------------------------------------------------------
  private wrap(data: HostArray): CpuStorage {
    this.live++;
    this.liveBytes += data.byteLength;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return new CpuStorage(this, data);
  }

  private own(s: Storage): CpuStorage {
    if (!(s instanceof CpuStorage) || s.backend !== this) {
      throw new Error(`cpu backend: given a storage from the '${s.backend.name}' backend`);
    }
    if (s.released) throw new Error('cpu backend: storage used after it was released');
    return s;
  }

  private f32(s: Storage): Float32Array {
    const data = this.own(s).data;
    if (!(data instanceof Float32Array)) throw new Error('cpu backend: expected a float32 storage');
    return data;
  }

  private i32(s: Storage): Int32Array {
    const data = this.own(s).data;
    if (!(data instanceof Int32Array)) throw new Error('cpu backend: expected an int32 storage');
    return data;
  }

  upload(data: HostArray): Storage {
    return this.wrap(data.slice());
  }

  write(dst: Storage, data: HostArray): void {
    this.own(dst).data.set(data);
  }

  async read(src: Storage): Promise<HostArray> {
    return this.own(src).data.slice();
  }

  release(s: Storage): void {
    const own = this.own(s);
    own.released = true;
    this.live--;
    if (own.base === null) this.liveBytes -= own.data.byteLength;
    else if (--own.base.refs === 0) this.release(own.base);
  }

  readonly viewAlignment = 1;

  view(base: Storage, offset: number, length: number): Storage {
    const b = this.own(base);
    if (!(Number.isInteger(offset) && offset >= 0 && Number.isInteger(length) && length >= 1 && offset + length <= b.length)) {
      throw new Error(`cpu backend: a view of ${length} elements at ${offset} does not fit a storage of ${b.length}`);
    }
    b.refs++;
    this.live++;
    return new CpuStorage(this, b.data.subarray(offset, offset + length), b);
  }

  /** Kernels run when called, so there is nothing to wait for: yields to the event loop once. */
  sync(): Promise<void> {
    return new Promise((resolve) => yieldOnce(resolve));
  }

  copy(dst: Storage, src: Storage): void {
    const [d, s] = [this.own(dst), this.own(src)];
    if (d.length !== s.length || d.dtype !== s.dtype) throw new Error(`cpu backend: copy of ${s.length} ${s.dtype} into ${d.length} ${d.dtype}`);
    d.data.set(s.data);
  }

  memory(): MemoryInfo {
    return { live: this.live, bytes: this.liveBytes, pooledBytes: 0, peakBytes: this.peakBytes };
  }

  resetPeakBytes(): void {
    this.peakBytes = this.liveBytes;
  }

  // ---- kernels --------------------------------------------------------------------------
  full(length: number, value: number, dtype: DType): Storage {
    return this.wrap(dtype === 'int32' ? new Int32Array(length).fill(value) : new Float32Array(length).fill(value));
  }

  random(length: number, key: RandomKey, draw: RandomDraw): Storage {
    const out = draw.kind === 'randint' ? new Int32Array(length) : new Float32Array(length);
    fillRandom(out, key, draw);
    return this.wrap(out);
  }

  unary(op: UnaryOp, x: Storage): Storage {
    return this.wrap(elementwise.unary(op, this.f32(x)));
  }

  scalar(op: ScalarOp, x: Storage, c: number): Storage {
    return this.wrap(elementwise.scalar(op, this.f32(x), c));
  }

  binary(op: BinaryOp, a: Storage, b: Storage, plan: BroadcastPlan): Storage {
    return this.wrap(elementwise.binary(op, this.f32(a), this.f32(b), plan));
  }

  where(cond: Storage, a: Storage, b: Storage, plan: WherePlan): Storage {
    return this.wrap(elementwise.where(this.f32(cond), this.f32(a), this.f32(b), plan));
  }

  expand(x: Storage, outShape: readonly number[], xStrides: readonly number[]): Storage {
    return this.wrap(elementwise.expand(this.f32(x), outShape, xStrides));
  }

  sumAxis(x: Storage, outer: number, len: number, inner: number): Storage {
    return this.wrap(sumAxis(this.f32(x), outer, len, inner));
  }

  sumSquares(x: Storage): Storage {
    return this.wrap(sumSquares(this.f32(x)));
  }

  argReduce(op: ArgOp, x: Storage, outer: number, len: number, inner: number): Storage {
    return this.wrap(axisIndex.argReduce(op, this.f32(x), outer, len, inner));
  }

  gatherAxis(x: Storage, idx: Storage, plan: AxisIndexPlan): Storage {
    return this.wrap(axisIndex.gatherAxis(this.f32(x), this.i32(idx), plan));
  }

  scatterAddAxis(dy: Storage, idx: Storage, plan: AxisIndexPlan): Storage {
    return this.wrap(axisIndex.scatterAddAxis(this.f32(dy), this.i32(idx), plan));
  }

  matmul(a: Storage, b: Storage, plan: MatmulPlan): Storage {
    const epilogue = {
      bias: plan.bias ? this.f32(plan.bias) : null,
      rowAdd: plan.rowAdd ? { table: this.f32(plan.rowAdd.table), idx: this.i32(plan.rowAdd.idx) } : null,
      relu: plan.relu ?? false,
    };
    return this.wrap(matmul(this.f32(a), this.f32(b), epilogue, plan));
  }

  reluBackward(dy: Storage, y: Storage): Storage {
    return this.wrap(elementwise.reluBackward(this.f32(dy), this.f32(y)));
  }

  logSoftmax(x: Storage, rows: number, cols: number): Storage {
    return this.wrap(softmax.logSoftmax(this.f32(x), rows, cols));
  }

  logSoftmaxBackward(dy: Storage, y: Storage, rows: number, cols: number): Storage {
    return this.wrap(softmax.logSoftmaxBackward(this.f32(dy), this.f32(y), rows, cols));
  }

  groupNorm(x: Storage, operands: GroupNormOperands, plan: GroupNormPlan): { y: Storage; stats: Storage } {
    const { y, stats } = groupNorm.groupNorm(this.f32(x), this.groupNormArrays(operands), plan);
    return { y: this.wrap(y), stats: this.wrap(stats) };
  }

  groupNormBackward(dy: Storage, x: Storage, operands: GroupNormOperands, stats: Storage, plan: GroupNormPlan): GroupNormGrads {
    const g = groupNorm.groupNormBackward(this.f32(dy), this.f32(x), this.groupNormArrays(operands), this.f32(stats), plan);
    const wrapOrNull = (a: Float32Array | null): Storage | null => (a ? this.wrap(a) : null);
    return { dx: this.wrap(g.dx), dshift: wrapOrNull(g.dshift), dweight: wrapOrNull(g.dweight), dbias: wrapOrNull(g.dbias) };
  }

  private groupNormArrays(o: GroupNormOperands): groupNorm.GroupNormArrays {
    const f32OrNull = (s: Storage | null): Float32Array | null => (s ? this.f32(s) : null);
    return { shift: f32OrNull(o.shift), weight: f32OrNull(o.weight), bias: f32OrNull(o.bias) };
  }

  softmax(x: Storage, rows: number, cols: number, scale: number): Storage {
    return this.wrap(softmax.softmax(this.f32(x), rows, cols, scale));
  }

  softmaxBackward(dy: Storage, y: Storage, rows: number, cols: number, scale: number): Storage {
    return this.wrap(softmax.softmaxBackward(this.f32(dy), this.f32(y), rows, cols, scale));
  }

  siluBackward(dy: Storage, x: Storage): Storage {
    return this.wrap(elementwise.siluBackward(this.f32(dy), this.f32(x)));
  }

  clampBackward(dy: Storage, x: Storage, lo: number, hi: number): Storage {
    return this.wrap(elementwise.clampBackward(this.f32(dy), this.f32(x), lo, hi));
  }

  gather(table: Storage, idx: Storage, _rows: number, dim: number): Storage {
    return this.wrap(gather(this.f32(table), this.i32(idx), dim));
  }

  scatterAdd(dy: Storage, idx: Storage, rows: number, dim: number): Storage {
    return this.wrap(scatterAdd(this.f32(dy), this.i32(idx), rows, dim));
  }

  concatRows(a: Storage, b: Storage, outer: number, aWidth: number, bWidth: number): Storage {
    const [x, y] = [this.f32(a), this.f32(b)];
    const out = new Float32Array(outer * (aWidth + bWidth));
    for (let o = 0; o < outer; o++) {
      out.set(x.subarray(o * aWidth, (o + 1) * aWidth), o * (aWidth + bWidth));
      out.set(y.subarray(o * bWidth, (o + 1) * bWidth), o * (aWidth + bWidth) + aWidth);
    }
    return this.wrap(out);
  }

  sliceRows(x: Storage, outer: number, width: number, start: number, count: number): Storage {
    const data = this.f32(x);
    const out = new Float32Array(outer * count);
    for (let o = 0; o < outer; o++) out.set(data.subarray(o * width + start, o * width + start + count), o * count);
    return this.wrap(out);
  }

  conv2d(x: Storage, weight: Storage, bias: Storage | null, plan: Conv2dPlan): Storage {
    return this.wrap(conv2d(this.f32(x), this.f32(weight), bias ? this.f32(bias) : null, plan));
  }

  conv2dInputGrad(dy: Storage, weight: Storage, plan: Conv2dPlan): Storage {
    return this.wrap(conv2dInputGrad(this.f32(dy), this.f32(weight), plan));
  }

  conv2dWeightGrad(dy: Storage, x: Storage, plan: Conv2dPlan): Storage {
    return this.wrap(conv2dWeightGrad(this.f32(dy), this.f32(x), plan));
  }

  // ---- in place -------------------------------------------------------------------------
  fill(dst: Storage, value: number): void {
    this.own(dst).data.fill(value);
  }

  addInPlace(dst: Storage, src: Storage): void {
    const d = this.f32(dst), s = this.f32(src);
    for (let i = 0; i < d.length; i++) d[i] += s[i];
  }

  scaleInPlace(dst: Storage, coef: Storage): void {
    const d = this.f32(dst), c = this.f32(coef)[0];
    for (let i = 0; i < d.length; i++) d[i] *= c;
  }

  averageInPlace(avg: Storage, x: Storage, decay: number): void {
    const a = this.f32(avg), s = this.f32(x);
    const keep = Math.fround(decay), take = Math.fround(1 - decay);
    for (let i = 0; i < a.length; i++) a[i] = Math.fround(a[i] * keep) + Math.fround(s[i] * take);
  }

  adamStep(p: Storage, g: Storage, m: Storage, v: Storage, hyper: AdamHyper): void {
    adamStep(this.f32(p), this.f32(g), this.f32(m), this.f32(v), hyper);
  }

  sgdStep(p: Storage, g: Storage, buf: Storage | null, hyper: SgdHyper): void {
    sgdStep(this.f32(p), this.f32(g), buf === null ? null : this.f32(buf), hyper);
  }
}

/** The process-wide CPU backend. */
export const cpu = new CpuBackend();
