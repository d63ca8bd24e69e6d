// The points workload: the S-curve tutorial and the other 2-D data sets (data.ts), the
// tutorial's MLPDiffusion (model.ts), its config and presets (config.ts), its model file
// (checkpoint.ts), sliced W1 as its quality (quality.ts) and its pictures (pictures.ts).

import type { Workload } from '../workload.js';
import { decodeModel, encodeModel } from './checkpoint.js';
import { modelConfigJson, parseModelConfig, samplingConfig, type ModelConfig } from './config.js';
import { DATASETS } from './data.js';
import type { MLPDiffusion } from './model.js';
import { describePointsRun, lossPicture } from './pictures.js';

/** The points workload (the 2-D sets and MLPDiffusion) behind the Workload interface. */
export const POINTS: Workload<ModelConfig, MLPDiffusion> = {
  name: 'points',
  datasets: DATASETS,
  models: ['MLPDiffusion'],
  samplesAre: 'points',
  configJson: modelConfigJson,
  parseConfig: parseModelConfig,
  samplingConfig,
  // The S-curve's samplers walk all T steps unless told otherwise.
  samplerDefaults: (c) => ({ sampler: c.sampler }),
  encodeModel,
  decodeModel,
  dispose: (model) => { for (const p of model.parameters()) p.dispose(); },
  describeRun: describePointsRun,
  lossPicture,
};
