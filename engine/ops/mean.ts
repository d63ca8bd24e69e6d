// The arithmetic mean over all elements or along one axis: Σ (ops/reduce.ts), then ÷ count, as
// PyTorch does. Apart from reduce.ts because it divides, and the elementwise ops reduce with sumTo.

import { normalizeAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { div } from './elementwise.js';
import { sum } from './reduce.js';

/**
 * The mean of all elements (a scalar tensor []) or along one axis (that axis removed, or kept as 1
 * with keepdim), with its gradient. Throws an EngineError for an axis out of range.
 */
export function mean(x: Tensor, axis?: number, keepdim = false): Tensor {
  const count = axis === undefined ? x.size : x.shape[normalizeAxis('mean', axis, x.rank)];
  return div(sum(x, axis, keepdim), count);
}
