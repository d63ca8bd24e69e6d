// Which `ddpm train` a --resume continues, told by the run's own model.safetensors: an image
// model's run is image/train-command.ts's, an MLPDiffusion's (2-D points) train-command.ts's.
// A --dataset given beside --resume must be of the run's kind: a points run resumed with
// --dataset mnist (or an image run with --dataset s-curve) is refused naming the flag, instead of
// the other command reading the run's file as its own kind and blaming the file.

import { join } from 'node:path';
import { DATASETS } from '../ddpm/data.js';
import { IMAGE_DATASETS } from '../ddpm/image/data.js';
import { isImageModelName } from '../ddpm/image/config.js';
import { decodeSafetensors } from '../ddpm/safetensors.js';
import { peekFlag, UsageError } from '../app-support/args.js';
import { readSafetensorsOrFail, resumeFolder } from '../app-support/files.js';
import { MODEL_FILE } from './run-folder.js';

export type RunKind = 'points' | 'images';

/** What a run's model.safetensors says it is: its kind, model and data set (undefined when its config names none). */
interface RunFacts {
  kind: RunKind;
  model: string;
  dataset?: string;
}

/** The facts of the run in a --resume DIR|FILE, or null when its model.safetensors cannot be read (the command then says why). */
function runFacts(modelFile: string): RunFacts | null {
  let config: { model?: unknown; dataset?: unknown } = {};
  try {
    const { metadata } = decodeSafetensors(readSafetensorsOrFail(modelFile, 'checkpoint'));
    // A file without a config is a PyTorch state_dict of the 2-D model.
    if (metadata.config !== undefined) config = JSON.parse(metadata.config) as typeof config;
  } catch {
    return null;
  }
  const model = typeof config.model === 'string' ? config.model : 'MLPDiffusion';
  const dataset = typeof config.dataset === 'string' ? config.dataset : undefined;
  return { kind: isImageModelName(model) ? 'images' : 'points', model, dataset };
}

/** The kind of data set a --dataset value names, or null for a name of neither kind (the command's flags refuse it). */
function datasetKind(name: string): RunKind | null {
  if (IMAGE_DATASETS.some((d) => d === name)) return 'images';
  return DATASETS.some((d) => d === name) ? 'points' : null;
}

const describeKind = (kind: RunKind): string => (kind === 'images' ? 'an image' : 'a points (2-D)');

/**
 * The kind of run `ddpm train argv` resumes (null without --resume, or when its model file cannot
 * be read). Throws a UsageError naming --dataset when that flag names a data set of the other kind.
 */
export function resumedRunKind(argv: readonly string[]): RunKind | null {
  const resume = peekFlag(argv, 'resume');
  if (resume === undefined) return null;
  const dir = resumeFolder(resume);
  const facts = runFacts(join(dir, MODEL_FILE));
  if (facts === null) return null;
  const dataset = peekFlag(argv, 'dataset');
  const wanted = dataset !== undefined ? datasetKind(dataset) : null;
  if (wanted !== null && wanted !== facts.kind) {
    throw new UsageError(`ddpm train: --dataset ${dataset} does not match the run in ${dir}: it is ${describeKind(facts.kind)} run` +
      `${facts.dataset !== undefined ? ` on ${facts.dataset}` : ''} (${facts.model}), and --dataset ${dataset} is ${describeKind(wanted)} data set; ` +
      'leave --dataset out to resume it (a resumed run keeps its data), or start a new run in another --out');
  }
  return facts.kind;
}
