// Indexing along one dim, as PyTorch names it:
//   gather(x, dim, index)        out[…, j, …] = x[…, index[…, j, …], …]   (torch.gather)
//   indexSelect(x, dim, index)   the entries index[0], index[1], … of dim  (torch.index_select)
//   narrow(x, dim, start, length) and slice(x, dim, start, end, step)     (x.narrow, x[…, a:b:c])
//   stack(tensors, dim)          a new dim joining equal shapes           (torch.stack)
// gather and indexSelect are one kernel pair (Backend.gatherAxis and its adjoint scatterAddAxis):
// picking entries moves each x value to the outputs that picked it, so the gradient sends each
// output's gradient back to the entry it came from, summing where several picked one entry.
// narrow is a row slice (Backend.sliceRows) whose gradient pads g with zeros; a slice with a
// step is indexSelect with the positions start, start + step, …; stack reshapes and concatenates.
// Indices are checked on the host against the range an int32 tensor carries: never a clamp.

import type { AxisIndexPlan } from '../backend.js';
import { record } from '../autograd.js';
import { describe, expectFloat, expectSameDevice, fail, formatShape } from '../errors.js';
import { aroundDim, normalizeDim, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { concat, reshape } from './shape.js';

/** Throws unless `index` is int32 with every value in [0, len), from the range it carries. */
function checkIndex(op: string, index: Tensor, x: Tensor, dim: number): void {
  index.assertAlive(op, 'index');
  if (index.dtype !== 'int32') fail(op, `expected an int32 index, got ${describe(index, 'index')}`);
  const len = x.shape[dim], range = index.intRange;
  if (range === undefined) fail(op, `the range of ${describe(index, 'index')} is unknown, so it cannot be checked`);
  if (range.min < 0 || range.max >= len) {
    fail(op, `index values must lie in [0, ${len - 1}] for dim ${dim} of ${describe(x, 'x')}, ` +
      `got values from ${range.min} to ${range.max} in ${describe(index, 'index')}`);
  }
}

/**
 * The entries of x picked along `dim` by an int32 index (checked by the caller), as a plan says:
 * x [outer, len, inner] → [outer, count, inner] in `shape`. Gradient: scatterAlong.
 */
export function gatherAlong(x: Tensor, index: Tensor, plan: AxisIndexPlan, shape: readonly number[]): Tensor {
  const out = new Tensor(x.device.gatherAxis(x.storage, index.storage, plan), shape);
  return record(out, 'gather', [x, index], (g) => [scatterAlong(g, index, plan, x.shape), null]);
}

/** gatherAlong's adjoint: g [outer, count, inner] summed into [outer, len, inner] (`shape`). Gradient: gatherAlong. */
function scatterAlong(g: Tensor, index: Tensor, plan: AxisIndexPlan, shape: readonly number[]): Tensor {
  const out = new Tensor(g.device.scatterAddAxis(g.storage, index.storage, plan), shape);
  return record(out, 'scatterAdd', [g, index], (gg) => [gatherAlong(gg, index, plan, g.shape), null]);
}

/**
 * torch.gather(x, dim, index): out has index's shape, out[…, j, …] = x[…, index[…, j, …], …]
 * with index at `dim` and the same position elsewhere. index has x's rank and is no larger
 * than x outside `dim`; x is first narrowed to index's extent there (what gather reads).
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  expectFloat('gather', x, 'x');
  index.assertAlive('gather', 'index');
  expectSameDevice('gather', { x, index });
  const d = normalizeDim('gather', x, 'x', dim);
  if (index.rank !== x.rank || index.shape.some((n, i) => i !== d && n > x.shape[i])) {
    fail('gather', `expected an index of rank ${x.rank} no larger than ${describe(x, 'x')} outside dim ${d}, got ${describe(index, 'index')}`);
  }
  checkIndex('gather', index, x, d);
  let source = x;
  index.shape.forEach((n, i) => { if (i !== d && n < x.shape[i]) source = narrow(source, i, 0, n); });
  const [outer, len, inner] = aroundDim(source.shape, d);
  return gatherAlong(source, index, { outer, len, inner, count: index.shape[d], shared: false }, index.shape);
}

/** torch.index_select(x, dim, index): the entries index[0], index[1], … (a 1-D int32 index) of x along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  expectFloat('indexSelect', x, 'x');
  index.assertAlive('indexSelect', 'index');
  expectSameDevice('indexSelect', { x, index });
  const d = normalizeDim('indexSelect', x, 'x', dim);
  if (index.rank !== 1) fail('indexSelect', `expected a 1-D index [count], got ${describe(index, 'index')}`);
  checkIndex('indexSelect', index, x, d);
  const [outer, len, inner] = aroundDim(x.shape, d);
  const count = index.shape[0];
  return gatherAlong(x, index, { outer, len, inner, count, shared: true }, x.shape.map((n, i) => (i === d ? count : n)));
}

/**
 * x.narrow(dim, start, length): the `length` entries of `dim` from `start` on (a negative start
 * counts from the end), as a new tensor. Viewed as rows [outer, len·inner], a slice of each row.
 * Gradient: g padded with zeros before and after along `dim` (a concatenation).
 */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  expectFloat('narrow', x, 'x');
  const d = normalizeDim('narrow', x, 'x', dim);
  const len = x.shape[d];
  const from = Number.isInteger(start) && start < 0 ? start + len : start;
  if (!Number.isInteger(start) || !Number.isInteger(length) || from < 0 || length < 1 || from + length > len) {
    fail('narrow', `start ${start} and length ${length} do not fit dim ${d} of ${describe(x, 'x')} ` +
      `(expected −${len} ≤ start < ${len}, length ≥ 1 and start + length ≤ ${len})`);
  }
  if (length === len) return x;
  const [outer, , inner] = aroundDim(x.shape, d);
  const shape = x.shape.map((n, i) => (i === d ? length : n));
  const out = new Tensor(x.device.sliceRows(x.storage, outer, len * inner, from * inner, length * inner), shape);
  return record(out, 'narrow', [x], (g) => [padAlong(g, d, from, len - from - length)]);
}

/** g with `before` zeros ahead of it and `after` behind it along dim d: narrow's adjoint. */
function padAlong(g: Tensor, d: number, before: number, after: number): Tensor {
  const zeros = (n: number): Tensor =>
    new Tensor(g.device.full(g.size / g.shape[d] * n, 0, 'float32'), g.shape.map((m, i) => (i === d ? n : m)));
  let out = g;
  if (before > 0) out = concat(zeros(before), out, d);
  if (after > 0) out = concat(out, zeros(after), d);
  return out;
}

/**
 * x[…, start:end:step, …] along `dim`, Python's rules: start and end default to the ends,
 * negative ones count from the end, both are clamped to [0, len]; step ≥ 1. An empty result is
 * an error (the engine has no empty tensors). step 1 is narrow; a larger step is indexSelect.
 */
export function slice(x: Tensor, dim: number, start = 0, end = Infinity, step = 1): Tensor {
  expectFloat('slice', x, 'x');
  const d = normalizeDim('slice', x, 'x', dim);
  const len = x.shape[d];
  const bound = (v: number): number => Math.min(len, Math.max(0, v < 0 ? v + len : v));
  if (![start, step].every(Number.isInteger) || !(Number.isInteger(end) || end === Infinity) || step < 1) {
    fail('slice', `expected integer start and end and a step ≥ 1, got ${start}:${end}:${step} for ${describe(x, 'x')}`);
  }
  const [from, to] = [bound(start), bound(end)];
  const count = Math.ceil((to - from) / step);
  if (count < 1) fail('slice', `${start}:${end}:${step} selects nothing of dim ${d} of ${describe(x, 'x')} (the engine has no empty tensors)`);
  if (step === 1) return narrow(x, d, from, count);
  const positions = Int32Array.from({ length: count }, (_, j) => from + j * step);
  const index = new Tensor(x.device.upload(positions), [count], { intRange: { min: from, max: positions[count - 1] } });
  return indexSelect(x, d, index);
}

/** torch.stack(tensors, dim): equal shapes joined along a new dim (−rank−1 ≤ dim ≤ rank): each viewed with a 1 there, concatenated. */
export function stack(tensors: readonly Tensor[], dim: number): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) fail('stack', 'expected a non-empty list of tensors');
  const [first] = tensors;
  tensors.forEach((t, i) => expectFloat('stack', t, `tensors[${i}]`));
  const d = normalizeDim('stack', first, 'tensors[0]', dim, 1);
  tensors.forEach((t, i) => {
    if (!sameShape(t.shape, first.shape)) {
      fail('stack', `expected every tensor of shape ${formatShape(first.shape)} (as ${describe(first, 'tensors[0]')}), got ${describe(t, `tensors[${i}]`)}`);
    }
  });
  expectSameDevice('stack', Object.fromEntries(tensors.map((t, i) => [`tensors[${i}]`, t])));
  const withAxis = [...first.shape.slice(0, d), 1, ...first.shape.slice(d)];
  return tensors.map((t) => reshape(t, withAxis)).reduce((joined, t) => concat(joined, t, d));
}
