// `ddpm train`'s flags that every workload has, and the settings a run takes from them: a new
// run's from the flags and its workload's defaults (cli/workloads/), a resumed run's from its
// checkpoint, which the flags may only agree with. Bad values are UsageErrors; the checks that
// need the data or the device come where the workload sets the run up.

import { SIZE_LIMITS } from '../ddpm/config.js';
import type { SavedTrainState } from '../ddpm/checkpoint.js';
import { SCHEDULES } from '../ddpm/schedules.js';
import { TUTORIAL_TRAIN_SETTINGS } from '../ddpm/train.js';
import { flag, flags, OVERWRITE_FLAG, refuseChangedFlags, UsageError, type SavedFlags } from '../app-support/args.js';
import {
  EMA_FLAG, LR_FLOOR_FLAG, LR_SCHEDULE_FLAG, optimizerFlagsOfRun, optimizerSettings, resumedLearningRate, WARMUP_FLAG, type OptimizerDefaults,
} from './optimizer-flags.js';
import type { AnyWorkload, RunSettings, TrainFlags } from './workload.js';

export const EPOCHS_FLAG = flag({ name: 'epochs', kind: 'int', min: 0, help: "total epochs (with --resume: the total to reach; default the run's own)" });
export const BATCH_FLAG = flag({ name: 'batch', kind: 'int', min: 1, default: '128', help: 'batch size' });
export const LR_FLAG = flag({ name: 'lr', kind: 'number', min: 0, help: 'Adam learning rate' });
export const CLIP_FLAG = flag({ name: 'clip', kind: 'number', min: 0, default: '1.0', help: 'gradient-norm clipping (max_norm)' });
export const SCHEDULE_FLAG = flag({ name: 'schedule', kind: 'string', choices: SCHEDULES, help: 'noise schedule' });
export const TIMESTEPS_FLAG = flag({ name: 'timesteps', kind: 'int', min: 1, max: SIZE_LIMITS.timesteps, help: 'diffusion steps T' });
export const DATA_SIZE_FLAG = flag({ name: 'data-size', kind: 'int', min: 1, help: 'training examples used' });
export const DEVICE_FLAG = flag({ name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to train (auto: WebGPU when an adapter exists)' });
export const OUT_FLAG = flag({ name: 'out', kind: 'string', value: 'DIR', help: 'output folder (refused if it holds another run)' });
export const RESUME_FLAG = flag({ name: 'resume', kind: 'string', value: 'DIR|FILE', help: 'continue a run from its folder (or its model.safetensors)' });
export const SAVE_EVERY_FLAG = flag({ name: 'save-every', kind: 'int', min: 0, help: 'write checkpoints every N epochs (0: only at the end)' });
export const SAMPLES_FLAG = flag({ name: 'samples', kind: 'int', min: 1, help: 'samples drawn' });

/** The flags that shape the training, batch to T, with a workload's defaults as its --help shows them. */
export function trainingFlags(d: { lr: string; decay: string; warmup: string; floor: string; ema: string; schedule: string; timesteps: string; minTimesteps: number }) {
  return flags([
    BATCH_FLAG, { ...LR_FLAG, default: d.lr }, CLIP_FLAG, { ...LR_SCHEDULE_FLAG, default: d.decay }, { ...WARMUP_FLAG, default: d.warmup },
    { ...LR_FLOOR_FLAG, default: d.floor }, { ...EMA_FLAG, default: d.ema }, { ...SCHEDULE_FLAG, default: d.schedule },
    { ...TIMESTEPS_FLAG, min: d.minTimesteps, default: d.timesteps },
  ]);
}

/** --out, --resume, --overwrite and --save-every, with a workload's defaults. */
export function runFolderFlags(out: string, saveEvery: string) {
  return flags([{ ...OUT_FLAG, default: out }, RESUME_FLAG, OVERWRITE_FLAG, { ...SAVE_EVERY_FLAG, default: saveEvery }]);
}

/** Everything `ddpm train` runs with, defaults applied. */
export interface TrainCommandSettings<C> {
  run: RunSettings<C>;
  /** The run's folder (--out). */
  out: string;
  /** The run goes on in the folder it is resumed from (which then may hold it). */
  resumeInPlace: boolean;
  overwrite: boolean;
  saveEvery: number;
  /** Samples drawn at the end for the pictures and the quality report. */
  samples: number;
  /** A new run's optimizer flags and defaults, made into run.ema and run.lrSchedule once the data is counted; null: a resumed run keeps its own. */
  optimizer: OptimizerDefaults | null;
}

/** A resumed run as its settings need it: the folder it is in and its train state. */
export interface ResumedSettings<C> {
  dir: string;
  state: Pick<SavedTrainState<C>, 'settings' | 'config' | 'epoch'>;
  /** Its metrics.json says it diverged. */
  diverged: boolean;
}

/** A new run's settings from the flags and its workload's defaults (checked before a device is chosen). */
export function newRunSettings<F extends TrainFlags, C>(w: AnyWorkload, f: F): { run: RunSettings<C>; optimizer: TrainCommandSettings<C>['optimizer'] } {
  for (const key of ['lr', 'clip'] as const) if (f[key] !== undefined && !(f[key] > 0)) throw new UsageError(`ddpm train: --${key} must be > 0`);
  const fresh = w.train.newRun(f);
  const run: RunSettings<C> = {
    config: fresh.config, epochs: f.epochs ?? fresh.epochs, batch: f.batch ?? TUTORIAL_TRAIN_SETTINGS.batch, lr: f.lr ?? fresh.lr,
    clip: f.clip ?? TUTORIAL_TRAIN_SETTINGS.clip, ema: 0, lrSchedule: TUTORIAL_TRAIN_SETTINGS.lrSchedule, // set once the data is counted
    seed: f.seed ?? 0, dataSize: f['data-size'] ?? w.train.defaults.dataSize,
  };
  return { run, optimizer: fresh.optimizer };
}

/** A new run's weight average and learning-rate schedule, once its training examples are counted. */
export function applyOptimizer<C>(run: RunSettings<C>, f: TrainFlags, settings: TrainCommandSettings<C>, count: number): void {
  if (settings.optimizer) Object.assign(run, optimizerSettings(f, settings.optimizer, run.epochs * Math.ceil(count / run.batch)));
}

/**
 * The command's settings: a new run's, or a resumed run's own, which the flags may only agree
 * with; --epochs is then the total to reach (default: the run's own).
 */
export function trainSettings<F extends TrainFlags, C>(w: AnyWorkload, f: F, resumed: ResumedSettings<C> | null): TrainCommandSettings<C> {
  let run: RunSettings<C>;
  let optimizer: TrainCommandSettings<C>['optimizer'] = null;
  if (resumed) {
    const { settings, config, epoch } = resumed.state;
    const { batch, clip, seed, ema, lrSchedule } = settings;
    const lr = resumedLearningRate('ddpm train', resumed.dir, settings.lr, f.lr, resumed.diverged);
    const dataSize = settings.points ?? settings.images ?? w.train.defaults.dataSize;
    run = { batch, lr, clip, seed, ema, lrSchedule, config, dataSize, epochs: f.epochs ?? settings.epochs ?? w.train.defaultEpochs(config) };
    const flagsOfRun: SavedFlags<F> = {
      ...w.train.flagsOfConfig(config, f), batch, lr, clip, seed, ...optimizerFlagsOfRun(run), ...(dataSize !== null ? { 'data-size': dataSize } : {}),
    };
    refuseChangedFlags('ddpm train', f, flagsOfRun);
    if (run.epochs < epoch) throw new UsageError(`ddpm train: --epochs ${run.epochs} is below the ${epoch} epochs the run already has`);
  } else {
    ({ run, optimizer } = newRunSettings<F, C>(w, f));
  }
  const out = f.out ?? (resumed ? resumed.dir : w.train.defaultOut(run.config));
  return {
    run, out, resumeInPlace: resumed !== null && out === resumed.dir, overwrite: f.overwrite, optimizer,
    saveEvery: f['save-every'] ?? w.train.defaults.saveEvery, samples: f.samples ?? w.train.defaults.samples,
  };
}
