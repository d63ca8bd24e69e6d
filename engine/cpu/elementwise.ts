// CPU reference kernels for elementwise work: unary maps, ops with a host scalar, binary ops
// with broadcasting, strided expansion, and the masks the ReLU/clamp backwards need (and SiLU's).
// Plain loops over typed arrays; each result is rounded to float32 when stored.
// NaN follows PyTorch: relu(NaN) = NaN, min/max/clamp with a NaN operand give NaN (Math.min and
// Math.max do), ReLU's gradient passes where its output is NaN (threshold_backward zeroes only
// y ≤ 0), clamp's is 0 where x is NaN. The WGSL kernels match this on purpose (shaders/*.wgsl).

import type { BinaryOp, BroadcastPlan, ScalarOp, UnaryOp } from '../backend.js';

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
    }
  }
  return out;
}

function apply(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'mul': return a * b;
    case 'div': return a / b;
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
