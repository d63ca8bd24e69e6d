// What an image model is (the config its checkpoint carries) and the image workload's defaults:
// Ho et al.'s linear schedule (β from 1e-4 to 0.02) over T = 1000 steps, DDIM with 50 steps as
// the sampler when none is asked for. In __metadata__.config the keys are snake_case:
// {"model":"MLPImageDiffusion","dataset":"mnist","image_size":[28,28],"n_steps":1000,…}.

import { configFields, oneOf, positiveInt } from '../config.js';
import { IMAGE_DATASETS, type ImageDatasetName } from './data.js';
import { SAMPLERS, type SamplerName } from '../sample.js';
import { SCHEDULES, type ScheduleName } from '../schedules.js';

export interface ImageModelConfig {
  model: 'MLPImageDiffusion';
  dataset: ImageDatasetName;
  /** Pixels per row and per column. */
  width: number;
  height: number;
  /** T. */
  numSteps: number;
  schedule: ScheduleName;
  /** Width and number of the hidden layers; width of the sinusoidal timestep embedding. */
  hidden: number;
  depth: number;
  timeDim: number;
  /**
   * The training images' variance about their mean image, for the Wiener preconditioning (the
   * mean itself is the checkpoint's `data_mean` tensor); null: the network predicts ε directly.
   */
  dataVariance: number | null;
  /**
   * The preconditioning takes a variance per pixel (the checkpoint's `data_pixel_variance`
   * tensor) rather than dataVariance alone: a diagonal Wiener filter (ddpm/image/model.ts).
   */
  pixelVariance: boolean;
  /** The sampler used when none is asked for, and DDIM's number of steps. */
  sampler: SamplerName;
  samplingSteps: number;
}

export const IMAGE_DEFAULTS = {
  numSteps: 1000, schedule: 'linear', hidden: 256, depth: 3, timeDim: 128, sampler: 'ddim', samplingSteps: 50,
} as const satisfies Partial<ImageModelConfig>;

/**
 * The image runs' optimisation: Adam's learning rate, a weight average's decay (0: none) and the
 * learning-rate schedule (measured in README, "Images": with them and the per-pixel
 * preconditioning the default run's confident share went from 41 % to 51 %).
 */
export const IMAGE_OPTIMIZER_DEFAULTS = { lr: 3e-3, ema: 0.999, decay: 'cosine', warmupSteps: 100, floor: 0.1 } as const;

/** The network sees images as they are (in [−1, 1]): what sampling needs of the config. */
export const samplingConfig = (c: ImageModelConfig): { schedule: ScheduleName; numSteps: number; dataScale: number } =>
  ({ schedule: c.schedule, numSteps: c.numSteps, dataScale: 1 });

export function imageConfigJson(c: ImageModelConfig): string {
  return JSON.stringify({
    model: c.model, dataset: c.dataset, image_size: [c.height, c.width], n_steps: c.numSteps, schedule: c.schedule,
    num_units: c.hidden, depth: c.depth, time_dim: c.timeDim, data_variance: c.dataVariance, pixel_variance: c.pixelVariance,
    sampler: c.sampler, sampling_steps: c.samplingSteps,
  });
}

/** An ImageModelConfig from its JSON, every field checked (the message names the field). */
export function parseImageConfig(json: string): ImageModelConfig {
  const field = configFields(json);
  const model = field<'MLPImageDiffusion'>('model', (v) => v === 'MLPImageDiffusion', '"MLPImageDiffusion"');
  const size = field<[number, number]>('image_size', (v) => Array.isArray(v) && v.length === 2 && v.every(positiveInt), '[height, width]');
  const timeDim = field<number>('time_dim', (v) => positiveInt(v) && (v as number) % 2 === 0 && (v as number) >= 4, 'an even integer ≥ 4');
  const config: ImageModelConfig = {
    model,
    dataset: field('dataset', oneOf(IMAGE_DATASETS), `one of ${IMAGE_DATASETS.join(', ')}`),
    height: size[0], width: size[1],
    numSteps: field('n_steps', positiveInt, 'a positive integer'),
    schedule: field('schedule', oneOf(SCHEDULES), `one of ${SCHEDULES.join(', ')}`),
    hidden: field('num_units', positiveInt, 'a positive integer'),
    depth: field('depth', positiveInt, 'a positive integer'),
    timeDim,
    dataVariance: field('data_variance', (v) => v === null || (typeof v === 'number' && v > 0 && Number.isFinite(v)), 'a positive number or null'),
    // absent in files written before per-pixel variances
    pixelVariance: field('pixel_variance', (v) => v === undefined || typeof v === 'boolean', 'true or false') ?? false,
    sampler: field('sampler', oneOf(SAMPLERS), `one of ${SAMPLERS.join(', ')}`),
    samplingSteps: field('sampling_steps', positiveInt, 'a positive integer'),
  };
  if (config.samplingSteps > config.numSteps) {
    throw new Error(`__metadata__.config.sampling_steps ${config.samplingSteps} exceeds n_steps ${config.numSteps}`);
  }
  return config;
}
