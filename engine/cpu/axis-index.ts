// CPU reference indexing along one axis: the position of each column's max or min, and the
// gather and scatter-add that pick entries by position (engine/ops/extrema.ts, indexing.ts).
// Indices were checked on the host by the op layer; these loops trust them. Scatter-add sums in
// float64 and rounds once.

import type { ArgOp, AxisIndexPlan } from '../backend.js';

// x: [outer, len, inner] → out: [outer, inner] int32, the first position of the max (min); a
// NaN beats every number and the first NaN stays (PyTorch's max/argmax along a dim).
export function argReduce(op: ArgOp, x: Float32Array, outer: number, len: number, inner: number): Int32Array {
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = x[o * len * inner + i], at = 0;
      for (let l = 1; l < len && !Number.isNaN(best); l++) {
        const v = x[(o * len + l) * inner + i];
        if (Number.isNaN(v) || (op === 'max' ? v > best : v < best)) {
          best = v;
          at = l;
        }
      }
      out[o * inner + i] = at;
    }
  }
  return out;
}

/** Where the index of output element (o, j, i) is stored: per element, or one list shared by every column. */
const indexAt = (p: AxisIndexPlan, o: number, j: number, i: number): number => (p.shared ? j : (o * p.count + j) * p.inner + i);

// x: [outer, len, inner], idx: [outer, count, inner] or [count] → out: [outer, count, inner]
export function gatherAxis(x: Float32Array, idx: Int32Array, p: AxisIndexPlan): Float32Array {
  const out = new Float32Array(p.outer * p.count * p.inner);
  for (let o = 0; o < p.outer; o++) {
    for (let j = 0; j < p.count; j++) {
      for (let i = 0; i < p.inner; i++) out[(o * p.count + j) * p.inner + i] = x[(o * p.len + idx[indexAt(p, o, j, i)]) * p.inner + i];
    }
  }
  return out;
}

// dy: [outer, count, inner], idx as gatherAxis's → dx: [outer, len, inner], dx[o, l, i] = Σ_{j: index(o,j,i) = l} dy[o, j, i]
export function scatterAddAxis(dy: Float32Array, idx: Int32Array, p: AxisIndexPlan): Float32Array {
  const acc = new Float64Array(p.outer * p.len * p.inner);
  for (let o = 0; o < p.outer; o++) {
    for (let j = 0; j < p.count; j++) {
      for (let i = 0; i < p.inner; i++) acc[(o * p.len + idx[indexAt(p, o, j, i)]) * p.inner + i] += dy[(o * p.count + j) * p.inner + i];
    }
  }
  return Float32Array.from(acc);
}
