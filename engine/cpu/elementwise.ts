// CPU reference kernels for elementwise work: unary maps, ops with a host scalar, binary ops
// (arithmetic and comparisons) with broadcasting, where's select, strided expansion, and the
// masks the ReLU/clamp backwards need (and SiLU's).
// Plain loops over typed arrays; each result is rounded to float32 when stored.
// NaN follows PyTorch: relu(NaN) = NaN, min/max/clamp with a NaN operand give NaN (Math.min and
// Math.max do), ReLU's gradient passes where its output is NaN (threshold_backward zeroes only
// y ≤ 0), clamp's is 0 where x is NaN, comparisons with a NaN are false (ne: true), sign(NaN) is 0
// (PyTorch 1.13), x^p of a negative x and a non-integer p is NaN (Math.pow, as C's pow). The WGSL kernels match this on purpose (shaders/*.wgsl).

import type { BinaryOp, BroadcastPlan, CompareOp, ScalarOp, UnaryOp, WherePlan } from '../backend.js';

/** PyTorch's ReLU of one value: only values below 0 become 0, so NaN stays NaN. */
export const reluOf = (v: number): number => (v < 0 ? 0 : v);

// x: [n] → out: [n]
export function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    switch (op) {
      case 'neg': out[i] = -v; break;
      case 'square': out[i] = v * v; break;
      case 'sqrt': out[i] = Math.sqrt(v); break;
      case 'relu': out[i] = reluOf(v); break;
      case 'exp': out[i] = Math.exp(v); break;
      case 'silu': out[i] = v / (1 + Math.exp(-v)); break;
      case 'log': out[i] = Math.log(v); break;
      case 'abs': out[i] = Math.abs(v); break;
      case 'sigmoid': out[i] = 1 / (1 + Math.exp(-v)); break;
      case 'tanh': out[i] = Math.tanh(v); break;
      case 'sin': out[i] = Math.sin(v); break;
      case 'cos': out[i] = Math.cos(v); break;
      case 'sign': out[i] = v > 0 ? 1 : v < 0 ? -1 : 0; break;
    }
  }
  return out;
}

// x: [n], c: a host number → out: [n]
export function scalar(op: ScalarOp, x: Float32Array, c: number): Float32Array {
  const out = new Float32Array(x.length);
  const cf = Math.fround(c); // the scalar is a float32 on every backend
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    switch (op) {
      case 'add': out[i] = v + cf; break;
      case 'rsub': out[i] = cf - v; break;
      case 'mul': out[i] = v * cf; break;
      case 'div': out[i] = v / cf; break;
      case 'rdiv': out[i] = cf / v; break;
      case 'min': out[i] = Math.min(v, cf); break;
      case 'max': out[i] = Math.max(v, cf); break;
      case 'pow': out[i] = powTorch(v, cf); break;
      default: out[i] = compare(op, v, cf);
    }
  }
  return out;
}

/** x^p as PyTorch: √x and 1/√x for p = ±0.5 (NaN at −Inf, −Inf at −0 for −0.5), else C's pow (Math.pow). */
const powTorch = (x: number, p: number): number => (p === 0.5 ? Math.sqrt(x) : p === -0.5 ? 1 / Math.sqrt(x) : Math.pow(x, p));

/** 1 where `a op b` holds, else 0; JavaScript's comparisons are IEEE's (NaN: false, ≠: true). */
function compare(op: CompareOp, a: number, b: number): number {
  switch (op) {
    case 'eq': return a === b ? 1 : 0;
    case 'ne': return a !== b ? 1 : 0;
    case 'lt': return a < b ? 1 : 0;
    case 'le': return a <= b ? 1 : 0;
    case 'gt': return a > b ? 1 : 0;
    case 'ge': return a >= b ? 1 : 0;
  }
}

function apply(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
    default: return compare(op, a, b);
  }
}

/**
 * Walks every index of `outShape` in row-major order, calling visit(o, offsets) where o is the
 * flat output index and offsets[s] the element offset into source s under stridesList[s].
 */
function forEachBroadcastIndex(
  outShape: readonly number[],
  stridesList: readonly (readonly number[])[],
  visit: (o: number, offsets: number[]) => void,
): void {
  const rank = outShape.length;
  const size = outShape.reduce((p, d) => p * d, 1);
  const index = new Array<number>(rank).fill(0);
  const offsets = stridesList.map(() => 0);
  for (let o = 0; o < size; o++) {
    visit(o, offsets);
    // Advance the multi-index like an odometer, last axis fastest.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      for (let s = 0; s < stridesList.length; s++) offsets[s] += stridesList[s][d];
      if (index[d] < outShape[d]) break;
      for (let s = 0; s < stridesList.length; s++) offsets[s] -= stridesList[s][d] * outShape[d];
      index[d] = 0;
    }
  }
}

// a, b broadcast to plan.outShape → out: outShape
export function binary(op: BinaryOp, a: Float32Array, b: Float32Array, plan: BroadcastPlan): Float32Array {
  const out = new Float32Array(plan.outShape.reduce((p, d) => p * d, 1));
  forEachBroadcastIndex(plan.outShape, [plan.aStrides, plan.bStrides], (o, [ia, ib]) => {
    out[o] = apply(op, a[ia], b[ib]);
  });
  return out;
}

// cond, a, b broadcast to plan.outShape → out: outShape, a where cond ≠ 0 (NaN is nonzero), else b
export function where(cond: Float32Array, a: Float32Array, b: Float32Array, plan: WherePlan): Float32Array {
  const out = new Float32Array(plan.outShape.reduce((p, d) => p * d, 1));
  forEachBroadcastIndex(plan.outShape, [plan.condStrides, plan.aStrides, plan.bStrides], (o, [ic, ia, ib]) => {
    out[o] = cond[ic] !== 0 ? a[ia] : b[ib];
  });
  return out;
}

// x read with xStrides (0 on broadcast axes) → out: outShape, contiguous
export function expand(x: Float32Array, outShape: readonly number[], xStrides: readonly number[]): Float32Array {
  const out = new Float32Array(outShape.reduce((p, d) => p * d, 1));
  forEachBroadcastIndex(outShape, [xStrides], (o, [ix]) => {
    out[o] = x[ix];
  });
  return out;
}

// dy, y: [n] → dx: [n], dy unless the ReLU's output y ≤ 0 (a NaN y passes dy, as in PyTorch)
export function reluBackward(dy: Float32Array, y: Float32Array): Float32Array {
  const out = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) out[i] = y[i] <= 0 ? 0 : dy[i];
  return out;
}

// dy, x: [n] → dx: [n], dy · s·(1 + x·(1 − s)) with s = σ(x) = 1 / (1 + e^(−x)), in float64
export function siluBackward(dy: Float32Array, x: Float32Array): Float32Array {
  const out = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) {
    const s = 1 / (1 + Math.exp(-x[i]));
    out[i] = dy[i] * s * (1 + x[i] * (1 - s));
  }
  return out;
}

// dy, x: [n] → dx: [n], dy where lo ≤ x ≤ hi (so 0 where x is NaN; bounds may be ±Infinity)
export function clampBackward(dy: Float32Array, x: Float32Array, lo: number, hi: number): Float32Array {
  const out = new Float32Array(dy.length);
  for (let i = 0; i < dy.length; i++) out[i] = x[i] >= lo && x[i] <= hi ? dy[i] : 0;
  return out;
}
