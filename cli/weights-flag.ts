// `ddpm sample --weights`: which of a run's weights to sample with. A run that keeps a weight
// average (ddpm train --ema) saves the average as its model.safetensors and the trained weights
// in its train-state.safetensors (raw.<key>; ddpm/checkpoint.ts): `saved` samples the model
// file's weights, `trained` loads the trained ones from the train state beside it.

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import { trainedWeights, type CheckpointStamp } from '../ddpm/checkpoint.js';
import { flag } from '../app-support/args.js';
import { readSafetensorsOrFail } from '../app-support/files.js';
import { STATE_FILE } from '../app-support/run-folder.js';

export const WEIGHTS_FLAG = flag({
  name: 'weights', kind: 'string', choices: ['saved', 'trained'], default: 'saved',
  help: "saved: model.safetensors' (the weight average of a run that keeps one); trained: the trained weights from train-state.safetensors beside it",
});

/** Which run and epoch a checkpoint file is (its __metadata__ run_id and epoch, either perhaps absent). */
type Stamp = Partial<Pick<CheckpointStamp, 'epoch' | 'runId'>>;

/**
 * With --weights trained, loads the trained weights of `checkpoint`'s run into `model` from the
 * train state beside it — which must be the same save (run id and epoch) as the model file, not
 * another run's state copied there; returns a line saying which weights are sampled (`saved`:
 * the model file's __metadata__.weights).
 */
export function chooseWeights(f: { readonly weights?: 'saved' | 'trained' }, model: E.Module, checkpoint: string, saved: string | undefined,
  stamp: Stamp): string {
  if (f.weights !== 'trained') return `weights: ${saved ?? 'as saved'}`;
  const file = join(checkpoint, '..', STATE_FILE);
  const trained = trainedWeights(readSafetensorsOrFail(file, 'train state'), file);
  if (trained.runId !== stamp.runId || trained.epoch !== stamp.epoch) {
    const describe = (s: Stamp): string => `epoch ${s.epoch ?? '(none)'} of run ${s.runId ?? '(none)'}`;
    throw new Error(`--weights trained: ${file} is ${describe(trained)} but ${checkpoint} is ${describe(stamp)}: ` +
      'they are not one checkpoint, so its trained weights are not this model\'s');
  }
  model.loadStateDict(trained.weights);
  return `weights: trained (from ${file}; the model file holds ${saved ?? 'its own'})`;
}
