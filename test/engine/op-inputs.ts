// The inputs of the op table's cases (op-table.ts): host tensors, random draws from a stated
// generator, and the ways NaN and ±Inf are written into them.

import * as E from '../../engine/index.js';

/** A host tensor, never written once made: float32 data is a differentiable input, int32 data an index or label input. */
export interface HostTensor {
  shape: number[];
  data: Float32Array | Int32Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Large draws already made, by generator and offset: the workload's [10000,128] is drawn once
 * (~0.2 s on the host), not by every case that starts from it.
 */
const drawn = new Map<string, Float32Array>();
const KEEP_FROM = 100_000;

/** `n` standard normal samples of Rng(seed, stream) at `offset`, the same array for the same draw. */
export function normalDraw(rng: E.Rng, n: number): Float32Array {
  const key = `${rng.seed}:${rng.stream}:${rng.offset}:${n}`;
  const known = drawn.get(key);
  if (known) {
    rng.offset++;
    return known;
  }
  const data = rng.normal(n);
  if (n >= KEEP_FROM) drawn.set(key, data);
  return data;
}

/** Random host tensors from one generator, a draw (one offset) per tensor. */
export class Draws {
  private readonly rng: E.Rng;

  /** Rng(seed, stream), its first draw at `offset`. */
  constructor(seed: number, stream = 0, offset = 0) {
    this.rng = new E.Rng(seed, stream);
    this.rng.offset = offset;
  }

  /** Standard normal samples (the numbers E.randn draws with the same generator). */
  normal(...shape: number[]): HostTensor {
    return { shape, data: normalDraw(this.rng, sizeOf(shape)) };
  }

  /** `n` int32 indices in [0, high). */
  ints(n: number, high: number): HostTensor {
    return { shape: [n], data: this.rng.randint(n, 0, high) };
  }
}

export const floats = (shape: number[], values: readonly number[]): HostTensor => ({ shape, data: Float32Array.from(values) });
export const ints = (shape: number[], values: readonly number[]): HostTensor => ({ shape, data: Int32Array.from(values) });

const mapped = (x: HostTensor, f: (v: number) => number): HostTensor => ({ shape: x.shape, data: (x.data as Float32Array).map(f) });

/** x moved at least 0.5 away from zero (a divisor). */
export const awayFromZero = (x: HostTensor): HostTensor => mapped(x, (v) => (v >= 0 ? v + 0.5 : v - 0.5));

/** |x| + 0.1 (sqrt's and the scalar ops' finite inputs). */
export const positive = (x: HostTensor): HostTensor => mapped(x, (v) => Math.abs(v) + 0.1);

const SPECIALS = [NaN, Infinity, -Infinity];

/** A copy of x with NaN, +Inf, −Inf in turn (or `values` in turn) at the flat positions `at` (mod its size). */
export function spiked(x: HostTensor, at: readonly number[], values: readonly number[] = SPECIALS): HostTensor {
  const data = Float32Array.from(x.data);
  at.forEach((p, j) => { data[p % data.length] = values[j % values.length]; });
  return { shape: x.shape, data };
}

/** x with every `every`-th element from `from` on replaced by NaN, +Inf, −Inf in turn (one element: NaN). */
export function sprinkled(x: HostTensor, every = 2, from = 1): HostTensor {
  const at: number[] = [];
  for (let i = from; i < x.data.length; i += every) at.push(i);
  return spiked(x, at.length > 0 ? at : [0]);
}

/** `count` positions spread evenly over `size` elements. */
export const spread = (size: number, count: number): number[] =>
  Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * size) / count));
