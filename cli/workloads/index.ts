// The workloads `ddpm train` and `ddpm sample` know, and which one a command line is for. A new
// data set is a folder in ddpm/ (its Workload) and a file here (its CliWorkload), registered in
// WORKLOADS. The first is the default: `ddpm train` with no --dataset trains on 2-D points.

import { join } from 'node:path';
import { checkpointFacts } from '../../ddpm/checkpoint.js';
import { peekFlag, UsageError } from '../../app-support/args.js';
import { readSafetensorsOrFail, resumeFolder } from '../../app-support/files.js';
import { MODEL_FILE, modelFileOf } from '../../app-support/run-folder.js';
import type { AnyWorkload } from '../workload.js';
import { IMAGES_CLI } from './images.js';
import { POINTS_CLI } from './points.js';

export const WORKLOADS: readonly AnyWorkload[] = [POINTS_CLI, IMAGES_CLI];

/** What a model.safetensors says it is (its model and data set); null when it cannot be read (the command then says why). */
function checkpointFactsOf(modelFile: string): ReturnType<typeof checkpointFacts> {
  try {
    return checkpointFacts(readSafetensorsOrFail(modelFile, 'checkpoint'));
  } catch {
    return null;
  }
}

const ofModel = (model: string): AnyWorkload => WORKLOADS.find((w) => w.core.models.includes(model)) ?? WORKLOADS[0];
const ofDataset = (dataset: string | undefined): AnyWorkload | undefined => WORKLOADS.find((w) => dataset !== undefined && w.core.datasets.includes(dataset));
const describe = (w: AnyWorkload): string => (w.core.name === 'points' ? 'a points (2-D)' : `an ${w.core.name.replace(/s$/, '')}`);

/**
 * The workload of `ddpm train argv`: the resumed run's (a --dataset beside --resume must be of
 * its kind: refused naming the flag, instead of the other workload reading the run's file as
 * its own and blaming the file), else --dataset's, else the first.
 */
export function trainWorkload(argv: readonly string[]): AnyWorkload {
  const dataset = peekFlag(argv, 'dataset');
  const wanted = ofDataset(dataset);
  const resume = peekFlag(argv, 'resume');
  const facts = resume !== undefined ? checkpointFactsOf(join(resumeFolder(resume), MODEL_FILE)) : null;
  if (facts === null) return wanted ?? WORKLOADS[0];
  const run = ofModel(facts.model);
  if (wanted !== undefined && wanted !== run) {
    throw new UsageError(`ddpm train: --dataset ${dataset} does not match the run in ${resumeFolder(resume!)}: it is ${describe(run)} run` +
      `${facts.dataset !== undefined ? ` on ${facts.dataset}` : ''} (${facts.model}), and --dataset ${dataset} is ${describe(wanted)} data set; ` +
      'leave --dataset out to resume it (a resumed run keeps its data), or start a new run in another --out');
  }
  return run;
}

/** The workload of `ddpm sample argv`: its --checkpoint's (the first when there is none or it cannot be read: that command says what is wrong). */
export function sampleWorkload(argv: readonly string[]): AnyWorkload {
  const checkpoint = peekFlag(argv, 'checkpoint');
  const facts = checkpoint !== undefined ? checkpointFactsOf(modelFileOf(checkpoint)) : null;
  return facts === null ? WORKLOADS[0] : ofModel(facts.model);
}
