// Sampling for the CLI, with progress and the frames of the reverse process, and the pictures
// made from the results (ddpm/plot draws them; this file writes PNGs, atomically).

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import type { ModelConfig } from '../ddpm/config.js';
import { makeDataset } from '../ddpm/data.js';
import type { MLPDiffusion } from '../ddpm/model.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import { encodePng } from '../ddpm/plot/png.js';
import { lossFigure, reverseFigure, samplesFigure } from '../ddpm/plot/figures.js';
import type { Raster } from '../ddpm/plot/raster.js';
import { formatQuality, judgeSamples, type QualityReport } from '../ddpm/quality.js';
import type { SampleOptions } from '../ddpm/sample.js';
import { generate, generateBatches, type BatchHandler, type Generated, type GenerateOptions, type SamplingConfig } from '../ddpm/generate.js';
import { writeFileAtomic } from '../app-support/files.js';
import { Progress } from '../app-support/progress.js';
import { samplingBatch } from './size-limits.js';

/** Progress on stderr for generate's onStep: one bar over every batch's steps. */
function progressBar(model: NoisePredictor, options: Pick<GenerateOptions, 'sampler' | 'n'>): NonNullable<GenerateOptions['onStep']> {
  let progress: Progress | null = null;
  const what = model.dataDim === 2 ? 'points' : 'images';
  return (i, count, batch, batches) => {
    progress ??= new Progress(`sample (${options.sampler})`, count * batches, 'step');
    progress.update((batch - 1) * count + i, batches > 1 ? `batch ${batch}/${batches} of ${options.n} ${what}` : `${options.n} ${what}`);
  };
}

/**
 * Samples that are NaN or infinite: the model does not sample numbers at all (its run diverged,
 * or is about to). An error, so that nothing is written or judged as if they were samples.
 */
export class NonFiniteSamples extends Error {
  constructor(source: string, readonly count: number, rows: number, first: number) {
    super(`${source} draws samples that are not finite: ${count} of the ${rows} in the batch from sample ${first} are NaN or ` +
      'infinite (did its run diverge? a checkpoint from earlier, or a lower --lr, may sample); no samples are written');
    this.name = 'NonFiniteSamples';
  }
}

/** `onBatch`, after each batch is checked to be finite (else NonFiniteSamples naming `source`, the model sampled). */
function finiteBatches(source: string, width: number, onBatch: BatchHandler): BatchHandler {
  return (points, first) => {
    const bad = countRows(points, width);
    if (bad > 0) throw new NonFiniteSamples(source, bad, points.length / width, first);
    return onBatch(points, first);
  };
}

/** Rows of `points` [rows, width] holding a value that is not finite. */
function countRows(points: Float32Array, width: number): number {
  let rows = 0;
  for (let r = 0; r < points.length; r += width) {
    for (let j = r; j < r + width; j++) {
      if (!Number.isFinite(points[j])) {
        rows++;
        break;
      }
    }
  }
  return rows;
}

/**
 * Samples n points (or images) with progress on stderr, keeping ten frames for the reverse
 * process; `source` names the model in the error if its samples are not finite.
 */
export async function generateWithProgress(model: NoisePredictor, config: SamplingConfig, device: E.Backend,
  options: Omit<GenerateOptions, 'frames' | 'onFrame' | 'onStep'>, source: string): Promise<Generated> {
  const points = new Float32Array(options.n * model.dataDim);
  const { frames, seconds } = await generateBatchesWithProgress(model, config, device, options, source,
    (drawn, first) => points.set(drawn, first * model.dataDim));
  return { points, frames, seconds };
}

/** generateWithProgress handing each batch to `onBatch` as it is drawn (and checked), keeping none (ddpm/generate.ts generateBatches). */
export async function generateBatchesWithProgress(model: NoisePredictor, config: SamplingConfig, device: E.Backend,
  options: Omit<GenerateOptions, 'frames' | 'onFrame' | 'onStep'>, source: string, onBatch: BatchHandler): Promise<Omit<Generated, 'points'>> {
  return generateBatches(model, config, device, { batch: samplingBatch(model, device), ...options, onStep: progressBar(model, options) },
    finiteBatches(source, model.dataDim, onBatch));
}

export function writePicture(path: string, picture: Raster): void {
  writeFileAtomic(path, encodePng(picture.width, picture.height, picture.rgba));
}

const describeRun = (c: ModelConfig): string => `${c.dataset}, preset ${c.preset}, ${c.schedule} schedule, T = ${c.numSteps}`;

/** `epoch`: a preview drawn during training, titled with its epoch. */
export function samplesPicture(points: Float32Array, config: ModelConfig, sampler: string, quality: QualityReport, epoch?: number): Raster {
  const data = makeDataset(config.dataset, points.length / 2, 1_000_001);
  return samplesFigure(points, data, {
    title: `${points.length / 2} samples (${sampler} sampler) vs data · ${epoch !== undefined ? `epoch ${epoch} · ` : ''}${describeRun(config)}`,
    generatedLabel: 'generated', dataLabel: 'data', footer: formatQuality(quality),
  });
}

export function reversePicture(frames: Generated['frames'], config: ModelConfig, sampler: string): Raster {
  return reverseFigure(frames, { title: `reverse process x_T … x_0 (${sampler} sampler) · ${describeRun(config)}` });
}

export function lossPicture(losses: number[], config: ModelConfig): Raster {
  return lossFigure(losses, { title: `training loss per epoch · ${describeRun(config)}`, xlabel: 'epoch', ylabel: 'loss', logY: true });
}

/** Train's closing step: samples, their quality, samples.png and reverse.png in `out`. */
export async function drawSamples(model: MLPDiffusion, config: ModelConfig, device: E.Backend, options: {
  sampler: SampleOptions['sampler']; n: number; seed: number; out: string; engine: SampleOptions['engine']; signal?: AbortSignal;
  /** The model, in words, for errors. */
  source: string;
}): Promise<Generated & { quality: QualityReport }> {
  const { sampler, n, seed, engine, signal } = options;
  const generated = await generateWithProgress(model, config, device, { sampler, n, seed, engine, signal }, options.source);
  const quality = judgeSamples(generated.points, config.dataset);
  console.log(`quality: ${formatQuality(quality)}`);
  writePicture(join(options.out, 'samples.png'), samplesPicture(generated.points, config, options.sampler, quality));
  writePicture(join(options.out, 'reverse.png'), reversePicture(generated.frames, config, options.sampler));
  return { ...generated, quality };
}

/** Points drawn at each checkpoint for a quick samples.png (about 10 s on the CPU path, 2 cores). */
export const PREVIEW_POINTS = 1000;

/**
 * A checkpoint's quick look: n points with the run's sampler, no frames and no progress line,
 * drawn into samples.png with their quality; null when `signal` stopped it.
 */
export async function previewSamples(model: MLPDiffusion, config: ModelConfig, device: E.Backend, options: {
  n: number; seed: number; out: string; engine: SampleOptions['engine']; signal: AbortSignal; epoch: number;
}): Promise<QualityReport | null> {
  const { n, seed, engine, signal, epoch } = options;
  let points: Float32Array;
  try {
    ({ points } = await generate(model, config, device, { sampler: config.sampler, n, seed, engine, signal, frames: 0, batch: samplingBatch(model, device) }));
  } catch (e) {
    if (signal.aborted) return null;
    throw e;
  }
  const quality = judgeSamples(points, config.dataset);
  writePicture(join(options.out, 'samples.png'), samplesPicture(points, config, config.sampler, quality, epoch));
  return quality;
}
