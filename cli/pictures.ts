// Sampling for the CLI, with progress and the frames of the reverse process, refusing samples
// that are not finite; and the pictures made from them written as PNGs, atomically (each
// workload draws its own: ddpm/points/pictures.ts, ddpm/images/pictures.ts).

import type * as E from '../engine/index.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import { encodePng } from '../ddpm/plot/png.js';
import type { Raster } from '../ddpm/plot/raster.js';
import { generateBatches, type BatchHandler, type Generated, type GenerateOptions, type SamplingConfig } from '../ddpm/generate.js';
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
