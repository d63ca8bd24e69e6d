// Shape-only ops: reshape returns a view that shares the input's storage.

import { record } from '../autograd.js';
import { describe, fail, formatShape } from '../errors.js';
import { sizeOf } from '../shape.js';
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
