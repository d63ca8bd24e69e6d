// The image workload's pictures (ddpm/plot draws them; the CLI writes them as PNGs, the page shows them):
//   samples.png   an 8×8 grid of samples, each captioned with the classifier's probability and
//                 class when there is a classifier
//   reverse.png   the reverse process x_T … x_0 for a few samples, one per row, one frame per column
//   loss.png      the loss per epoch

import type { Frame } from '../generate.js';
import { describeNetwork, type ImageModelConfig } from './config.js';
import { imageGrid } from '../plot/image-grid.js';
import { lossFigure } from '../plot/figures.js';
import type { Raster } from '../plot/raster.js';

export const describeImageRun = (c: ImageModelConfig): string =>
  `${c.dataset}, ${describeNetwork(c)}, ${c.schedule} schedule, T = ${c.timesteps}`;

export const describeSampler = (sampler: string, steps: number, eta?: number): string =>
  `${sampler === 'tutorial' ? 'tutorial' : sampler.toUpperCase()}, ${steps} steps${sampler === 'ddim' && eta ? `, η = ${eta}` : ''}`;

/** The first `count` images [n, H·W] in a grid of `columns`; `labels` (class, probability) become captions. */
export function imageSamplesPicture(images: Float32Array, config: ImageModelConfig, options: {
  sampler: string; steps: number; eta?: number; epoch?: number; count?: number; columns?: number;
  labels?: { classes: readonly string[]; labels: Int32Array; confidence: Float32Array };
}): Raster {
  const d = config.width * config.height;
  const shown = Math.min(options.count ?? 64, images.length / d);
  const l = options.labels;
  // The probability first: a long class name is what gets cut.
  const captions = l ? Array.from({ length: shown }, (_, i) => `${l.confidence[i].toFixed(2).replace(/^0/, '')} ${l.classes[l.labels[i]]}`) : undefined;
  const epoch = options.epoch !== undefined ? ` · epoch ${options.epoch}` : '';
  return imageGrid(images.subarray(0, shown * d), {
    width: config.width, height: config.height, columns: options.columns ?? 8, captions,
    title: `${shown} samples (${describeSampler(options.sampler, options.steps, options.eta)}) · ${describeImageRun(config)}${epoch}`,
  });
}

/** Rows: the first `rows` samples; columns: the frames from x_T to x_0, captioned with t on the first row. */
export function imageReversePicture(frames: readonly Frame[], config: ImageModelConfig, options: { sampler: string; steps: number; eta?: number; rows?: number }): Raster {
  if (frames.length === 0) throw new Error('imageReversePicture: no frames to draw');
  const d = config.width * config.height;
  const rows = Math.min(options.rows ?? 8, frames[0].points.length / d);
  const tiles = new Float32Array(rows * frames.length * d);
  const captions: string[] = [];
  for (let r = 0; r < rows; r++) {
    frames.forEach((frame, c) => {
      tiles.set(frame.points.subarray(r * d, (r + 1) * d), (r * frames.length + c) * d);
      captions.push(r === 0 ? `t=${frame.t}` : '');
    });
  }
  return imageGrid(tiles, {
    width: config.width, height: config.height, columns: frames.length, captions,
    title: `reverse process x_T … x_0 (${describeSampler(options.sampler, options.steps, options.eta)}) · ${describeImageRun(config)}`,
  });
}

export function imageLossPicture(losses: readonly number[], config: ImageModelConfig): Raster {
  return lossFigure(losses, { title: `training loss per epoch · ${describeImageRun(config)}`, xlabel: 'epoch', ylabel: 'loss', logY: true });
}
