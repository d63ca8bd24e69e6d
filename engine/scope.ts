// Deterministic memory release. GPU buffers are not garbage-collected in time, so tensors are
// freed explicitly: `t.dispose()`, or `tidy(fn)`, which disposes every tensor created inside fn
// except the ones it returns and the ones marked with `keep` (parameters, gradients, optimizer
// state). A training step wrapped in tidy leaves the number of live buffers unchanged.

/**
 * What a scope holds (a Tensor): something it can free; tidy says it was the one (so a later
 * error can say who freed it). Declared here so tensor.ts imports this file, not the reverse.
 */
export interface Disposable {
  dispose(by?: 'tidy'): void;
}

const scopes: Set<Disposable>[] = [];

/** Called by the Tensor constructor: the innermost open scope owns the new tensor. */
export function track(t: Disposable): void {
  scopes[scopes.length - 1]?.add(t);
}

/** Exempts t from every open scope: it lives until disposed explicitly. */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

/**
 * The tensors of `scope` in a tidy result: the result itself, or the values of an array or plain
 * object (one level). Only the scope's own tensors matter here, so membership is the test.
 */
function tensorsIn(value: unknown, scope: Set<Disposable>): Set<Disposable> {
  const own = (v: unknown): v is Disposable => scope.has(v as Disposable);
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
      else t.dispose('tidy');
    }
  }
  return result;
}
