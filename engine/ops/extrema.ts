// The largest and smallest entries along a dim, with their positions, as PyTorch's
//   max(x, dim, keepdim) / min(...)   → { values, indices }   (torch.max(x, dim))
//   argmax(x, dim, keepdim) / argmin  → indices (int32)
// The positions come from one kernel (Backend.argReduce: the first of equal extremes; a NaN is
// the extreme, the first NaN, so NaN propagates as in PyTorch); the values are x gathered at
// them (ops/indexing.ts), so the gradient reaches exactly the entry each value came from:
//   ∂L/∂x[…, l, …] = g[…] where l is the chosen position, 0 elsewhere.

import { expectFloat, fail, describe } from '../errors.js';
import { aroundDim, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { gatherAlong } from './indexing.js';
import { reshape } from './shape.js';

/** What max and min return: the extremes, and where along the dim they lie. */
export interface ValuesAndIndices {
  readonly values: Tensor;
  /** int32 positions along the reduced dim. */
  readonly indices: Tensor;
}

/** The positions of the extremes along dim, int32: x [..., len, ...] → [..., 1, ...] (keepdim) or [..., ...]. */
function positions(op: 'max' | 'min', name: string, x: Tensor, dim: number, keepdim: boolean): Tensor {
  expectFloat(name, x, 'x');
  if (x.rank < 1) fail(name, `expected a tensor of rank ≥ 1, got ${describe(x, 'x')}`);
  const d = normalizeDim(name, x, 'x', dim);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const shape = keepdim ? x.shape.map((n, i) => (i === d ? 1 : n)) : x.shape.filter((_, i) => i !== d);
  return new Tensor(x.device.argReduce(op, x.storage, outer, len, inner), shape, { intRange: { min: 0, max: len - 1 } });
}

function extremes(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesAndIndices {
  const indices = positions(op, op, x, dim, keepdim);
  const d = normalizeDim(op, x, 'x', dim);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const values = gatherAlong(x, indices, { outer, len, inner, count: 1, shared: false }, x.shape.map((n, i) => (i === d ? 1 : n)));
  return { values: keepdim ? values : reshape(values, indices.shape), indices };
}

/** torch.max(x, dim, keepdim): the largest entry along dim and its position (the first of ties; NaN wins). */
export function max(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  return extremes('max', x, dim, keepdim);
}

/** torch.min(x, dim, keepdim): the smallest entry along dim and its position (the first of ties; NaN wins). */
export function min(x: Tensor, dim: number, keepdim = false): ValuesAndIndices {
  return extremes('min', x, dim, keepdim);
}

/** torch.argmax(x, dim, keepdim): the position of the largest entry along dim, int32. */
export function argmax(x: Tensor, dim: number, keepdim = false): Tensor {
  return positions('max', 'argmax', x, dim, keepdim);
}

/** torch.argmin(x, dim, keepdim): the position of the smallest entry along dim, int32. */
export function argmin(x: Tensor, dim: number, keepdim = false): Tensor {
  return positions('min', 'argmin', x, dim, keepdim);
}
