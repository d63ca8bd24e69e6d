// `ddpm train --dataset mnist|fashion-mnist`: trains MLPImageDiffusion (or, --model unet,
// UNetDiffusion) on 28×28 images, then
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
// The flags become settings in train-settings.ts; this file sets the run up and runs it; what
// it prints and writes about the run is train-report.ts.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../../engine/index.js';
import { selectDevice } from '../../engine/webgpu/index.js';
import { decodeTrainState, encodeTrainState, weightsNote, type SavedTrainState } from '../../ddpm/checkpoint.js';
import { accuracy, classify, trainClassifier } from '../../ddpm/image/classifier.js';
import { generate } from '../../ddpm/generate.js';
import { IMAGE_OPTIMIZER_DEFAULTS, imageConfigJson, parseImageConfig, samplingConfig, type ImageModelConfig } from '../../ddpm/image/config.js';
import { buildImageModel, decodeClassifier, decodeImageModel, encodeClassifier, encodeImageModel, type ImageModel } from '../../ddpm/image/checkpoint.js';
import { confidentShare, judgeImages, outsideDataRange } from '../../ddpm/image/quality.js';
import { IMAGE_DATASETS, imageStatistics, selectImages, type ImageSet } from '../../ddpm/image/data.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer } from '../../ddpm/train.js';
import { helpText, parseFlags, peekFlag, UsageError } from '../../app-support/args.js';
import { optimizerSettings } from '../optimizer-flags.js';
import { readFileOrFail, resumeFolder, writeFileAtomic } from '../../app-support/files.js';
import { loadImageDataset } from '../../app-support/image-files.js';
import { resumedRunKind } from '../resumed-run-kind.js';
import { imageSamplesPicture } from '../../ddpm/image/pictures.js';
import { generateWithProgress, writePicture } from '../pictures.js';
import type { NoisePredictor } from '../../ddpm/noise-predictor.js';
import { Progress } from '../../app-support/progress.js';
import { checkSizes, samplingBatch } from '../size-limits.js';
import { commandLine, MetricsLog, newRunId, prepareRunFolder, readCheckpoint, runDiverged, RunLocks } from '../run-folder.js';
import { withStopSignals, type StopRequest } from '../../app-support/stop.js';
import { sampleAfterTraining, trainWithCheckpoints, type LoopResult } from '../training-loop.js';
import { printStart, printTrained, reportFinished, runSummary, type ClosingImages, type ImageTrainRun, type Judge } from './train-report.js';
import {
  CLASSIFIER, IMAGE_TRAIN_DESCRIPTION, IMAGE_TRAIN_FLAGS, imageCheckpointSettings, imageTrainSettings, samplerSteps,
  type ImageRun, type ImageTrainFlags, type ImageTrainSettings,
} from './train-settings.js';

/** Images drawn at each checkpoint for the samples.png preview. */
const PREVIEW_IMAGES = 64;

/** A checkpoint read for --resume: its model, its train state and the folder it is in. */
interface ResumedImageRun {
  model: ImageModel;
  state: SavedTrainState<ImageModelConfig>;
  dir: string;
  /** Its metrics.json says it diverged. */
  diverged: boolean;
}

/** Whether `ddpm train argv` is this command's: resuming an image run, or an image --dataset (the two must agree: resumed-run-kind.ts). */
export function isImageTraining(argv: readonly string[]): boolean {
  const resumed = resumedRunKind(argv);
  if (resumed !== null) return resumed === 'images';
  const dataset = peekFlag(argv, 'dataset');
  return dataset !== undefined && IMAGE_DATASETS.some((d) => d === dataset);
}

export async function imageTrainCommand(argv: readonly string[]): Promise<void> {
  const f = parseFlags('ddpm train', argv, IMAGE_TRAIN_FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm train --dataset mnist|fashion-mnist', IMAGE_TRAIN_DESCRIPTION, IMAGE_TRAIN_FLAGS));
    return;
  }
  await withStopSignals('stopping after this step to save the last completed epoch', (stop) => trainImages(f, argv, stop));
}

/** The settings, the run set up and trained, its closing samples judged, and the report on each step. */
async function trainImages(f: ImageTrainFlags, argv: readonly string[], stop: StopRequest): Promise<void> {
  const { device, note } = await selectDevice(f.device ?? 'auto');
  const locks = new RunLocks();
  try {
    // A resumed run takes every setting from its checkpoint; the flags may only agree with them.
    const resumed = f.resume !== undefined ? readResumedRun(f.resume, device, locks) : null;
    const settings = imageTrainSettings(f, resumed);
    console.log(note);
    const run = await setUpRun(settings, device, resumed, commandLine(argv), stop.signal, locks);
    printStart(run);
    const { loop, log } = await trainEpochs(run, stop);
    printTrained(run, loop);
    if (loop.stopped) throw loop.stopped;
    const closing = await sampleAndJudge(run, loop, stop);
    reportFinished(run, loop, log, closing);
  } finally {
    locks.release();
  }
}

function readResumedRun(resume: string, device: E.Backend, locks: RunLocks): ResumedImageRun {
  locks.take(resumeFolder(resume), 'ddpm train --resume');
  const { model, state, note } = readCheckpoint(resume, (bytes, file) => decodeImageModel(bytes, device, file),
    (bytes, m, file) => decodeTrainState(bytes, m, file, parseImageConfig));
  if (note) console.log(`note: ${note}`);
  const dir = resumeFolder(resume);
  return { model, state, dir, diverged: runDiverged(dir) };
}

/**
 * The run's data loaded (and --images checked against it), its folder prepared and locked (an
 * old run --overwrite replaces stays until the first step), the judging classifier, the model
 * (new or resumed) and the trainer.
 */
async function setUpRun(settings: ImageTrainSettings, device: E.Backend, resumed: ResumedImageRun | null, command: string,
  signal: AbortSignal, locks: RunLocks): Promise<ImageTrainRun> {
  const { run, out } = settings;
  const { config } = run;
  const data = loadImageDataset(config.dataset);
  console.log(`data: ${data.summary}`);
  const available = data.train.labels.length;
  if (run.images !== null && run.images > available) {
    throw new UsageError(`ddpm train: --images ${run.images} exceeds the ${available} training images of ${config.dataset}`);
  }
  const images = run.images ?? available;
  if (settings.optimizerFlags) Object.assign(run, optimizerSettings(settings.optimizerFlags, IMAGE_OPTIMIZER_DEFAULTS, run.epochs * Math.ceil(images / run.batch)));
  const folder = locks.add(prepareRunFolder(out, { command: 'ddpm train', resume: settings.resumeInPlace, overwrite: settings.overwrite }));
  const train = run.images === null ? data.train : selectImages(data.train, Array.from({ length: run.images }, (_, i) => i));
  if (run.batch > train.labels.length) console.log(`note: --batch ${run.batch} is more than the ${train.labels.length} images: each epoch is one batch`);
  const model = resumed?.model ?? newModel(run, train, device);
  // Before the judge is trained: a batch too big for the device is refused now, not after it.
  const predictor: NoisePredictor = model;
  const widest = Math.max(model.dataDim, predictor.widestPerSample ?? 0);
  const batch = Math.min(run.batch, train.labels.length);
  const network = config.model === 'UNetDiffusion' ? `--channels ${config.channels.join(',')}` : `--hidden ${config.hidden} --depth ${config.depth}`;
  checkSizes('ddpm train', device, {
    tensors: [{ what: `a batch's widest activation (${widest} values an image)`, flags: '--batch', values: batch * widest }],
    host: [],
    step: { flop: 3 * predictor.flopPerSample * batch, flags: `--batch ${batch} ${network}` },
  });
  // The judge next, so that every checkpoint's preview can be judged.
  const judge = await classifierFor(out, data.train, data.test, device, settings.classifierEpochs, signal);

  const schedule = makeSchedule(config.schedule, config.numSteps);
  const trainer = new Trainer(model, schedule, train.images, run, device, { engine: 'eager' });
  if (resumed) trainer.importState(resumed.state);
  const runId = resumed?.state.runId ?? newRunId();
  const parameters = model.parameters().reduce((s, p) => s + p.size, 0);
  return { settings, command, device, data, train, judge, model, schedule, trainer, parameters, runId, resumed: resumed !== null, folder };
}

/** How the run samples, for the previews and the closing samples: its sampler and seed, eager. */
function sampling(r: ImageTrainRun): { sampler: ImageModelConfig['sampler']; steps: number | undefined; seed: number; engine: 'eager' } {
  const { config, seed } = r.settings.run;
  return { sampler: config.sampler, steps: config.sampler === 'ddim' ? samplerSteps(config) : undefined, seed, engine: 'eager' };
}

/**
 * The epochs up to the target, with checkpoints (training-loop.ts) logged in metrics.jsonl,
 * each with a preview grid judged by the classifier.
 */
async function trainEpochs(r: ImageTrainRun, stop: StopRequest): Promise<{ loop: LoopResult; log: MetricsLog }> {
  const { run, out, saveEvery } = r.settings;
  const { model, trainer, device, runId, judge, data } = r;
  const { config } = run;
  const log = new MetricsLog(out, !r.resumed);
  log.append({ started: new Date().toISOString(), command: r.command, run_id: runId, from_epoch: trainer.epoch });
  const loop = await trainWithCheckpoints(trainer, {
    ...runSummary(r, null), folder: r.folder, epochs: run.epochs, saveEvery, stop, log,
    encode: async () => {
      const state = await trainer.exportState();
      return {
        state: await encodeTrainState(model, { ...state, settings: imageCheckpointSettings(run), config, runId }, imageConfigJson),
        model: await trainer.withSamplingWeights(() => encodeImageModel(model, config, { epoch: trainer.epoch, runId, weights: weightsNote(state, run.ema) })),
      };
    },
    preview: async (signal) => {
      // A grid of 64, judged by the classifier alone (the full report comes at the end).
      let points: Float32Array;
      try {
        ({ points } = await trainer.withSamplingWeights(() =>
          generate(model, samplingConfig(config), device, { ...sampling(r), n: PREVIEW_IMAGES, frames: 0, signal, batch: samplingBatch(model, device) })));
      } catch (e) {
        if (signal.aborted) return null;
        throw e;
      }
      const verdict = await classify(judge.model, points, device);
      const confident = confidentShare(verdict.confidence, outsideDataRange(points, data.train.width * data.train.height));
      writePicture(join(out, 'samples.png'), imageSamplesPicture(points, config, {
        sampler: config.sampler, steps: samplerSteps(config), epoch: trainer.epoch, labels: { classes: data.train.classes, ...verdict },
      }));
      return { n: PREVIEW_IMAGES, confident_share: confident };
    },
  });
  trainer.adoptSamplingWeights();
  trainer.dispose();
  return { loop, log };
}

/** --eval-images samples of the finished run, then the classifier's report on them (model and classifier freed after). */
async function sampleAndJudge(r: ImageTrainRun, loop: LoopResult, stop: StopRequest): Promise<ClosingImages> {
  const { run, out, evalImages: n } = r.settings;
  const { model, device, judge, data } = r;
  const generated = await sampleAfterTraining(runSummary(r, null), loop, r.trainer.epoch,
    `draw and judge samples with: ddpm sample --checkpoint ${out} --n 1000 --out samples.png`,
    () => generateWithProgress(model, samplingConfig(run.config), device, { ...sampling(r), n, signal: stop.signal }, `the model of epoch ${r.trainer.epoch}`));
  model.dispose();
  console.log(`sampled ${n} images in ${generated.seconds.toFixed(1)} s`);
  const judgeStart = performance.now();
  const quality = await judgeImages(judge.model, generated.points, data.train, data.test, device);
  const judgeSeconds = (performance.now() - judgeStart) / 1000;
  for (const p of judge.model.parameters()) p.dispose();
  return { generated, quality, sampleSeconds: generated.seconds, judgeSeconds };
}

/** A new run's model; with the MLP's Wiener preconditioning, the data's variance goes into run.config. */
function newModel(run: ImageRun, train: ImageSet, device: E.Backend): ImageModel {
  const stats = run.preconditioning !== 'none' ? imageStatistics(train) : null;
  if (stats) run.config.dataVariance = stats.variance;
  return buildImageModel(run.config, new E.Rng(run.seed), device, stats);
}

/**
 * The classifier in `out` when one for this data set (and the epochs asked for, if any) is
 * there; otherwise one trained on the training split now (with progress) and saved there.
 */
async function classifierFor(out: string, train: ImageSet, test: ImageSet, device: E.Backend, asked: number | undefined, signal: AbortSignal): Promise<Judge> {
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
