// `ddpm sample --weights`: which of a run's weights to sample with. A run that keeps a weight
// average (ddpm train --ema) saves the average as its model.safetensors and the trained weights
// in its train-state.safetensors (raw.<key>; ddpm/checkpoint.ts): `saved` samples the model
// file's weights, `trained` loads the trained ones from the train state beside it.

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import { trainedWeights } from '../ddpm/checkpoint.js';
import { flag } from './args.js';
import { readSafetensorsOrFail } from './files.js';
import { STATE_FILE } from './run-folder.js';

export const WEIGHTS_FLAG = flag({
  name: 'weights', kind: 'string', choices: ['saved', 'trained'], default: 'saved',
  help: "saved: model.safetensors' (the weight average of a run that keeps one); trained: the trained weights from train-state.safetensors beside it",
});

/**
 * With --weights trained, loads the trained weights of `checkpoint`'s run into `model`; returns a
 * line saying which weights are sampled (`saved`: the model file's __metadata__.weights).
 */
export function chooseWeights(f: { readonly weights?: 'saved' | 'trained' }, model: E.Module, checkpoint: string, saved: string | undefined): string {
  if (f.weights !== 'trained') return `weights: ${saved ?? 'as saved'}`;
  const file = join(checkpoint, '..', STATE_FILE);
  model.loadStateDict(trainedWeights(readSafetensorsOrFail(file, 'train state'), file));
  return `weights: trained (from ${file}; the model file holds ${saved ?? 'its own'})`;
}
