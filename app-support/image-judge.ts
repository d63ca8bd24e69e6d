// The classifier that judges an image run's samples (ddpm/images/classifier.ts), kept in the run's
// folder as classifier.safetensors: reused by later runs in that folder and by ddpm sample, or
// trained on the training images (with progress) and saved there when there is none for this
// data set (Node only).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as E from '../engine/index.js';
import { decodeClassifier, encodeClassifier, type ClassifierInfo } from '../ddpm/images/checkpoint.js';
import { accuracy, classify, trainClassifier, type ImageClassifier } from '../ddpm/images/classifier.js';
import { readFileOrFail, readSafetensorsOrFail, writeFileAtomic } from './files.js';
import type { ImageSplits } from './image-files.js';
import { Progress } from './progress.js';

/** The judging classifier's width, epochs (unless --classifier-epochs) and learning rate. */
export const CLASSIFIER = { hidden: 256, epochs: 5, lr: 1e-3 };

/** The judge of a run's samples, whether it was reused from the run's folder, and the seconds spent training it (0 when reused). */
export interface Judge {
  model: ImageClassifier;
  info: ClassifierInfo;
  reused: boolean;
  /** Seconds spent training it (0 when reused). */
  seconds: number;
}

/**
 * The classifier in `out` when one for this data set (and the epochs asked for, if any) is
 * there; otherwise one trained on the training split now (with progress) and saved there.
 */
export async function classifierFor(out: string, train: ImageSplits, device: E.Backend, asked: number | undefined, signal: AbortSignal): Promise<Judge> {
  const file = join(out, 'classifier.safetensors');
  if (existsSync(file)) {
    const { model, info } = decodeClassifier(readFileOrFail(file, 'classifier'), device, file);
    if (info.dataset === train.train.name && info.classes.length === train.train.classes.length && (asked ?? info.epochs) === info.epochs) {
      console.log(`classifier: ${file} (${(100 * info.testAccuracy).toFixed(1)} % right on held-out images)`);
      return { model, info, reused: true, seconds: 0 };
    }
    for (const p of model.parameters()) p.dispose();
  }
  const epochs = asked ?? CLASSIFIER.epochs;
  const start = performance.now();
  const progress = new Progress('classifier', epochs, 'epoch');
  const model = await trainClassifier(train.train, device, {
    ...CLASSIFIER, epochs, seed: 0, signal, onEpoch: (epoch, loss) => progress.update(epoch, `cross-entropy ${loss.toFixed(4)}`),
  });
  const { test } = train;
  const testAccuracy = accuracy((await classify(model, test.images, device)).labels, test.labels);
  const seconds = (performance.now() - start) / 1000;
  console.log(`classifier: ${CLASSIFIER.hidden} hidden units, ${epochs} epochs on ${train.train.labels.length} images in ${seconds.toFixed(1)} s: ` +
    `${(100 * testAccuracy).toFixed(1)} % right on the ${test.labels.length} held out`);
  const info = { dataset: train.train.name, classes: train.train.classes, hidden: CLASSIFIER.hidden, testAccuracy, epochs };
  writeFileAtomic(file, await encodeClassifier(model, info));
  return { model, info, reused: false, seconds };
}

/**
 * For ddpm sample: the classifier `given` (which must exist), else classifier.safetensors beside
 * `checkpoint` if it is there (null: the samples are not judged); one that judges another data
 * set than the checkpoint draws is refused.
 */
export function classifierBeside(checkpoint: string, given: string | undefined, dataset: string, device: E.Backend):
  { judge: { model: ImageClassifier; info: ClassifierInfo } | null; file: string } {
  const file = given ?? join(checkpoint, '..', 'classifier.safetensors');
  if (given !== undefined && !existsSync(file)) throw new Error(`classifier not found: ${file}`);
  const judge = existsSync(file) ? decodeClassifier(readSafetensorsOrFail(file, 'classifier'), device, file) : null;
  if (judge && judge.info.dataset !== dataset) throw new Error(`${file} judges ${judge.info.dataset}, but ${checkpoint} draws ${dataset}`);
  return { judge, file };
}
