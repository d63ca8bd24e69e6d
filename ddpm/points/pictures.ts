// The points workload's pictures (ddpm/plot draws them; the CLI writes them as PNGs):
//   samples.png   generated points beside fresh data points, with their quality
//   reverse.png   x_T … x_0, the reverse process as a strip of frames
//   loss.png      the loss per epoch

import type { Generated } from '../generate.js';
import { lossFigure, reverseFigure, samplesFigure } from '../plot/figures.js';
import type { Raster } from '../plot/raster.js';
import type { ModelConfig } from './config.js';
import { makeDataset } from './data.js';
import { formatQuality, type QualityReport } from './quality.js';

export const describePointsRun = (c: ModelConfig): string => `${c.dataset}, preset ${c.preset}, ${c.schedule} schedule, T = ${c.timesteps}`;

/** `epoch`: a preview drawn during training, titled with its epoch. */
export function samplesPicture(points: Float32Array, config: ModelConfig, sampler: string, quality: QualityReport, epoch?: number): Raster {
  const data = makeDataset(config.dataset, points.length / 2, 1_000_001);
  return samplesFigure(points, data, {
    title: `${points.length / 2} samples (${sampler} sampler) vs data · ${epoch !== undefined ? `epoch ${epoch} · ` : ''}${describePointsRun(config)}`,
    generatedLabel: 'generated', dataLabel: 'data', footer: formatQuality(quality),
  });
}

export function reversePicture(frames: Generated['frames'], config: ModelConfig, sampler: string): Raster {
  return reverseFigure(frames, { title: `reverse process x_T … x_0 (${sampler} sampler) · ${describePointsRun(config)}` });
}

export function lossPicture(losses: readonly number[], config: ModelConfig): Raster {
  return lossFigure(losses, { title: `training loss per epoch · ${describePointsRun(config)}`, xlabel: 'epoch', ylabel: 'loss', logY: true });
}
