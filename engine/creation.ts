// Making tensors: from host data, constant fills, and seeded random draws (engine/random.ts).

import type { Backend, DType, RandomDraw } from './backend.js';
import { defaultDevice } from './device.js';
import { EngineError, expectKnownOptions, expectRng, fail, formatShape } from './errors.js';
import type { Rng } from './random.js';
import { checkShape, sizeOf } from './shape.js';
import { Tensor, type IntRange } from './tensor.js';

/**
 * What the creation functions take besides shape and data: dtype (default 'float32'), device
 * (default defaultDevice()), whether the tensor requires grad (a leaf to train), and a name used in
 * error messages.
 */
export interface CreateOptions {
  dtype?: DType;
  device?: Backend;
  requiresGrad?: boolean;
  name?: string;
}

const CREATE_OPTIONS = ['dtype', 'device', 'requiresGrad', 'name'] as const;

/**
 * Refuses options `op` does not know and a dtype it cannot make (the engine has float32 and
 * int32; 'float64' would otherwise come back float32 without a word), naming the option, the
 * value and what is supported.
 */
function checkCreateOptions(op: string, options: object, dtypes: readonly DType[], extra: readonly string[] = []): void {
  expectKnownOptions(op, options, [...CREATE_OPTIONS, ...extra]);
  const { dtype } = options as { dtype?: unknown };
  if (dtype !== undefined && !dtypes.some((d) => d === dtype)) {
    fail(op, `option dtype: ${typeof dtype === 'string' ? `'${dtype}'` : String(dtype)} is not supported here ` +
      `(supported: ${dtypes.map((d) => `'${d}'`).join(', ')})`);
  }
}

type Nested = number | readonly Nested[];

/** Flattens nested arrays, inferring the shape and rejecting ragged input. */
function flatten(data: Nested): { values: number[]; shape: number[] } {
  const shape: number[] = [];
  for (let level: Nested = data; Array.isArray(level); level = level[0]) shape.push(level.length);
  const values: number[] = [];
  const walk = (v: Nested, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') fail('tensor', `ragged nested array: expected a number at depth ${depth}`);
      values.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      fail('tensor', `ragged nested array: expected ${shape[depth]} entries at depth ${depth}`);
    }
    for (const x of v) walk(x, depth + 1);
  };
  walk(data, 0);
  return { values, shape };
}

function rangeOf(values: ArrayLike<number>): IntRange {
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  return { min, max };
}

/**
 * A tensor from host data: nested arrays (shape inferred), or a flat array/typed array with an
 * explicit shape. int32 data must be integers; its range is recorded for index checks.
 */
export function tensor(data: Nested | Float32Array | Int32Array, shape?: readonly number[], options: CreateOptions = {}): Tensor {
  if (shape !== undefined && shape !== null && typeof shape === 'object' && !Array.isArray(shape)) {
    fail('tensor', `the second argument is the shape, got { ${Object.keys(shape).join(', ')} }; ` +
      `options come third: tensor(data, undefined, { dtype, device, requiresGrad, name })`);
  }
  checkCreateOptions('tensor', options, ['float32', 'int32']);
  const flat = ArrayBuffer.isView(data)
    ? { values: data, shape: shape ?? [data.length] }
    : shape !== undefined
      ? { values: (Array.isArray(data) ? data : [data]) as readonly number[], shape }
      : flatten(data);
  checkShape('tensor', flat.shape);
  if (flat.values.length !== sizeOf(flat.shape)) {
    fail('tensor', `${flat.values.length} values cannot fill shape ${formatShape(flat.shape)} (${sizeOf(flat.shape)} elements)`);
  }
  const dtype = options.dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
  const device = options.device ?? defaultDevice();
  if (dtype === 'int32') {
    for (let i = 0; i < flat.values.length; i++) {
      const v = flat.values[i];
      if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
        fail('tensor', `int32 data must be 32-bit integers, got ${v} at flat index ${i}`);
      }
    }
    const storage = device.upload(Int32Array.from(flat.values));
    return new Tensor(storage, flat.shape, { ...options, intRange: rangeOf(flat.values) });
  }
  return new Tensor(device.upload(Float32Array.from(flat.values)), flat.shape, options);
}

/**
 * A tensor of the given shape with every element `value` (an integer for int32). Throws an
 * EngineError for a bad shape, an unknown option or dtype.
 */
export function full(shape: readonly number[], value: number, options: CreateOptions = {}): Tensor {
  return filled('full', shape, value, options);
}

/** A tensor of the given shape filled with 0 (float32 or int32). */
export function zeros(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return filled('zeros', shape, 0, options);
}

/** A tensor of the given shape filled with 1 (float32 or int32). */
export function ones(shape: readonly number[], options: CreateOptions = {}): Tensor {
  return filled('ones', shape, 1, options);
}

/** full, zeros and ones, each named in its errors. */
function filled(op: string, shape: readonly number[], value: number, options: CreateOptions): Tensor {
  checkShape(op, shape);
  checkCreateOptions(op, options, ['float32', 'int32']);
  const dtype = options.dtype ?? 'float32';
  if (dtype === 'int32' && !Number.isInteger(value)) fail(op, `int32 fill value must be an integer, got ${value}`);
  const device = options.device ?? defaultDevice();
  const intRange = dtype === 'int32' ? { min: value, max: value } : undefined;
  return new Tensor(device.full(sizeOf(shape), value, dtype), shape, { ...options, intRange });
}

function draw(op: string, shape: readonly number[], rng: Rng, d: RandomDraw, options: CreateOptions): Tensor {
  expectRng(op, rng, 'expected an Rng to draw from (e.g. new E.Rng(0))');
  checkShape(op, shape);
  const device = options.device ?? defaultDevice();
  const intRange = d.kind === 'randint' ? { min: d.low, max: d.high - 1 } : undefined;
  return new Tensor(device.random(sizeOf(shape), rng.next(), d), shape, { ...options, intRange });
}

/** Normal(mean, std) samples (Box–Muller over Philox words). */
export function randn(shape: readonly number[], rng: Rng, options: CreateOptions & { mean?: number; std?: number } = {}): Tensor {
  checkCreateOptions('randn', options, ['float32'], ['mean', 'std']);
  return draw('randn', shape, rng, { kind: 'normal', mean: options.mean ?? 0, std: options.std ?? 1 }, options);
}

/** Uniform samples in [low, high). */
export function rand(shape: readonly number[], rng: Rng, options: CreateOptions & { low?: number; high?: number } = {}): Tensor {
  checkCreateOptions('rand', options, ['float32'], ['low', 'high']);
  const low = options.low ?? 0, high = options.high ?? 1;
  if (!(high > low)) fail('rand', `expected low < high, got low=${low}, high=${high}`);
  return draw('rand', shape, rng, { kind: 'uniform', low, high }, options);
}

/** Integers uniform in [low, high), int32. */
export function randint(shape: readonly number[], low: number, high: number, rng: Rng, options: CreateOptions = {}): Tensor {
  checkCreateOptions('randint', options, ['int32']);
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || high - low > 2 ** 31) {
    throw new EngineError(`randint: expected integers low < high (range at most 2^31), got low=${low}, high=${high}`);
  }
  return draw('randint', shape, rng, { kind: 'randint', low, high }, { ...options, dtype: 'int32' });
}
