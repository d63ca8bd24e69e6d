// Checkpoints of the image workload as safetensors bytes (the CLI writes them atomically):
//   model.safetensors       the network's state_dict (MLPImageDiffusion: time_mlp.0.weight,
//                           layers.0.weight, …, out.bias; UNetDiffusion: conv_in.weight,
//                           down.0.conv1.weight, …, out_conv.bias) and, with the MLP's Wiener preconditioning, the training images'
//                           mean as `data_mean` [H·W] (a buffer, as PyTorch's register_buffer
//                           would store it) and, per pixel, their variance as
//                           `data_pixel_variance` [H·W]; the config (ddpm/images/config.ts) and
//                           the epoch in __metadata__
//   classifier.safetensors  the ImageClassifier that judges samples, with its data set, classes,
//                           width and held-out accuracy in __metadata__
// The train state (Adam's moments, …) is ddpm/checkpoint.ts's, shared with the S-curve.

import { Rng, type Backend } from '../../engine/index.js';
import { about, assertAllFinite, checkTensorShapes, hostStateDict, readStamp, stampMetadata, type CheckpointStamp } from '../checkpoint.js';
import { ImageClassifier } from './classifier.js';
import { configFields, oneOf, positiveInt, positiveIntUpTo, SIZE_LIMITS } from '../config.js';
import { describeNetwork, imageConfigJson, parseImageConfig, type ImageModelConfig } from './config.js';
import { MLPImageDiffusion } from './model.js';
import { UNetDiffusion } from './unet.js';
import { IMAGE_DATASETS, type ImageDatasetName } from './data.js';
import { decodeSafetensors, encodeSafetensors } from '../safetensors.js';
import { makeSchedule } from '../schedules.js';

const MEAN_KEY = 'data_mean';
const PIXEL_VARIANCE_KEY = 'data_pixel_variance';

/** What the Wiener preconditioning takes from the training images (ddpm/images/data.ts imageStatistics). */
export interface ImageStatistics {
  mean: Float32Array;
  /** [D]; needed when the config has pixelVariance. */
  pixelVariance: Float32Array | null;
}

/** Either image network. */
export type ImageModel = MLPImageDiffusion | UNetDiffusion;

/** A new network for `config` (the statistics are needed when the config has a data variance). */
export function buildImageModel(config: ImageModelConfig, rng: Rng, device: Backend, stats: ImageStatistics | null): ImageModel {
  const { width, height, timeDim, timesteps, dataVariance } = config;
  if (config.model === 'UNetDiffusion') {
    if (stats !== null) throw new Error('a UNetDiffusion predicts ε itself: it takes no data statistics');
    return new UNetDiffusion({ height, width, channels: config.channels, groups: config.groups, timeDim, timesteps }, rng, { device });
  }
  const { hidden, depth } = config;
  if ((dataVariance === null) !== (stats === null)) {
    throw new Error(`the Wiener preconditioning needs both the data's variance and its mean image (got ${dataVariance === null ? 'no' : 'a'} variance, ` +
      `${stats === null ? 'no' : 'a'} mean)`);
  }
  if (stats && config.pixelVariance && stats.pixelVariance === null) throw new Error('the config has pixel_variance but no variance per pixel was given');
  const preconditioning = dataVariance !== null && stats !== null ? {
    alphasBar: makeSchedule(config.schedule, timesteps).alphasBar, mean: stats.mean,
    variance: config.pixelVariance ? stats.pixelVariance! : dataVariance,
  } : undefined;
  return new MLPImageDiffusion({ dataDim: width * height, hidden, depth, timeDim, timesteps }, rng, { device, preconditioning });
}

/**
 * An image model's checkpoint (model.safetensors): its state_dict, the Wiener preconditioning's
 * statistics when it has them, its config and the save's stamp in the metadata. Throws when the
 * config is not the model's (another network, other preconditioning).
 */
export async function encodeImageModel(model: ImageModel, config: ImageModelConfig, stamp?: CheckpointStamp): Promise<Uint8Array> {
  if ((model instanceof UNetDiffusion) !== (config.model === 'UNetDiffusion')) {
    throw new Error(`encodeImageModel: the config is a ${config.model}'s, the model is not`);
  }
  const pre = model instanceof MLPImageDiffusion ? model.preconditioning : null;
  const perPixel = pre !== null && typeof pre.variance !== 'number';
  if ((pre === null) !== (config.dataVariance === null) || perPixel !== (pre !== null && config.pixelVariance) ||
    (pre && !perPixel && pre.variance !== config.dataVariance)) {
    throw new Error(`encodeImageModel: the config's data variance ${config.dataVariance}${config.pixelVariance ? ' (per pixel)' : ''} ` +
      `is not the model's ${pre === null ? null : perPixel ? 'variance per pixel' : pre.variance}`);
  }
  const tensors = await hostStateDict(model);
  if (pre) tensors.set(MEAN_KEY, { shape: [pre.mean.length], data: pre.mean });
  if (pre && typeof pre.variance !== 'number') tensors.set(PIXEL_VARIANCE_KEY, { shape: [pre.variance.length], data: pre.variance });
  return encodeSafetensors(tensors, { format: 'pt', config: imageConfigJson(config), ...stampMetadata(stamp) });
}

/** The network's state_dict keys and shapes for `config`, known without building it. */
export function imageModelShapes(config: ImageModelConfig): Map<string, number[]> {
  const { width, height, timeDim, timesteps } = config;
  return config.model === 'UNetDiffusion'
    ? UNetDiffusion.parameterShapes({ height, width, channels: config.channels, groups: config.groups, timeDim, timesteps })
    : MLPImageDiffusion.parameterShapes({ dataDim: width * height, hidden: config.hidden, depth: config.depth, timeDim, timesteps });
}

/** An image model on `device` from model.safetensors bytes, every key and shape checked before it is built. */
export function decodeImageModel(bytes: Uint8Array, device: Backend, file = 'model.safetensors'):
  { model: ImageModel; config: ImageModelConfig; epoch?: number; runId?: string; weights?: string } {
  return about(file, () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    assertAllFinite(tensors);
    if (metadata.config === undefined) throw new Error('no __metadata__.config: not a checkpoint of an image model');
    const config = parseImageConfig(metadata.config);
    const d = config.width * config.height;
    const mean = tensors.get(MEAN_KEY);
    if (config.dataVariance !== null) {
      if (mean === undefined) throw new Error(`the config has a data variance but the file has no '${MEAN_KEY}' [${d}]`);
      if (mean.data.length !== d) throw new Error(`'${MEAN_KEY}' has shape [${mean.shape.join(',')}], expected [${d}]`);
    } else if (mean !== undefined) {
      throw new Error(`'${MEAN_KEY}' is present but the config has no data variance (data_variance null)`);
    }
    const pixel = tensors.get(PIXEL_VARIANCE_KEY);
    if (config.pixelVariance && config.dataVariance !== null) {
      if (pixel === undefined) throw new Error(`the config has pixel_variance but the file has no '${PIXEL_VARIANCE_KEY}' [${d}]`);
      if (pixel.data.length !== d) throw new Error(`'${PIXEL_VARIANCE_KEY}' has shape [${pixel.shape.join(',')}], expected [${d}]`);
      const negative = pixel.data.findIndex((v) => v < 0);
      if (negative >= 0) throw new Error(`'${PIXEL_VARIANCE_KEY}' element ${negative} is ${pixel.data[negative]}: a variance is ≥ 0`);
    } else if (pixel !== undefined) {
      throw new Error(`'${PIXEL_VARIANCE_KEY}' is present but the config has no variance per pixel`);
    }
    tensors.delete(MEAN_KEY);
    tensors.delete(PIXEL_VARIANCE_KEY);
    const network = `${config.model === 'UNetDiffusion' ? 'a' : 'an'} ${config.model}`;
    checkTensorShapes(tensors, imageModelShapes(config), `${network} of ${config.height}×${config.width} images, ${describeNetwork(config)}, time_dim ${config.timeDim}`);
    // The initial weights are overwritten; a fixed seed just fills them.
    const model = buildImageModel(config, new Rng(0), device, mean ? { mean: mean.data, pixelVariance: pixel?.data ?? null } : null);
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      model.dispose();
      throw e;
    }
    return { model, config, ...readStamp(metadata) };
  });
}

/**
 * What a classifier checkpoint records besides the weights: its data set and class names, its
 * hidden width, its held-out accuracy and its epochs of training.
 */
export interface ClassifierInfo {
  dataset: ImageDatasetName;
  classes: readonly string[];
  hidden: number;
  /** Share of the held-out images it classifies right. */
  testAccuracy: number;
  epochs: number;
}

/**
 * An ImageClassifier's checkpoint (classifier.safetensors): its state_dict, with its info and input
 * size in the metadata.
 */
export async function encodeClassifier(model: ImageClassifier, info: ClassifierInfo): Promise<Uint8Array> {
  return encodeSafetensors(await hostStateDict(model), {
    format: 'pt',
    config: JSON.stringify({
      model: 'ImageClassifier', dataset: info.dataset, classes: info.classes, num_units: info.hidden,
      input_size: model.dataDim, test_accuracy: info.testAccuracy, epochs: info.epochs,
    }),
  });
}

/**
 * The ImageClassifier in classifier.safetensors' bytes, built on `device`, and its info. Throws a
 * CheckpointError naming the file and what is wrong (a field, a shape, a value not finite).
 */
export function decodeClassifier(bytes: Uint8Array, device: Backend, file = 'classifier.safetensors'): { model: ImageClassifier; info: ClassifierInfo } {
  return about(file, () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    assertAllFinite(tensors);
    const field = configFields(metadata.config ?? '');
    field('model', (v) => v === 'ImageClassifier', '"ImageClassifier"');
    const info: ClassifierInfo = {
      dataset: field('dataset', oneOf(IMAGE_DATASETS), `one of ${IMAGE_DATASETS.join(', ')}`),
      classes: field('classes', (v) => Array.isArray(v) && v.length >= 2 && v.every((c) => typeof c === 'string'), 'a list of ≥ 2 class names'),
      hidden: field('num_units', ...positiveIntUpTo(SIZE_LIMITS.width)),
      testAccuracy: field('test_accuracy', (v) => typeof v === 'number' && v >= 0 && v <= 1, 'a share in [0, 1]'),
      epochs: field('epochs', positiveInt, 'a positive integer'),
    };
    const inputs = field<number>('input_size', ...positiveIntUpTo(SIZE_LIMITS.imageSide ** 2));
    checkTensorShapes(tensors, ImageClassifier.parameterShapes(inputs, info.classes.length, info.hidden),
      `an ImageClassifier of ${inputs} inputs, ${info.hidden} hidden units (num_units) and ${info.classes.length} classes`);
    const model = new ImageClassifier(inputs, info.classes.length, new Rng(0), { hidden: info.hidden, device });
    try {
      model.loadStateDict(tensors);
    } catch (e) {
      for (const p of model.parameters()) p.dispose();
      throw e;
    }
    return { model, info };
  });
}
