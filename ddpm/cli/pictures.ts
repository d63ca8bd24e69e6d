// Sampling for the CLI, with progress and the frames of the reverse process, and the pictures
// made from the results (ddpm/plot draws them; this file writes PNGs, atomically).

import { join } from 'node:path';
import type * as E from '../../engine/index.js';
import type { ModelConfig } from '../config.js';
import { makeDataset } from '../data.js';
import type { MLPDiffusion, NoisePredictor } from '../model.js';
import { encodePng } from '../plot/png.js';
import { lossFigure, reverseFigure, samplesFigure } from '../plot/figures.js';
import type { Raster } from '../plot/raster.js';
import { formatQuality, judgeSamples, type QualityReport } from '../quality.js';
import type { SampleOptions } from '../sample.js';
import { generate, type Generated, type GenerateOptions, type SamplingConfig } from '../generate.js';
import { writeFileAtomic } from './files.js';
import { Progress } from './progress.js';

/** Samples n points (or images) with progress on stderr, keeping ten frames for the reverse process. */
export async function generateWithProgress(model: NoisePredictor, config: SamplingConfig, device: E.Backend,
  options: Omit<GenerateOptions, 'frames' | 'onFrame' | 'onStep'>): Promise<Generated> {
  let progress: Progress | null = null;
  return generate(model, config, device, {
    ...options,
    onStep: (i, count) => {
      progress ??= new Progress(`sample (${options.sampler})`, count, 'step');
      progress.update(i, `${options.n} ${model.dataDim === 2 ? 'points' : 'images'}`);
    },
  });
}

export function writePicture(path: string, picture: Raster): void {
  writeFileAtomic(path, encodePng(picture.width, picture.height, picture.rgba));
}

const describeRun = (c: ModelConfig): string => `${c.dataset}, preset ${c.preset}, ${c.schedule} schedule, T = ${c.numSteps}`;

export function samplesPicture(points: Float32Array, config: ModelConfig, sampler: string, quality: QualityReport): Raster {
  const data = makeDataset(config.dataset, points.length / 2, 1_000_001);
  return samplesFigure(points, data, {
    title: `${points.length / 2} samples (${sampler} sampler) vs data · ${describeRun(config)}`,
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
export async function drawSamples(model: MLPDiffusion, config: ModelConfig, device: E.Backend,
  options: { sampler: SampleOptions['sampler']; n: number; seed: number; out: string; engine: SampleOptions['engine'] }): Promise<Generated & { quality: QualityReport }> {
  const generated = await generateWithProgress(model, config, device, { sampler: options.sampler, n: options.n, seed: options.seed, engine: options.engine });
  const quality = judgeSamples(generated.points, config.dataset);
  console.log(`quality: ${formatQuality(quality)}`);
  writePicture(join(options.out, 'samples.png'), samplesPicture(generated.points, config, options.sampler, quality));
  writePicture(join(options.out, 'reverse.png'), reversePicture(generated.frames, config, options.sampler));
  return { ...generated, quality };
}
