// Judging samples without a person (docs/workload.md §7): the sliced Wasserstein-1 distance
// between two 2-D point sets — the mean, over many random directions, of the 1-D Wasserstein-1
// distance between the projections (sort both, average |a_i − b_i|). Fixed directions (seeded),
// so numbers from different runs compare. Printed beside two anchors: two independent data draws
// (the floor) and data vs N(0, I) (what an untrained model would give).

import { Rng } from '../../engine/index.js';
import { makeDataset, type DatasetName } from './data.js';

/** Sliced W1 between point sets a and b ([n, 2] each, same n), over `directions` directions. */
export function slicedWasserstein(a: Float32Array, b: Float32Array, directions = 256, seed = 0): number {
  if (a.length !== b.length || a.length % 2 !== 0 || a.length === 0) {
    throw new Error(`slicedWasserstein: expected two [n, 2] sets of equal size, got ${a.length / 2} and ${b.length / 2} points`);
  }
  const n = a.length / 2;
  const angles = new Rng(seed, 0x51ced).uniform(directions, 0, Math.PI); // a line has two ends: [0, π)
  const pa = new Float64Array(n), pb = new Float64Array(n);
  let total = 0;
  for (const angle of angles) {
    const [c, s] = [Math.cos(angle), Math.sin(angle)];
    for (let i = 0; i < n; i++) {
      pa[i] = a[2 * i] * c + a[2 * i + 1] * s;
      pb[i] = b[2 * i] * c + b[2 * i + 1] * s;
    }
    pa.sort();
    pb.sort();
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.abs(pa[i] - pb[i]);
    total += sum / n;
  }
  return total / directions;
}

/** Fixed seeds for the evaluation data, so numbers from different runs compare. */
const FRESH_SEED = 1_000_001;
const SECOND_DRAW_SEED = 1_000_002;

/**
 * How close generated points are to the data (judgeSamples): their sliced W1 distance, beside what
 * a perfect model and an untrained one would score.
 */
export interface QualityReport {
  /** Sliced W1 between the generated points and n fresh data points. */
  slicedW1: number;
  /** The same between two independent data draws: what a perfect model would get. */
  floor: number;
  /** The same between N(0, I) and the data: what an untrained model would get, roughly. */
  gaussian: number;
  n: number;
  directions: number;
}

/** Judges generated points [n, 2] (in data units) against fresh draws of their data set. */
export function judgeSamples(generated: Float32Array, dataset: DatasetName, directions = 256): QualityReport {
  const n = generated.length / 2;
  const fresh = makeDataset(dataset, n, FRESH_SEED);
  return {
    slicedW1: slicedWasserstein(generated, fresh, directions),
    floor: slicedWasserstein(makeDataset(dataset, n, SECOND_DRAW_SEED), fresh, directions),
    gaussian: slicedWasserstein(new Rng(FRESH_SEED, 0x6a055).normal(2 * n), fresh, directions),
    n,
    directions,
  };
}

/** "sliced W1 0.0123 (floor 0.0012, N(0,I) 0.707; n = 10000)". */
export function formatQuality(q: QualityReport): string {
  const f = (v: number): string => v.toPrecision(3);
  return `sliced W1 ${f(q.slicedW1)} (data-vs-data floor ${f(q.floor)}, N(0,I)-vs-data ${f(q.gaussian)}; n = ${q.n})`;
}

/** One of --seeds' runs: its seed, its steps and seconds, and its quality. */
export interface SeedRun {
  seed: number;
  steps: number;
  trainSeconds: number;
  quality: Pick<QualityReport, 'slicedW1' | 'floor'>;
}

/** The runs' table, and the mean and sample standard deviation of sliced W1 (and its ratio to the floor). */
export function seedsTable(results: readonly SeedRun[]): { lines: string[]; summary: { mean: number; sd: number; floor: number; mean_over_floor: number } } {
  const w1 = results.map((r) => r.quality.slicedW1);
  const mean = w1.reduce((a, b) => a + b, 0) / w1.length;
  const sd = w1.length > 1 ? Math.sqrt(w1.reduce((a, b) => a + (b - mean) ** 2, 0) / (w1.length - 1)) : 0;
  const floor = results.reduce((a, r) => a + r.quality.floor, 0) / results.length;
  const lines = [
    'seed   steps   train s   sliced W1   floor',
    ...results.map((r) => `${String(r.seed).padEnd(6)} ${String(r.steps).padStart(6)}  ${r.trainSeconds.toFixed(1).padStart(8)}   ${r.quality.slicedW1.toFixed(5)}     ${r.quality.floor.toFixed(5)}`),
    `sliced W1 over ${results.length} seeds: mean ${mean.toFixed(5)}, sd ${sd.toFixed(5)} (${(mean / floor).toFixed(2)}× the data-vs-data floor ${floor.toFixed(5)})`,
  ];
  return { lines, summary: { mean, sd, floor, mean_over_floor: mean / floor } };
}
