// The images workload: 28×28 MNIST and Fashion-MNIST (data.ts), MLPImageDiffusion (model.ts) or
// UNetDiffusion (unet.ts), their config (config.ts) and model file (checkpoint.ts), a classifier
// that judges what they draw (classifier.ts, quality.ts) and their pictures (pictures.ts).

import type { Workload } from '../workload.js';
import { decodeImageModel, encodeImageModel, type ImageModel } from './checkpoint.js';
import { IMAGE_MODELS, imageConfigJson, parseImageConfig, samplingConfig, type ImageModelConfig } from './config.js';
import { IMAGE_DATASETS } from './data.js';
import { describeImageRun, imageLossPicture } from './pictures.js';

/** The image workload (MNIST, Fashion-MNIST; an MLP or a U-Net) behind the Workload interface. */
export const IMAGES: Workload<ImageModelConfig, ImageModel> = {
  name: 'images',
  datasets: IMAGE_DATASETS,
  models: IMAGE_MODELS,
  samplesAre: 'images',
  configJson: imageConfigJson,
  parseConfig: parseImageConfig,
  samplingConfig,
  // DDIM with the checkpoint's steps unless told otherwise.
  samplerDefaults: (c) => ({ sampler: c.sampler, sampleSteps: c.samplingSteps }),
  encodeModel: encodeImageModel,
  decodeModel: decodeImageModel,
  dispose: (model) => model.dispose(),
  describeRun: describeImageRun,
  lossPicture: imageLossPicture,
};
