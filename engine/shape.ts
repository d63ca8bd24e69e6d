// Shape arithmetic shared by the ops: sizes, row-major strides, and NumPy-style broadcasting.

import { describe, fail, formatShape, type CheckedTensor } from './errors.js';

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Every dimension a positive integer (zero-size tensors are not supported). */
export function checkShape(op: string, shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    fail(op, `a shape is a list of positive integers, got ${JSON.stringify(shape)}`);
  }
}

/** Row-major strides in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

/** The broadcast of two shapes (aligned on the right; a 1 stretches), or an error naming both. */
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      fail(op, `shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast ` +
        `(axis ${i} of the result: ${da} vs ${db}; sizes must match or one must be 1)`);
    }
    out[i] = Math.max(da, db);
  }
  return out;
}

/** Strides that read `shape` as if it had `outShape` (0 on axes that broadcast). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const lead = outShape.length - shape.length;
  return outShape.map((_, i) => (i < lead || shape[i - lead] === 1 ? 0 : own[i - lead]));
}

/** Resolves a possibly negative axis against a rank. */
/**
 * `dim` of tensor x (PyTorch's: −rank ≤ dim < rank, negative counting from the end) as an index
 * in [0, rank), or an error naming the op, the tensor and the dims it has. `extra` widens the
 * range by that many (stack's dim may name the new axis after the last).
 */
export function normalizeDim(op: string, x: CheckedTensor, role: string, dim: number, extra = 0): number {
  const rank = x.shape.length + extra;
  if (!Number.isInteger(dim) || dim < -rank || dim >= rank) {
    fail(op, `dim ${dim} is out of range for ${describe(x, role)} (expected a dim in [${-rank}, ${rank - 1}])`);
  }
  return dim < 0 ? dim + rank : dim;
}

/** x's shape around `dim` as [outer, len, inner]: the axes before it, it, and the axes after it. */
export function aroundDim(shape: readonly number[], dim: number): [outer: number, len: number, inner: number] {
  return [sizeOf(shape.slice(0, dim)), shape[dim], sizeOf(shape.slice(dim + 1))];
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail(op, `axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return axis < 0 ? axis + rank : axis;
}
