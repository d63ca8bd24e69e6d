// Drawing samples from a model as a user sees them: in data units (divided by the config's data
// scale), from a seed (the sampling stream Rng(seed, 2), the same in the CLI and in the browser
// page, so a seed names the same points everywhere), with evenly spaced frames of the reverse
// process x_T … x_0 read back along the way. Many samples are drawn in batches (the hidden
// activations of 10 million points would take gigabytes): batch after batch from the same
// stream, so the first batch is what a run of that many samples gives, and the frames are the
// first batch's. generateBatches hands each batch on as it is drawn and keeps none (a file is
// written as the samples come, in the memory of one batch); generate keeps them all.

import { Rng, type Backend } from '../engine/index.js';
import type { SamplingFields } from './config.js';
import type { NoisePredictor } from './noise-predictor.js';
import { sample, type SampleOptions } from './sample.js';
import { makeSchedule } from './schedules.js';

/**
 * One frame of the reverse process read back while sampling: its timestep, its place among the
 * frames, and the first batch's samples at that step.
 */
export interface Frame {
  /** The timestep just taken (T for x_T). */
  t: number;
  /** Step i of count (0 for x_T). */
  i: number;
  count: number;
  /** [n, dataDim] in data units. */
  points: Float32Array;
}

/**
 * What generate and generateBatches take: sample's options with a seed in place of the random
 * stream, how many frames to read back, and callbacks for frames and progress.
 */
export interface GenerateOptions extends Omit<SampleOptions, 'rng' | 'onStep'> {
  seed: number;
  /** How many frames to read back, evenly spaced from x_T to x_0 (default 10; 0 for none; at most every step). */
  frames?: number;
  /** Called with each frame as it is read back (before the next step runs). */
  onFrame?: (frame: Frame) => void | Promise<void>;
  /** Called for progress, at x_T and every twentieth of the steps: step i of count, in batch `batch` (from 1) of `batches`. */
  onStep?: (i: number, count: number, batch: number, batches: number) => void;
  /** Samples per batch (default: sampleBatch(dataDim, widestPerSample)). */
  batch?: number;
}

/**
 * Samples per batch: 2²² over the data's width (at least 64) — 65 536 points of the S-curve,
 * 5 349 images of 28×28 — so a batch's widest activations stay at tens of MB; for a network
 * whose widest tensor holds `widest` values a sample (a U-Net's widest activation), at most 2²²
 * of them (16 MiB: a forward pass holds its activations until the step ends, several times its
 * widest, so a batch stays at a few hundred MB, well inside WebGPU's smallest storage binding,
 * 128 MiB, for any one tensor): 55 images for the 28×28 U-Net.
 */
export function sampleBatch(dataDim: number, widest?: number): number {
  const byData = Math.max(1, Math.floor(2 ** 22 / Math.max(dataDim, 64)));
  return widest === undefined ? byData : Math.max(1, Math.min(byData, Math.floor(2 ** 22 / widest)));
}

/** What generate returns: the samples in data units, the frames read back, and the time it took. */
export interface Generated {
  /** [n, dataDim], in data units. */
  points: Float32Array;
  frames: Frame[];
  seconds: number;
}

/** Progress reports per batch (onStep): at every twentieth of its steps. */
const PROGRESS_POINTS = 20;

/** A batch of samples as it is drawn: [rows, dataDim] in data units, rows first … first + rows − 1 of the n. */
export type BatchHandler = (points: Float32Array, first: number) => void | Promise<void>;

/**
 * Samples n points batch by batch, handing each batch to `onBatch` as soon as it is drawn and
 * keeping none of them (so a writer can stream millions of samples in the memory of one batch);
 * keeps `frames` frames of the reverse process (of the first batch).
 */
export async function generateBatches(model: NoisePredictor, config: SamplingFields, device: Backend, options: GenerateOptions,
  onBatch: BatchHandler): Promise<Omit<Generated, 'points'>> {
  const { seed, frames: wanted = 10, onFrame, onStep, batch = sampleBatch(model.dataDim, model.widestPerSample), n, ...sampleOptions } = options;
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`generate: batch must be a positive integer, got ${batch}`);
  const schedule = makeSchedule(config.schedule, config.timesteps);
  const frames: Frame[] = [];
  const toData = (a: Float32Array): Float32Array => a.map((v) => v / config.dataScale);
  const start = performance.now();
  const rng = new Rng(seed, 2);
  const batches = Math.ceil(n / batch);
  for (let b = 0; b < batches; b++) {
    const rows = Math.min(batch, n - b * batch);
    // Only the frames' steps (and, for progress, every twentieth of the run) are looked at: the
    // fused sampler runs the steps between them as one dispatch.
    const wantFrames = b === 0 && wanted > 0;
    // Frame k of `wanted` sits at step round(k·count / last), last = min(wanted, count + 1) − 1.
    const frameStep = (i: number, count: number): boolean => {
      const last = Math.min(wanted, count + 1) - 1;
      return wantFrames && last > 0 && Math.round((Math.round((i * last) / count) * count) / last) === i;
    };
    const progressStep = (i: number, count: number): boolean =>
      onStep !== undefined && Math.floor((i * PROGRESS_POINTS) / count) !== Math.floor(((i - 1) * PROGRESS_POINTS) / count);
    const x = await sample(model, schedule, device, {
      ...sampleOptions,
      n: rows,
      rng,
      visit: (i, count) => frameStep(i, count) || progressStep(i, count),
      onStep: !wantFrames && onStep === undefined ? undefined : async (x, { i, count, t }) => {
        if (frameStep(i, count)) {
          const frame = { t, i, count, points: toData((await x.toArray()) as Float32Array) };
          frames.push(frame);
          await onFrame?.(frame);
        }
        onStep?.(i, count, b + 1, batches);
      },
    });
    const drawn = toData((await x.toArray()) as Float32Array);
    x.dispose();
    await onBatch(drawn, b * batch);
  }
  return { frames, seconds: (performance.now() - start) / 1000 };
}

/** Samples n points (all of them kept, [n, dataDim]); keeps `frames` frames of the reverse process (of the first batch). */
export async function generate(model: NoisePredictor, config: SamplingFields, device: Backend, options: GenerateOptions): Promise<Generated> {
  const points = new Float32Array(options.n * model.dataDim);
  const { frames, seconds } = await generateBatches(model, config, device, options, (drawn, first) => points.set(drawn, first * model.dataDim));
  return { points, frames, seconds };
}
