// Embedding lookup: rows of a table gathered by an int32 index tensor. Indices are checked on
// the host against the range the index tensor carries (no readback): an index outside the
// table is an error, never a clamp.

import { record } from '../autograd.js';
import { describe, expectFloat, expectSameDevice, fail } from '../errors.js';
import { Tensor } from '../tensor.js';

/** Throws unless every index lies in [0, rows) of `table`, using the range the indices carry. */
export function checkIndices(op: string, indices: Tensor, table: Tensor): void {
  const rows = table.shape[0];
  const range = indices.intRange;
  if (range === undefined) fail(op, `the range of ${describe(indices, 'indices')} is unknown, so it cannot be checked`);
  if (range.min < 0 || range.max >= rows) {
    fail(op, `indices must lie in [0, ${rows - 1}] for ${describe(table, 'weight')}, ` +
      `got values from ${range.min} to ${range.max} in ${describe(indices, 'indices')}`);
  }
}

/**
 * Looks up rows of a table (torch.nn.functional.embedding): row indices[…] of weight for each
 * index, with the gradient to weight (rows used several times add up). Throws an EngineError unless
 * indices are int32 within [0, rows) and weight is [rows, dim] on the same device.
 * indices: I (int32), weight: [rows, dim] → [...I, dim]
 */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  indices.assertAlive('embedding');
  expectFloat('embedding', weight, 'weight');
  expectSameDevice('embedding', { indices, weight });
  if (indices.dtype !== 'int32') fail('embedding', `expected int32 indices, got ${describe(indices, 'indices')}`);
  if (weight.rank !== 2) fail('embedding', `expected weight [rows, dim], got ${describe(weight, 'weight')}`);
  const [rows, dim] = weight.shape;
  checkIndices('embedding', indices, weight);
  const out = new Tensor(weight.device.gather(weight.storage, indices.storage, rows, dim), [...indices.shape, dim]);
  return record(out, 'embedding', [indices, weight], (g) => [
    null,
    new Tensor(weight.device.scatterAdd(g.storage, indices.storage, rows, dim), weight.shape),
  ]);
}
