// Deterministic memory release. GPU buffers are not garbage-collected in time, so tensors are
// freed explicitly: `t.dispose()`, or `tidy(fn)`, which disposes every tensor created inside fn
// except the ones it returns and the ones marked with `keep` (parameters, gradients, optimizer
// state). A training step wrapped in tidy leaves the number of live buffers unchanged.

import type { Tensor } from './tensor.js';

const scopes: Set<Tensor>[] = [];

/** Called by the Tensor constructor: the innermost open scope owns the new tensor. */
export function track(t: Tensor): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempts t from every open scope: it lives until disposed explicitly. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/**
 * The tensors of `scope` in a tidy result: the result itself, or the values of an array or plain
 * object (one level). Only the scope's own tensors matter here, so membership is the test (and
 * this file needs Tensor only as a type: tensor.ts imports it, not the other way round).
 */
function tensorsIn(value: unknown, scope: Set<Tensor>): Set<Tensor> {
  const own = (v: unknown): v is Tensor => scope.has(v as Tensor);
  if (own(value)) return new Set([value]);
  if (Array.isArray(value)) return new Set(value.filter(own));
  if (value !== null && typeof value === 'object') return new Set(Object.values(value).filter(own));
  return new Set();
}

/**
 * Runs fn (synchronously) and disposes the tensors it created, except those it returns, which
 * move to the enclosing scope.
 */
export function tidy<T>(fn: () => T): T {
  scopes.push(new Set());
  let result: T;
  try {
    result = fn();
    if (result instanceof Promise) {
      throw new Error('tidy: the function must be synchronous (it returned a Promise)');
    }
  } finally {
    const scope = scopes.pop()!;
    const returned = tensorsIn(result!, scope);
    for (const t of scope) {
      if (returned.has(t)) track(t);
      else t.dispose();
    }
  }
  return result;
}
