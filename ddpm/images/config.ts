// What an image model is (the config its checkpoint carries) and the image workload's defaults:
// Ho et al.'s linear schedule (β from 1e-4 to 0.02) over T = 1000 steps, DDIM with 50 steps as
// the sampler when none is asked for. Two networks: MLPImageDiffusion (ddpm/images/model.ts) and
// UNetDiffusion (ddpm/images/unet.ts). In __metadata__.config the keys are snake_case:
// {"model":"MLPImageDiffusion","dataset":"mnist","image_size":[28,28],"n_steps":1000,…}, a
// U-Net's with "channels":[32,64,64],"groups":8 in place of "num_units" and "depth".

import { configFields, oneOf, positiveInt, positiveIntUpTo, SIZE_LIMITS, type SamplingFields } from '../config.js';
import { IMAGE_DATASETS, type ImageDatasetName } from './data.js';
import { SAMPLERS, type SamplerName } from '../sample.js';
import { SCHEDULES, type ScheduleName } from '../schedules.js';

/** What both networks' configs hold. */
interface ImageConfigBase {
  dataset: ImageDatasetName;
  /** Pixels per row and per column. */
  width: number;
  height: number;
  /** T (n_steps in the file). */
  timesteps: number;
  schedule: ScheduleName;
  /** Width of the sinusoidal timestep embedding. */
  timeDim: number;
  /**
   * The training images' variance about their mean image, for the Wiener preconditioning (the
   * mean itself is the checkpoint's `data_mean` tensor); null: the network predicts ε directly.
   */
  dataVariance: number | null;
  /**
   * The preconditioning takes a variance per pixel (the checkpoint's `data_pixel_variance`
   * tensor) rather than dataVariance alone: a diagonal Wiener filter (ddpm/images/model.ts).
   */
  pixelVariance: boolean;
  /** The sampler used when none is asked for, and DDIM's number of steps. */
  sampler: SamplerName;
  samplingSteps: number;
}

export interface MLPImageConfig extends ImageConfigBase {
  model: 'MLPImageDiffusion';
  /** Width and number of the hidden layers. */
  hidden: number;
  depth: number;
}

/** A U-Net predicts ε itself: dataVariance null, pixelVariance false. */
export interface UNetImageConfig extends ImageConfigBase {
  model: 'UNetDiffusion';
  /** Channels per level, highest resolution first. */
  channels: number[];
  /** Groups of every group normalization. */
  groups: number;
}

/**
 * An image model's config, as its checkpoint carries it: an MLPImageDiffusion's or a
 * UNetDiffusion's.
 */
export type ImageModelConfig = MLPImageConfig | UNetImageConfig;
export type ImageModelName = ImageModelConfig['model'];
export const IMAGE_MODELS: readonly ImageModelName[] = ['MLPImageDiffusion', 'UNetDiffusion'];
export const isImageModelName = (name: string | null): name is ImageModelName => IMAGE_MODELS.some((m) => m === name);

/**
 * The image workload's defaults: T = 1000 on the linear schedule, the MLP's width 256, depth 3 and
 * time embedding 128, and DDIM with 50 steps for sampling.
 */
export const IMAGE_DEFAULTS = {
  timesteps: 1000, schedule: 'linear', hidden: 256, depth: 3, timeDim: 128, sampler: 'ddim', samplingSteps: 50,
} as const satisfies Partial<MLPImageConfig>;

/** The U-Net for 28×28 (levels at 28, 14 and 7; 649 761 parameters). */
export const UNET_DEFAULTS = { channels: [32, 64, 64], groups: 8 } as const;

/**
 * The image runs' optimisation: Adam's learning rate, a weight average's decay (0: none) and the
 * learning-rate schedule (measured in docs/images.md: with them and the per-pixel
 * preconditioning the default run's confident share went from 41 % to 51 %).
 */
export const IMAGE_OPTIMIZER_DEFAULTS = { lr: 3e-3, ema: 0.999, decay: 'cosine', warmupSteps: 100, floor: 0.1 } as const;

/** The network sees images as they are (in [−1, 1]): what sampling needs of the config. */
export const samplingConfig = (c: ImageModelConfig): SamplingFields => ({ schedule: c.schedule, timesteps: c.timesteps, dataScale: 1 });

/**
 * An image model's config as the JSON its checkpoint stores (PyTorch-style field names: n_steps,
 * image_size, num_units, time_dim, …); parseImageConfig reads it back.
 */
export function imageConfigJson(c: ImageModelConfig): string {
  const network = c.model === 'UNetDiffusion' ? { channels: c.channels, groups: c.groups } : { num_units: c.hidden, depth: c.depth };
  return JSON.stringify({
    model: c.model, dataset: c.dataset, image_size: [c.height, c.width], n_steps: c.timesteps, schedule: c.schedule,
    ...network, time_dim: c.timeDim, data_variance: c.dataVariance, pixel_variance: c.pixelVariance,
    sampler: c.sampler, sampling_steps: c.samplingSteps,
  });
}

/** The steps the run's sampler walks: DDIM's K, else all T. */
export const samplerSteps = (c: ImageModelConfig): number => (c.sampler === 'ddim' ? c.samplingSteps : c.timesteps);

/** "256×3 hidden" or "channels 32/64/64": the network in a few words. */
export const describeNetwork = (c: ImageModelConfig): string =>
  c.model === 'UNetDiffusion' ? `U-Net, channels ${c.channels.join('/')}` : `${c.hidden}×${c.depth} hidden`;

/** An ImageModelConfig from its JSON, every field checked (the message names the field). */
export function parseImageConfig(json: string): ImageModelConfig {
  const field = configFields(json);
  const model = field<ImageModelName>('model', oneOf(IMAGE_MODELS), `one of ${IMAGE_MODELS.map((m) => `"${m}"`).join(', ')}`);
  const [isSide, side] = positiveIntUpTo(SIZE_LIMITS.imageSide);
  const size = field<[number, number]>('image_size', (v) => Array.isArray(v) && v.length === 2 && v.every(isSide), `[height, width], each ${side}`);
  const timeDim = field<number>('time_dim', (v) => positiveInt(v) && (v as number) % 2 === 0 && (v as number) >= 4 && (v as number) <= SIZE_LIMITS.timeDim,
    `an even integer from 4 to ${SIZE_LIMITS.timeDim}`);
  const base: ImageConfigBase = {
    dataset: field('dataset', oneOf(IMAGE_DATASETS), `one of ${IMAGE_DATASETS.join(', ')}`),
    height: size[0], width: size[1],
    timesteps: field('n_steps', ...positiveIntUpTo(SIZE_LIMITS.timesteps)),
    schedule: field('schedule', oneOf(SCHEDULES), `one of ${SCHEDULES.join(', ')}`),
    timeDim,
    dataVariance: field('data_variance', (v) => v === null || (typeof v === 'number' && v > 0 && Number.isFinite(v)), 'a positive number or null'),
    // absent in files written before per-pixel variances
    pixelVariance: field('pixel_variance', (v) => v === undefined || typeof v === 'boolean', 'true or false') ?? false,
    sampler: field('sampler', oneOf(SAMPLERS), `one of ${SAMPLERS.join(', ')}`),
    samplingSteps: field('sampling_steps', positiveInt, 'a positive integer'),
  };
  const config: ImageModelConfig = model === 'UNetDiffusion'
    ? {
      ...base, model,
      channels: field('channels', (v) => Array.isArray(v) && v.length >= 1 && v.length <= SIZE_LIMITS.depth && v.every(positiveIntUpTo(SIZE_LIMITS.width)[0]),
        `a list of 1 to ${SIZE_LIMITS.depth} positive integers, each ≤ ${SIZE_LIMITS.width}`),
      groups: field('groups', ...positiveIntUpTo(SIZE_LIMITS.width)),
    }
    : {
      ...base, model, hidden: field('num_units', ...positiveIntUpTo(SIZE_LIMITS.width)), depth: field('depth', ...positiveIntUpTo(SIZE_LIMITS.depth)),
    };
  if (config.model === 'UNetDiffusion' && (config.dataVariance !== null || config.pixelVariance)) {
    throw new Error('__metadata__.config: a UNetDiffusion predicts ε itself; data_variance must be null and pixel_variance false');
  }
  if (config.samplingSteps > config.timesteps) {
    throw new Error(`__metadata__.config.sampling_steps ${config.samplingSteps} exceeds n_steps ${config.timesteps}`);
  }
  const tooLarge = stepTableProblem(config);
  if (tooLarge !== null) throw new Error(`__metadata__.config: ${tooLarge}`);
  return config;
}

/**
 * Why the tables a network keeps over every timestep would be too large (SIZE_LIMITS.stepTable
 * values): the sinusoids [n_steps, time_dim], and with a variance per pixel the Wiener
 * coefficients [n_steps, pixels]; null when they are not.
 */
export function stepTableProblem(c: ImageModelConfig): string | null {
  const limit = SIZE_LIMITS.stepTable;
  if (c.timesteps * c.timeDim > limit) {
    return `n_steps ${c.timesteps} × time_dim ${c.timeDim} = ${c.timesteps * c.timeDim} values in the timestep table, more than the ${limit} allowed`;
  }
  const pixels = c.width * c.height;
  if (c.pixelVariance && c.timesteps * pixels > limit) {
    return `n_steps ${c.timesteps} × ${pixels} pixels = ${c.timesteps * pixels} values in each table of the per-pixel preconditioning, more than the ${limit} allowed`;
  }
  return null;
}
