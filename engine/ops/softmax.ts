// log-softmax over the last axis, and the gradient rule next to it:
//   y = x − log Σ exp(x)          (per row of the last axis)
//   ∂L/∂x = g − softmax(x) · Σ g  (per row; softmax(x) = exp(y), so the backward needs only y)

import { record } from '../autograd.js';
import { describe, expectFloat, fail } from '../errors.js';
import { Tensor } from '../tensor.js';

// x: [..., C] → [..., C]
export function logSoftmax(x: Tensor): Tensor {
  expectFloat('logSoftmax', x, 'x');
  if (x.rank < 1 || x.size === 0) fail('logSoftmax', `expected a non-empty tensor [..., C], got ${describe(x, 'x')}`);
  const cols = x.shape[x.rank - 1];
  const rows = x.size / cols;
  const out = new Tensor(x.device.logSoftmax(x.storage, rows, cols), x.shape);
  return record(out, 'logSoftmax', [x], (g) => [new Tensor(x.device.logSoftmaxBackward(g.storage, out.storage, rows, cols), x.shape)]);
}
