// Counter-based random numbers: Philox-4x32-10 (Salmon et al., "Parallel random numbers:
// as easy as 1, 2, 3", SC 2011), keyed by (seed, stream) and addressed by a counter.
//
// Element j of a draw at `offset` is a pure function of (seed, stream, offset, j):
//   block  = philox4x32_10(counter = [j >> 2, offset, 0, 0], key = [seed, stream])
//   value  = block[j & 3], turned into a float or an integer below.
// No state is carried from element to element, so a GPU thread computes element j exactly as
// this file does, and the CPU and GPU backends draw the same numbers for the same key.
// An `Rng` only hands out keys: each draw takes the next offset.

import type { RandomDraw, RandomKey } from './backend.js';

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High and low 32 bits of the 64-bit product a·b, using 16-bit halves (as WGSL must). */
function mulhilo(a: number, b: number): [number, number] {
  const aL = a & 0xffff, aH = a >>> 16;
  const bL = b & 0xffff, bH = b >>> 16;
  const ll = aL * bL, lh = aL * bH, hl = aH * bL, hh = aH * bH;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  const hi = (hh + (lh >>> 16) + (hl >>> 16) + (mid >>> 16)) >>> 0;
  const lo = Math.imul(a, b) >>> 0;
  return [hi, lo];
}

/** Philox-4x32 with 10 rounds: four 32-bit counter words and two key words → four words. */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): [number, number, number, number] {
  let [c0, c1, c2, c3] = counter;
  let [k0, k1] = key;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + W0) >>> 0;
      k1 = (k1 + W1) >>> 0;
    }
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
  }
  return [c0, c1, c2, c3];
}

const TWO_POW_M24 = 1 / 16777216;

/** A 32-bit word → [0, 1) with 24 random bits (exact in float32). */
export function wordToUnit(x: number): number {
  return (x >>> 8) * TWO_POW_M24;
}

/** A 32-bit word → (0, 1]: safe for log(). */
function wordToUnitOpenZero(x: number): number {
  return ((x >>> 8) + 1) * TWO_POW_M24;
}

function checkWord(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new RangeError(`random: ${what} must be an integer in [0, 2^32), got ${v}`);
  }
}

/** Fills `out` with the draw described by (key, draw); `out.length` elements. */
export function fillRandom(out: Float32Array | Int32Array, key: RandomKey, draw: RandomDraw): void {
  checkWord('seed', key.seed);
  checkWord('stream', key.stream);
  checkWord('offset', key.offset);
  const n = out.length;
  for (let block = 0; block * 4 < n; block++) {
    const words = philox4x32([block, key.offset, 0, 0], [key.seed, key.stream]);
    for (let lane = 0; lane < 4 && block * 4 + lane < n; lane++) {
      out[block * 4 + lane] = sampleLane(words, lane, draw);
    }
  }
}

function sampleLane(words: readonly number[], lane: number, draw: RandomDraw): number {
  switch (draw.kind) {
    case 'uniform':
      return draw.low + (draw.high - draw.low) * wordToUnit(words[lane]);
    case 'randint':
      // Modulo reduction: bias ≤ (high − low) / 2^32, far below anything measurable here.
      return draw.low + (words[lane] % (draw.high - draw.low));
    case 'normal': {
      // Box–Muller on the pair (words[2p], words[2p+1]): cos for the even lane, sin for the odd.
      const p = lane >> 1;
      const r = Math.sqrt(-2 * Math.log(wordToUnitOpenZero(words[2 * p])));
      const theta = 2 * Math.PI * wordToUnit(words[2 * p + 1]);
      const z = lane % 2 === 0 ? r * Math.cos(theta) : r * Math.sin(theta);
      return draw.mean + draw.std * z;
    }
  }
}

/**
 * Position i of a random permutation of 0 … n−1 drawn with `key`: an 8-round Feistel network
 * over 2·half bits (the smallest 2^(2·half) ≥ n) whose round function is Philox, walked until
 * the value falls below n ("cycle walking" keeps it a bijection of 0 … n−1). Each position is
 * computed on its own, so a GPU thread per row finds its data index without a shuffle pass;
 * shaders/philox.wgsl has the same function.
 */
export function permutationIndex(i: number, n: number, key: RandomKey): number {
  let half = 1;
  while (2 ** (2 * half) < n) half++;
  const mask = 2 ** half - 1;
  let x = i;
  for (;;) {
    let left = x >>> half;
    let right = x & mask;
    // 8 rounds: with 4, tiny domains (n = 5: 2-bit halves) came out measurably non-uniform.
    for (let round = 0; round < 8; round++) {
      const f = philox4x32([right, key.offset, round, 1], [key.seed, key.stream])[0] & mask;
      [left, right] = [right, left ^ f];
    }
    x = ((left << half) | right) >>> 0;
    if (x < n) return x;
  }
}

/** The whole permutation of 0 … n−1 that permutationIndex describes. */
export function randomPermutation(n: number, key: RandomKey): Int32Array {
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 30) throw new RangeError(`random: a permutation needs n in [1, 2^30], got ${n}`);
  checkWord('seed', key.seed);
  checkWord('stream', key.stream);
  checkWord('offset', key.offset);
  return Int32Array.from({ length: n }, (_, i) => permutationIndex(i, n, key));
}

/** Hands out keys for successive draws: same (seed, stream) → same sequence of draws. */
export class Rng {
  /** How many draws it has handed out: the next draw's position in the stream. */
  offset = 0;

  /**
   * A generator at the start of stream `stream` of `seed`. Throws a RangeError unless both are
   * 32-bit unsigned integers.
   */
  constructor(readonly seed: number, readonly stream = 0) {
    checkWord('seed', seed);
    checkWord('stream', stream);
  }

  /** The key for the next draw; advances the position by one. */
  next(): RandomKey {
    return { seed: this.seed, stream: this.stream, offset: this.offset++ };
  }

  /** An independent generator with the same seed on another stream. */
  fork(stream: number): Rng {
    return new Rng(this.seed, stream);
  }

  // Host-side draws, for data made on the host (the CPU backend uses fillRandom directly).
  /** n uniform samples in [low, high), drawn on the host; one draw. */
  uniform(n: number, low = 0, high = 1): Float32Array {
    const out = new Float32Array(n);
    fillRandom(out, this.next(), { kind: 'uniform', low, high });
    return out;
  }

  /** n Normal(mean, std) samples, drawn on the host; one draw. */
  normal(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    fillRandom(out, this.next(), { kind: 'normal', mean, std });
    return out;
  }

  /** A random permutation of 0 … n−1 (randomPermutation), one draw. */
  permutation(n: number): Int32Array {
    return randomPermutation(n, this.next());
  }

  /** n integers uniform in [low, high), drawn on the host; one draw. */
  randint(n: number, low: number, high: number): Int32Array {
    const out = new Int32Array(n);
    fillRandom(out, this.next(), { kind: 'randint', low, high });
    return out;
  }
}
