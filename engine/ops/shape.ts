// Shape ops: reshape returns a view that shares the input's storage; permute reorders the axes
// into a new contiguous tensor (a strided copy: the backend's expand with permuted strides);
// concat joins two tensors along an axis (its gradient: the two slices).

import { record } from '../autograd.js';
import { describe, expectFloat, expectSameDevice, fail, formatShape } from '../errors.js';
import { contiguousStrides, normalizeAxis, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The same elements in a new shape; one dimension may be −1 (inferred). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  x.assertAlive('reshape');
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1 || shape.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1))) {
    fail('reshape', `invalid target shape ${formatShape(shape)} (positive integers, at most one −1)`);
  }
  const known = sizeOf(shape.filter((d) => d !== -1));
  const target = shape.map((d) => (d === -1 ? x.size / known : d));
  if (sizeOf(target) !== x.size || !target.every(Number.isInteger)) {
    fail('reshape', `cannot view ${describe(x, 'x')} (${x.size} elements) as ${formatShape(shape)}`);
  }
  x.storage.refs++;
  const out = new Tensor(x.storage, target, { intRange: x.intRange });
  return record(out, 'reshape', [x], (g) => [reshape(g, x.shape)]);
}

/**
 * The axes reordered: out.shape[i] = x.shape[dims[i]] (as torch.permute, then .contiguous()).
 * Rank ≤ 4 on the WebGPU backend. Gradient: the inverse permutation.
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  x.assertAlive('permute');
  if (dims.length !== x.rank || [...dims].sort((a, b) => a - b).some((d, i) => d !== i)) {
    fail('permute', `dims [${dims.join(', ')}] are not an order of the ${x.rank} axes of ${describe(x, 'x')}`);
  }
  if (dims.every((d, i) => d === i)) return x;
  const strides = contiguousStrides(x.shape);
  const shape = dims.map((d) => x.shape[d]);
  const out = new Tensor(x.device.expand(x.storage, shape, dims.map((d) => strides[d])), shape);
  const inverse = dims.map((_, i) => dims.indexOf(i));
  return record(out, 'permute', [x], (g) => [permute(g, inverse)]);
}

/**
 * a and b joined along `axis` (as torch.cat([a, b], axis)): every other axis must agree. Viewed
 * as rows — [outer, a's axis·inner] and [outer, b's axis·inner], outer the axes before `axis` —
 * the join is per row.
 */
export function concat(a: Tensor, b: Tensor, axis: number): Tensor {
  expectFloat('concat', a, 'a');
  expectFloat('concat', b, 'b');
  expectSameDevice('concat', { a, b });
  const ax = normalizeAxis('concat', axis, a.rank);
  if (b.rank !== a.rank || a.shape.some((d, i) => i !== ax && d !== b.shape[i])) {
    fail('concat', `${describe(a, 'a')} and ${describe(b, 'b')} differ outside axis ${ax}`);
  }
  const outer = sizeOf(a.shape.slice(0, ax)), inner = sizeOf(a.shape.slice(ax + 1));
  const [aWidth, bWidth] = [a.shape[ax] * inner, b.shape[ax] * inner];
  const shape = a.shape.map((d, i) => (i === ax ? d + b.shape[ax] : d));
  const out = new Tensor(a.device.concatRows(a.storage, b.storage, outer, aWidth, bWidth), shape);
  return record(out, 'concat', [a, b], (g) => [
    new Tensor(g.device.sliceRows(g.storage, outer, aWidth + bWidth, 0, aWidth), a.shape),
    new Tensor(g.device.sliceRows(g.storage, outer, aWidth + bWidth, aWidth, bWidth), b.shape),
  ]);
}
