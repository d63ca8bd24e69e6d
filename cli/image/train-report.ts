// What `ddpm train --dataset mnist|fashion-mnist` says and writes about a run: the model, schedule
// and training lines before the first epoch; the epochs' pace after them; metrics.json and
// loss.png at every checkpoint and at the end; and, for a finished run, the quality report,
// samples.png (captioned with the classifier's verdicts), reverse.png and the files written.

import { join } from 'node:path';
import type * as E from '../../engine/index.js';
import type { Generated } from '../../ddpm/generate.js';
import type { ImageClassifier } from '../../ddpm/image/classifier.js';
import { imageConfigJson } from '../../ddpm/image/config.js';
import type { ImageSet } from '../../ddpm/image/data.js';
import type { ImageModel } from '../../ddpm/image/checkpoint.js';
import { formatImageQuality, imageQualityJson, type ImageQuality } from '../../ddpm/image/quality.js';
import type { Schedule } from '../../ddpm/schedules.js';
import type { Trainer } from '../../ddpm/train.js';
import { describeOptimizer } from '../optimizer-flags.js';
import { writePicture } from '../pictures.js';
import { METRICS_FILE, METRICS_LOG, MODEL_FILE, STATE_FILE, type MetricsLog, type RunFolder } from '../run-folder.js';
import { runProgressMetrics, writeRunSummary, type LoopOptions, type LoopResult, type RunStatus } from '../training-loop.js';
import type { ImageSplits } from '../../app-support/image-files.js';
import { imageLossPicture, imageReversePicture, imageSamplesPicture } from '../../ddpm/image/pictures.js';
import { imageCheckpointSettings, samplerSteps, type ImageTrainSettings } from './train-settings.js';

/** The classifier that judges the samples, and whether it was reused from the run's folder. */
export interface Judge {
  model: ImageClassifier;
  info: { testAccuracy: number; hidden: number; epochs: number };
  reused: boolean;
  /** Seconds spent training it (0 when reused). */
  seconds: number;
}

/** A run set up to train: its settings, data, judge, model, trainer and what its reports name. */
export interface ImageTrainRun {
  settings: ImageTrainSettings;
  /** `ddpm train …` as typed. */
  command: string;
  device: E.Backend;
  data: ImageSplits;
  /** The training images used (--images of data.train). */
  train: ImageSet;
  judge: Judge;
  model: ImageModel;
  schedule: Schedule;
  trainer: Trainer<ImageModel>;
  /** The model's number of parameters. */
  parameters: number;
  runId: string;
  resumed: boolean;
  /** The run's folder, locked. */
  folder: RunFolder;
}

/** The closing samples, their quality report, and the seconds to draw and to judge them. */
export interface ClosingImages {
  generated: Generated;
  quality: ImageQuality;
  sampleSeconds: number;
  judgeSeconds: number;
}

/** The lines before the first epoch: the model, the schedule, and the training ahead. */
export function printStart(r: ImageTrainRun): void {
  const { run, out } = r.settings;
  const { config } = run;
  const network = config.model === 'UNetDiffusion'
    ? `channels ${config.channels.join('/')} (${config.channels.length} levels), ${config.groups} norm groups`
    : `${config.depth} hidden layers of ${config.hidden}`;
  console.log(`model: ${config.model}, ${config.width}×${config.height} images, ${network}, ` +
    `time embedding ${config.timeDim}, ${r.parameters} parameters, ` +
    (config.dataVariance === null ? 'predicts ε'
      : `Wiener preconditioning (data variance ${config.dataVariance.toFixed(4)}${config.pixelVariance ? ', per pixel' : ''})`));
  console.log(`schedule: ${config.schedule}, T = ${config.numSteps} (ᾱ_T = ${r.schedule.alphasBar[config.numSteps - 1].toExponential(2)})`);
  console.log(`training: ${r.resumed ? `epochs ${r.trainer.epoch + 1}…${run.epochs}` : `${run.epochs} epochs`} × ${r.trainer.stepsPerEpoch} steps ` +
    `over ${r.train.labels.length} images, batch ${run.batch}, clip ${run.clip}, seed ${run.seed}, on ${r.device.name} → ${out}`);
  console.log(`optimizer: Adam, ${describeOptimizer(run)}`);
}

/** After the epochs: how many, their pace and the checkpoint. */
export function printTrained(r: ImageTrainRun, loop: LoopResult): void {
  const stepsPerSecond = loop.steps / Math.max(loop.seconds, 1e-9);
  console.log(`trained ${r.trainer.epoch - loop.firstEpoch} epochs (${loop.steps} steps) in ${loop.seconds.toFixed(1)} s: ` +
    `${stepsPerSecond.toFixed(2)} steps/s; checkpoint ${join(r.settings.out, MODEL_FILE)}`);
}

/** metrics.json and loss.png as the run stands; `closing`: the samples at the end, once drawn and judged. */
export function runSummary(r: ImageTrainRun, closing: ClosingImages | null): Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'> {
  const { run, out, saveEvery } = r.settings;
  const { config } = run;
  const { judge, data } = r;
  const configJson: unknown = JSON.parse(imageConfigJson(config));
  const metrics = (status: RunStatus, loop: LoopResult): Record<string, unknown> => ({
    command: r.command,
    status,
    run_id: r.runId,
    settings: { ...imageCheckpointSettings(run), save_every: saveEvery, training_images: r.train.labels.length },
    config: configJson,
    data: data.summary,
    parameters: r.parameters,
    device: { name: r.device.name, description: r.device.describe() },
    classifier: { ...judge.info, reused: judge.reused, seconds: judge.seconds },
    quality: closing && { sampler: config.sampler, sampling_steps: samplerSteps(config), ...imageQualityJson(closing.quality, data.train.classes) },
    wall_time_s: { train: loop.seconds, sample: closing?.sampleSeconds ?? null, judge: closing?.judgeSeconds ?? null },
    ...runProgressMetrics(r.trainer, loop, r.resumed),
  });
  return { dir: out, metrics, lossPicture: () => imageLossPicture(r.trainer.losses, config) };
}

/**
 * A finished run: the quality report, the closing line in metrics.jsonl, samples.png captioned
 * with the classifier's verdicts, reverse.png, metrics.json, loss.png and the files written.
 */
export function reportFinished(r: ImageTrainRun, loop: LoopResult, log: MetricsLog, closing: ClosingImages): void {
  const { out, evalImages, run } = r.settings;
  const { config } = run;
  const { quality, generated } = closing;
  const { classes } = r.data.train;
  console.log(formatImageQuality(quality, classes));
  log.append({ final: r.trainer.epoch, quality: { n: evalImages, confident_share: quality.confident } });

  const pictureOptions = { sampler: config.sampler, steps: samplerSteps(config), epoch: r.trainer.epoch };
  writePicture(join(out, 'samples.png'), imageSamplesPicture(generated.points, config, {
    ...pictureOptions, labels: { classes, labels: quality.labels, confidence: quality.confidence },
  }));
  writePicture(join(out, 'reverse.png'), imageReversePicture(generated.frames, config, pictureOptions));
  writeRunSummary(runSummary(r, closing), 'finished', loop);
  console.log(`wrote ${[MODEL_FILE, STATE_FILE, 'classifier.safetensors', METRICS_FILE, METRICS_LOG, 'samples.png', 'reverse.png', 'loss.png']
    .map((name) => join(out, name)).join(', ')}`);
}
