// Sampling for the CLI, with progress and the frames of the reverse process, refusing samples
// that are not finite (ddpm/finite-samples.ts); and the pictures made from them written as PNGs, atomically (each
// workload draws its own: ddpm/points/pictures.ts, ddpm/images/pictures.ts).

import type * as E from '../engine/index.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import { encodePng } from '../ddpm/plot/png.js';
import type { Raster } from '../ddpm/plot/raster.js';
import { finiteBatches } from '../ddpm/finite-samples.js';
import { generateBatches, type BatchHandler, type Generated, type GenerateOptions } from '../ddpm/generate.js';
import type { SamplingFields } from '../ddpm/config.js';
import { writeFileAtomic } from '../app-support/files.js';
import { Progress } from '../app-support/progress.js';
import { samplingBatch } from '../app-support/size-limits.js';

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
 * Samples n points (or images) with progress on stderr, keeping ten frames for the reverse
 * process; `source` names the model in the error if its samples are not finite.
 */
export async function generateWithProgress(model: NoisePredictor, config: SamplingFields, device: E.Backend,
  options: Omit<GenerateOptions, 'frames' | 'onFrame' | 'onStep'>, source: string): Promise<Generated> {
  const points = new Float32Array(options.n * model.dataDim);
  const { frames, seconds } = await generateBatchesWithProgress(model, config, device, options, source,
    (drawn, first) => points.set(drawn, first * model.dataDim));
  return { points, frames, seconds };
}

/** generateWithProgress handing each batch to `onBatch` as it is drawn (and checked), keeping none (ddpm/generate.ts generateBatches). */
export async function generateBatchesWithProgress(model: NoisePredictor, config: SamplingFields, device: E.Backend,
  options: Omit<GenerateOptions, 'frames' | 'onFrame' | 'onStep'>, source: string, onBatch: BatchHandler): Promise<Omit<Generated, 'points'>> {
  return generateBatches(model, config, device, { batch: samplingBatch(model, device), ...options, onStep: progressBar(model, options) },
    finiteBatches(source, model.dataDim, onBatch));
}

export function writePicture(path: string, picture: Raster): void {
  writeFileAtomic(path, encodePng(picture.width, picture.height, picture.rgba));
}
