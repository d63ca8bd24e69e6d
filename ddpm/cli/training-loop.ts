// The CLI's training loop, shared by the S-curve and the image workload: epochs up to the target
// with a progress line, a checkpoint every `saveEvery` epochs and at the end, and Ctrl-C stopping
// at the end of the current epoch (a second Ctrl-C quits at once); and reading back the
// checkpoint a --resume continues from.

import { join } from 'node:path';
import type * as E from '../../engine/index.js';
import type { NoisePredictor } from '../model.js';
import type { Trainer } from '../train.js';
import { readFileOrFail, resumeFolder } from './files.js';
import { Progress } from './progress.js';

export interface LoopResult {
  /** The epoch the loop started from (0, or a resumed run's). */
  firstEpoch: number;
  /** Training steps taken and the seconds they took (checkpoints included). */
  steps: number;
  seconds: number;
  /** True when Ctrl-C stopped the run before `epochs`. */
  stopped: boolean;
}

export async function trainWithCheckpoints<M extends NoisePredictor & E.Module>(trainer: Trainer<M>,
  options: { epochs: number; saveEvery: number; save: () => Promise<void> }): Promise<LoopResult> {
  const { epochs, saveEvery, save } = options;
  let stop = false;
  const onInterrupt = (): void => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this epoch to save a checkpoint (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onInterrupt);
  const firstEpoch = trainer.epoch;
  const progress = new Progress('train', epochs, 'epoch', process.stderr, 10, firstEpoch);
  const start = performance.now();
  try {
    while (trainer.epoch < epochs && !stop) {
      // Up to the next checkpoint (the fused engine reads losses back every --loss-every steps).
      const untilSave = saveEvery > 0 ? saveEvery - (trainer.epoch % saveEvery) : Infinity;
      await trainer.runEpochs(Math.min(epochs - trainer.epoch, untilSave), (losses) => {
        progress.update(trainer.epoch, `loss ${losses.at(-1)!.toFixed(4)}`, { count: (trainer.epoch - firstEpoch) * trainer.stepsPerEpoch, unit: 'steps' });
      });
      if (saveEvery > 0 && trainer.epoch % saveEvery === 0) await save();
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    progress.interrupt();
  }
  const seconds = (performance.now() - start) / 1000;
  await save();
  return { firstEpoch, steps: (trainer.epoch - firstEpoch) * trainer.stepsPerEpoch, seconds, stopped: stop };
}

/**
 * The model and train state in a --resume folder (or beside its model.safetensors), checked to
 * be one checkpoint: both files record the epoch, so a crash between the two writes is caught.
 */
export function readResumePair<M, S extends { epoch: number }>(resume: string,
  decodeModel: (bytes: Uint8Array, file: string) => { model: M; epoch?: number },
  decodeState: (bytes: Uint8Array, model: M, file: string) => S): { model: M; state: S } {
  const dir = resumeFolder(resume);
  const modelPath = join(dir, 'model.safetensors'), statePath = join(dir, 'train-state.safetensors');
  const { model, epoch } = decodeModel(readFileOrFail(modelPath, 'checkpoint'), modelPath);
  const state = decodeState(readFileOrFail(statePath, 'train state'), model, statePath);
  if (epoch !== state.epoch) {
    throw new Error(`${modelPath} is from epoch ${epoch ?? '(none recorded)'} but ${statePath} from epoch ${state.epoch}: ` +
      'they are not one checkpoint (was a save interrupted?)');
  }
  return { model, state };
}
