// Errors raised by the op layer. Every op validates on the host, before any kernel runs, and
// says which op failed, which tensors it was given (name, shape, dtype, device) and what it
// expected: a kernel must never be handed input it would silently clamp or misread.

/**
 * What the checks here read of a tensor (Tensor is one). Declared here, not imported, so this
 * file sits below tensor.ts with no loop back.
 */
export interface CheckedTensor {
  readonly name?: string;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly device: { readonly name: string };
  assertAlive(op: string, role: string): void;
}

/**
 * What the engine throws for input an op or a constructor refuses: its message names the op, the
 * tensors it was given and what it expected.
 */
export class EngineError extends Error {
  /** An error with this message, named 'EngineError'. */
  constructor(message: string) {
    super(message);
    this.name = 'EngineError';
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** `x [128,2] float32`, or `'linears.0.weight' [128,2] float32` for a named tensor. */
export function describe(t: CheckedTensor, role?: string): string {
  const who = t.name !== undefined ? `'${t.name}'` : role ?? 'tensor';
  const label = role !== undefined && t.name !== undefined ? `${role} ${who}` : who;
  return `${label} ${formatShape(t.shape)} ${t.dtype}`;
}

/** What a value is, for an error about an argument of the wrong kind: "an Array [1,2]", "undefined", "the string 'x'". */
export function kindOf(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (Array.isArray(v)) return `an Array ${JSON.stringify(v).slice(0, 40)}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.slice(0, 40))}`;
  if (typeof v === 'object') return `${v.constructor === Object ? 'an object' : `a ${v.constructor.name}`} { ${Object.keys(v).slice(0, 6).join(', ')} }`;
  return `the ${typeof v} ${String(v)}`;
}

/**
 * A Tensor where one is expected: from plain JavaScript an array or a number in its place would
 * otherwise fail deep inside with "t.assertAlive is not a function". Says how to make one.
 */
export function expectTensor(op: string, t: unknown, role: string): asserts t is CheckedTensor {
  if (typeof t === 'object' && t !== null && typeof (t as CheckedTensor).assertAlive === 'function') return;
  const make = Array.isArray(t) || ArrayBuffer.isView(t) ? ` (make one with E.tensor(${Array.isArray(t) ? JSON.stringify(t).slice(0, 40) : 'data'}))` : '';
  fail(op, `expected ${role} to be a Tensor, got ${kindOf(t)}${make}`);
}

/**
 * An Rng where one is expected (told by its next(): this file sits below random.ts): from plain
 * JavaScript a missing one would fail deep inside a draw. `expected` says what it is for.
 */
export function expectRng(op: string, rng: unknown, expected: string): void {
  if (typeof (rng as { next?: unknown } | null | undefined)?.next !== 'function') fail(op, `${expected}, got ${kindOf(rng)}`);
}

/** Throws `op: message`. */
export function fail(op: string, message: string): never {
  throw new EngineError(`${op}: ${message}`);
}

export function expectFloat(op: string, t: CheckedTensor, role: string): void {
  expectTensor(op, t, role);
  t.assertAlive(op, role);
  if (t.dtype !== 'float32') fail(op, `expected ${role} to be float32, got ${describe(t, role)}`);
}

export function expectSameDevice(op: string, tensors: Record<string, CheckedTensor>): void {
  const entries = Object.entries(tensors);
  const [firstRole, first] = entries[0];
  for (const [role, t] of entries.slice(1)) {
    if (t.device !== first.device) {
      fail(op, `${firstRole} is on '${first.device.name}' but ${role} is on '${t.device.name}'; ` +
        `move one with await t.to(device)`);
    }
  }
}

/**
 * Refuses option names `op` does not take, naming them and the ones it does: from plain
 * JavaScript a misspelt or unsupported option (`requiresgrad`, `dtype` on a layer) would
 * otherwise be ignored without a word.
 */
export function expectKnownOptions(op: string, options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    fail(op, `expected an options object { ${known.join(', ')} }, got ${Array.isArray(options) ? 'an array' : String(options)}`);
  }
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    fail(op, `unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (it takes ${known.join(', ')})`);
  }
}
