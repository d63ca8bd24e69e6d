// log-softmax and softmax over one dim (the last by default), and the gradient rule:
//   y = x − log Σ exp(x)          (per row along the dim)
//   ∂L/∂x = g − softmax(x) · Σ g  (per row; softmax(x) = exp(y), so the backward needs only y)
// The kernels work on the rows of [rows, cols]; another dim is moved last first (x viewed as
// [outer, len, inner] and permuted to [outer, inner, len]) and moved back after, as a strided copy.
// softmax is exp(logSoftmax(x)): its gradient, by the chain rule through exp,
//   ∂L/∂x = g·y − y · Σ g·y       (y = softmax(x)), PyTorch's softmax_backward.

import { record } from '../autograd.js';
import { describe, expectFloat, fail } from '../errors.js';
import { aroundDim, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { exp } from './elementwise.js';
import { permute, reshape } from './shape.js';

// x: [rows, cols] → [rows, cols], over each row
function logSoftmaxRows(x: Tensor, rows: number, cols: number): Tensor {
  const out = new Tensor(x.device.logSoftmax(x.storage, rows, cols), x.shape);
  return record(out, 'logSoftmax', [x], (g) => [new Tensor(x.device.logSoftmaxBackward(g.storage, out.storage, rows, cols), x.shape)]);
}

/** torch.log_softmax(x, dim): x [..., len, ...] → the same shape, normalised along dim (default −1, the last). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return logSoftmaxAlong('logSoftmax', x, dim);
}

/** torch.softmax(x, dim): exp of the log-softmax (a row with a NaN or +Inf, or only −Inf, is NaN, as in PyTorch). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return exp(logSoftmaxAlong('softmax', x, dim));
}

/** The log-softmax along dim, its input checked in the name of `op`. */
function logSoftmaxAlong(op: string, x: Tensor, dim: number): Tensor {
  expectFloat(op, x, 'x');
  if (x.rank < 1 || x.size === 0) fail(op, `expected a non-empty tensor [..., C], got ${describe(x, 'x')}`);
  const [outer, len, inner] = aroundDim(x.shape, normalizeDim(op, x, 'x', dim));
  // The dim is last in memory (only 1s after it): rows of len.
  if (inner === 1) return logSoftmaxRows(x, outer, len);
  // [outer, len, inner] → [outer, inner, len] → rows → back
  const moved = permute(reshape(x, [outer, len, inner]), [0, 2, 1]);
  return reshape(permute(logSoftmaxRows(moved, outer * inner, len), [0, 2, 1]), x.shape);
}
