// log-softmax and softmax over one dim (the last by default), and their gradient rules:
//   log-softmax  y = x − log Σ exp(x)          ∂L/∂x = g − exp(y) · Σ g          (exp(y) = softmax(x))
//   softmax      y = softmax(scale·x)          ∂L/∂x = scale · y·(g − Σ g·y)      (PyTorch's softmax_backward)
// (sums per row along the dim; the softmax's, derived: ∂y_c/∂z_j = y_c·(δ_cj − y_j) with z = scale·x,
// so ∂L/∂z_j = y_j·(g_j − Σ_c g_c·y_c), and ∂z/∂x = scale). Both backwards need only y.
// The kernels work on the rows of [rows, cols]; another dim is moved last first (x viewed as
// [outer, len, inner] and permuted to [outer, inner, len]) and moved back after, as a strided copy.
// The public softmax is torch's (scale 1); attention uses scaledSoftmax, which folds its 1/√d into
// the same kernel instead of a separate multiply.

import { record } from '../autograd.js';
import { describe, expectFloat, fail } from '../errors.js';
import { aroundDim, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { permute, reshape } from './shape.js';

/** A row kernel: x [rows, cols] → [rows, cols], over each row, recorded with its backward. */
type RowsOp = (x: Tensor, rows: number, cols: number) => Tensor;

// x: [rows, cols] → [rows, cols], over each row
function logSoftmaxRows(x: Tensor, rows: number, cols: number): Tensor {
  const out = new Tensor(x.device.logSoftmax(x.storage, rows, cols), x.shape);
  return record(out, 'logSoftmax', [x], (g) => [new Tensor(x.device.logSoftmaxBackward(g.storage, out.storage, rows, cols), x.shape)]);
}

// x: [rows, cols] → softmax(scale·x) [rows, cols], over each row
function softmaxRows(scale: number): RowsOp {
  return (x, rows, cols) => {
    const out = new Tensor(x.device.softmax(x.storage, rows, cols, scale), x.shape);
    return record(out, 'softmax', [x], (g) => [new Tensor(x.device.softmaxBackward(g.storage, out.storage, rows, cols, scale), x.shape)]);
  };
}

/** torch.log_softmax(x, dim): x [..., len, ...] → the same shape, normalised along dim (default −1, the last). */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return alongDim('logSoftmax', x, dim, logSoftmaxRows);
}

/** torch.softmax(x, dim): x [..., len, ...] → the same shape, each slice along dim summing to 1 (a row with a NaN or +Inf, or only −Inf, is NaN, as in PyTorch). */
export function softmax(x: Tensor, dim = -1): Tensor {
  return alongDim('softmax', x, dim, softmaxRows(1));
}

/**
 * softmax(scale·x) along dim in one kernel each way (attention's weights, scale = 1/√d): as
 * softmax(mul(x, scale), dim), without the separate multiply. Internal: the public softmax keeps torch's signature.
 */
export function scaledSoftmax(op: string, x: Tensor, scale: number, dim = -1): Tensor {
  return alongDim(op, x, dim, softmaxRows(scale));
}

/** rowsOp along dim, its input checked in the name of `op`. */
function alongDim(op: string, x: Tensor, dim: number, rowsOp: RowsOp): Tensor {
  expectFloat(op, x, 'x');
  if (x.rank < 1 || x.size === 0) fail(op, `expected a non-empty tensor [..., C], got ${describe(x, 'x')}`);
  const [outer, len, inner] = aroundDim(x.shape, normalizeDim(op, x, 'x', dim));
  // The dim is last in memory (only 1s after it): rows of len.
  if (inner === 1) return rowsOp(x, outer, len);
  // [outer, len, inner] → [outer, inner, len] → rows → back
  const moved = permute(reshape(x, [outer, len, inner]), [0, 2, 1]);
  return reshape(permute(rowsOp(moved, outer * inner, len), [0, 2, 1]), x.shape);
}
