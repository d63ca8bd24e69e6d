// `ddpm train`'s flags for 2-D data and the settings they make (image data sets: image/train-settings.ts):
// a new run's from the flags and the preset's defaults, a resumed run's from its checkpoint, which
// the flags may only agree with. Bad values are UsageErrors; the checks that need the data or the
// device (the data's range, --engine, --profile) come where the run is set up (train-command.ts).

import { join } from 'node:path';
import type { SavedTrainState } from '../ddpm/checkpoint.js';
import { PRESET_NAMES, PRESETS, SIZE_LIMITS, type ModelConfig } from '../ddpm/config.js';
import { DATASETS, type DatasetName } from '../ddpm/data.js';
import type { EngineName } from '../ddpm/fused/index.js';
import { IMAGE_DATASETS, type ImageDatasetName } from '../ddpm/image/data.js';
import { SCHEDULES } from '../ddpm/schedules.js';
import { TUTORIAL_TRAIN_SETTINGS, type TrainSettings } from '../ddpm/train.js';
import { flags, OVERWRITE_FLAG, refuseChangedFlags, SEED_FLAG, UsageError, type FlagValues, type SavedFlags } from '../app-support/args.js';
import { ENGINE_FLAG } from './engine.js';
import { EMA_FLAG, LR_FLOOR_FLAG, LR_SCHEDULE_FLAG, optimizerFlagsOfRun, optimizerSettings, resumedLearningRate, WARMUP_FLAG } from './optimizer-flags.js';
import { PROFILE_FLAG } from '../app-support/profile.js';

export const TRAIN_FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: [...DATASETS, ...IMAGE_DATASETS], default: 's-curve', help: 'a 2-D data set, or images (ddpm train --dataset mnist --help lists their flags)' },
  { name: 'preset', kind: 'string', choices: PRESET_NAMES, default: 'seed', help: PRESET_NAMES.map((p) => `${p}: ${PRESETS[p].summary}`).join(';\n' + ' '.repeat(28)) },
  { name: 'epochs', kind: 'int', min: 0, default: '4000', help: "total epochs (with --resume: the total to reach; default the run's own)" },
  { name: 'batch', kind: 'int', min: 1, default: '128', help: 'batch size' },
  { name: 'lr', kind: 'number', min: 0, default: "the preset's", help: 'Adam learning rate' },
  { name: 'clip', kind: 'number', min: 0, default: '1.0', help: 'gradient-norm clipping (max_norm)' },
  LR_SCHEDULE_FLAG,
  WARMUP_FLAG,
  LR_FLOOR_FLAG,
  EMA_FLAG,
  { name: 'schedule', kind: 'string', choices: SCHEDULES, default: "the preset's", help: 'noise schedule' },
  { name: 'steps', kind: 'int', min: 1, max: SIZE_LIMITS.numSteps, default: "the preset's", help: 'diffusion steps T' },
  { name: 'hidden', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: '128', help: 'hidden layer width (num_units)' },
  { name: 'data-scale', kind: 'number', min: 0, default: "the preset's", help: 'the network sees data × this; samples are scaled back' },
  { name: 'points', kind: 'int', min: 1, default: '10000', help: 'training points drawn from the data set' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to train (auto: WebGPU when an adapter exists)' },
  ENGINE_FLAG,
  { name: 'loss-every', kind: 'int', min: 1, default: '1024', help: 'fused engine: the most steps between loss readbacks (whole epochs; a readback comes every ~0.25 s anyway)' },
  PROFILE_FLAG,
  SEED_FLAG,
  { name: 'seeds', kind: 'int', min: 1, value: 'N', default: '1', help: 'N runs, seeds --seed … --seed+N−1, each in DIR/seed-<s>; then the mean and spread of their quality (seeds.json)' },
  { name: 'out', kind: 'string', value: 'DIR', default: 'runs/<dataset>-<preset>', help: 'output folder (refused if it holds another run)' },
  { name: 'resume', kind: 'string', value: 'DIR|FILE', help: 'continue a run from its folder (or its model.safetensors)' },
  OVERWRITE_FLAG,
  { name: 'save-every', kind: 'int', min: 0, default: '100', help: 'write checkpoints every N epochs (0: only at the end)' },
  { name: 'eval-points', kind: 'int', min: 1, default: '10000', help: 'points sampled at the end for samples.png and the quality metric' },
]);

export type TrainFlags = FlagValues<typeof TRAIN_FLAGS>;

export const TRAIN_DESCRIPTION = 'Trains the S-curve tutorial\'s MLPDiffusion (Adam, gradient clipping, batches shuffled every epoch)\n' +
  'and writes model.safetensors, train-state.safetensors, metrics.json, samples.png, reverse.png and loss.png\n' +
  '(with --seeds N, one such folder per seed and seeds.json: the quality of each and their mean and spread).';

/** The settings a run's checkpoint keeps, and a resumed run takes from it. */
export interface RunSettings extends TrainSettings {
  config: ModelConfig;
  epochs: number;
  points: number;
}

/** Everything `ddpm train` runs with, defaults applied. */
export interface TrainCommandSettings {
  run: RunSettings;
  /** The run's folder (--out). */
  out: string;
  /** The run goes on in the folder it is resumed from (which then may hold it). */
  resumeInPlace: boolean;
  overwrite: boolean;
  /** --engine as given; chooseEngine picks the device's default when it is not. */
  engine: EngineName | undefined;
  profile: boolean;
  lossEvery: number | undefined;
  saveEvery: number;
  evalPoints: number;
}

/** A resumed run as its settings need it: the folder it is in and its train state. */
export interface ResumedSettings {
  dir: string;
  state: Pick<SavedTrainState, 'settings' | 'config' | 'epoch'>;
  /** Its metrics.json says it diverged. */
  diverged: boolean;
}

/** A new run's settings from the flags and the preset's defaults (checked before a device is chosen). */
export function requestedSettings(f: TrainFlags): RunSettings {
  const preset = PRESETS[f.preset ?? 'seed'];
  const custom = (['schedule', 'steps', 'data-scale'] as const).some((k) => f[k] !== undefined);
  if (f['data-scale'] !== undefined && !(f['data-scale'] > 0)) throw new UsageError('ddpm train: --data-scale must be > 0');
  if (f.lr !== undefined && !(f.lr > 0)) throw new UsageError('ddpm train: --lr must be > 0');
  if (f.clip !== undefined && !(f.clip > 0)) throw new UsageError('ddpm train: --clip must be > 0');
  const epochs = f.epochs ?? preset.epochs;
  const batch = f.batch ?? TUTORIAL_TRAIN_SETTINGS.batch;
  const points = f.points ?? 10_000;
  const optimizer = optimizerSettings(f, { ema: preset.ema, decay: preset.lrDecay, warmupSteps: preset.warmupSteps, floor: preset.lrFloor },
    epochs * Math.ceil(points / batch));
  return {
    config: {
      model: 'MLPDiffusion',
      numSteps: f.steps ?? preset.numSteps,
      hidden: f.hidden ?? 128,
      schedule: f.schedule ?? preset.schedule,
      dataset: f.dataset !== undefined ? pointDataset(f.dataset) : 's-curve',
      dataScale: f['data-scale'] ?? preset.dataScale,
      sampler: preset.sampler,
      preset: custom ? 'custom' : (f.preset ?? 'seed'),
    },
    epochs,
    batch,
    lr: f.lr ?? preset.lr,
    clip: f.clip ?? TUTORIAL_TRAIN_SETTINGS.clip,
    ...optimizer,
    seed: f.seed ?? 0,
    points,
  };
}

/**
 * The command's settings: a new run's (`requested`), or a resumed run's own, which the flags
 * may only agree with; --epochs is then the total to reach (default: the run's own).
 */
export function trainSettings(f: TrainFlags, requested: RunSettings, resumed: ResumedSettings | null): TrainCommandSettings {
  let run = requested;
  if (resumed) {
    const { settings, config, epoch } = resumed.state;
    const target = f.epochs !== undefined ? requested.epochs : settings.epochs ?? requested.epochs;
    const lr = resumedLearningRate('ddpm train', resumed.dir, settings.lr, f.lr, resumed.diverged);
    run = { ...settings, lr, config, points: settings.points ?? 10_000, epochs: target };
    refuseChangedFlags('ddpm train', f, flagsOfRun(run));
    if (run.epochs < epoch) throw new UsageError(`ddpm train: --epochs ${run.epochs} is below the ${epoch} epochs the run already has`);
  }
  const out = f.out ?? (resumed ? resumed.dir : defaultOut(run.config));
  return {
    run, out, resumeInPlace: resumed !== null && out === resumed.dir, overwrite: f.overwrite,
    engine: f.engine, profile: f.profile, lossEvery: f['loss-every'], saveEvery: f['save-every'] ?? 100, evalPoints: f['eval-points'] ?? 10_000,
  };
}

/** A run's folder when --out is not given. */
export function defaultOut(config: ModelConfig): string {
  return join('runs', `${config.dataset}-${config.preset}`);
}

/** The settings train-state.safetensors keeps (and metrics.json shows). */
export function checkpointSettings(run: RunSettings): TrainSettings & { points: number; epochs: number } {
  return { batch: run.batch, lr: run.lr, clip: run.clip, ema: run.ema, lrSchedule: run.lrSchedule, seed: run.seed, points: run.points, epochs: run.epochs };
}

/** --dataset here: image data sets go to image/train-command.ts before these flags are parsed. */
function pointDataset(name: DatasetName | ImageDatasetName): DatasetName {
  const found = DATASETS.find((d) => d === name);
  if (found === undefined) throw new UsageError(`ddpm train: --dataset ${name} takes the image flags (see ddpm train --dataset ${name} --help)`);
  return found;
}

/** A resumed run's settings keyed by flag name, to compare with the flags given. */
function flagsOfRun(run: RunSettings): SavedFlags<TrainFlags> {
  return {
    dataset: run.config.dataset, preset: run.config.preset, batch: run.batch, lr: run.lr, clip: run.clip,
    schedule: run.config.schedule, steps: run.config.numSteps, hidden: run.config.hidden,
    'data-scale': run.config.dataScale, points: run.points, seed: run.seed, ...optimizerFlagsOfRun(run),
  };
}
