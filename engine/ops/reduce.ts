// Reductions: sum over all elements or along one axis, the broadcast that undoes a reduction in
// the backward pass (expand), and sumTo, which folds a broadcast gradient back onto the shape of
// the operand that was broadcast. (mean, which also divides, is in ops/mean.ts: elementwise ops
// use sumTo, so this file must not use them.)

import { record } from '../autograd.js';
import { expectFloat, fail, formatShape, describe } from '../errors.js';
import { broadcastShapes, broadcastStrides, normalizeAxis, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { reshape } from './shape.js';

/**
 * Σ over all elements (→ shape []) or along `axis` (that axis removed, or kept as 1 with keepdim).
 */
export function sum(x: Tensor, axis?: number, keepdim = false): Tensor {
  expectFloat('sum', x, 'x');
  // View x as [outer, len, inner] and sum the middle; `kept` is the result with the axis as 1.
  const ax = axis === undefined ? undefined : normalizeAxis('sum', axis, x.rank);
  const kept = x.shape.map((d, i) => (ax === undefined || i === ax ? 1 : d));
  const outer = ax === undefined ? 1 : sizeOf(x.shape.slice(0, ax));
  const len = ax === undefined ? x.size : x.shape[ax];
  const inner = ax === undefined ? 1 : sizeOf(x.shape.slice(ax + 1));
  const outShape = keepdim ? kept : ax === undefined ? [] : x.shape.filter((_, i) => i !== ax);
  const out = new Tensor(x.device.sumAxis(x.storage, outer, len, inner), outShape);
  // The gradient: put the summed axis back as size 1, then broadcast over it.
  return record(out, 'sum', [x], (g) => [expand(reshape(g, kept), x.shape)]);
}

/** Broadcasts x to `shape` (NumPy rules), materialising the copy. */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  expectFloat('expand', x, 'x');
  const outShape = broadcastShapes('expand', x.shape, shape);
  if (!sameShape(outShape, shape)) {
    fail('expand', `cannot broadcast ${describe(x, 'x')} to ${formatShape(shape)}`);
  }
  if (sameShape(x.shape, shape)) return x;
  const out = new Tensor(x.device.expand(x.storage, shape, broadcastStrides(x.shape, shape)), shape);
  return record(out, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/**
 * Sums g over the axes along which `shape` was broadcast to g.shape, giving a tensor of `shape`:
 * the gradient of a broadcasting op with respect to its smaller operand.
 */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  let out = g;
  // Leading axes that `shape` lacks: sum them away one by one (always axis 0).
  for (let i = 0; i < lead; i++) out = sum(out, 0);
  // Axes where `shape` has 1 and g does not: sum with keepdim.
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && out.shape[i] !== 1) out = sum(out, i, true);
  }
  if (!sameShape(out.shape, shape)) {
    fail('sumTo', `cannot reduce ${formatShape(g.shape)} to ${formatShape(shape)}`);
  }
  return out;
}
