// What `ddpm train` says and writes about a run on 2-D data: the model, data and training lines
// before the first epoch; the epochs' pace and (with --profile) the GPU time per kernel after
// them; metrics.json and loss.png at every checkpoint and at the end; the last line of
// metrics.jsonl and the list of files written.

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import type { KernelProfiler, ProfileReport } from '../engine/webgpu/index.js';
import { modelConfigJson } from '../ddpm/config.js';
import type { EngineName } from '../ddpm/fused/index.js';
import type { MLPDiffusion } from '../ddpm/model.js';
import type { QualityReport } from '../ddpm/quality.js';
import type { Schedule } from '../ddpm/schedules.js';
import type { Trainer } from '../ddpm/train.js';
import { describeOptimizer } from './optimizer-flags.js';
import { lossPicture } from './pictures.js';
import { perStep, profileLines } from '../app-support/profile.js';
import { METRICS_FILE, METRICS_LOG, MODEL_FILE, STATE_FILE, type MetricsLog, type RunFolder } from './run-folder.js';
import { checkpointSettings, type TrainCommandSettings } from './train-settings.js';
import { runProgressMetrics, writeRunSummary, type LoopOptions, type LoopResult, type RunStatus } from './training-loop.js';

/** A run set up to train: its settings, model, trainer and what its reports name. */
export interface TrainRun {
  settings: TrainCommandSettings;
  /** `ddpm train …` as typed. */
  command: string;
  device: E.Backend;
  schedule: Schedule;
  model: MLPDiffusion;
  trainer: Trainer<MLPDiffusion>;
  engine: EngineName;
  /** With --profile: the fused engine's kernels, timed on the GPU. */
  profiler: KernelProfiler | undefined;
  runId: string;
  resumed: boolean;
  /** The run's folder, locked. */
  folder: RunFolder;
}

/** The closing samples' quality and the seconds they took. */
export interface ClosingSamples {
  quality: QualityReport;
  seconds: number;
}

/** The lines before the first epoch: the model, the data and schedule, and the training ahead. */
export function printStart(r: TrainRun): void {
  const { run, out } = r.settings;
  const { config } = run;
  const nParams = r.model.parameters().reduce((s, p) => s + p.size, 0);
  console.log(`model: MLPDiffusion, T = ${config.numSteps}, ${config.hidden} hidden units, ${nParams} parameters`);
  console.log(`data: ${config.dataset}, ${run.points} points${config.dataScale !== 1 ? ` (× ${config.dataScale} for the network)` : ''}; ` +
    `schedule ${config.schedule} (ᾱ_T = ${r.schedule.alphasBar[config.numSteps - 1].toPrecision(3)}); preset ${config.preset}`);
  if (run.batch > run.points) console.log(`note: --batch ${run.batch} is more than the ${run.points} points: each epoch is one batch of ${run.points}`);
  console.log(`training: ${r.resumed ? `epochs ${r.trainer.epoch + 1}…${run.epochs}` : `${run.epochs} epochs`} × ${r.trainer.stepsPerEpoch} steps, ` +
    `batch ${run.batch}, clip ${run.clip}, seed ${run.seed}, ${r.engine} engine → ${out}`);
  console.log(`optimizer: Adam, ${describeOptimizer(run)}`);
}

/** After the epochs: how many, their pace and the checkpoint; with --profile, the kernels' table. */
export function printTrained(r: TrainRun, loop: LoopResult, profile: ProfileReport | null): void {
  console.log(`trained ${r.trainer.epoch - loop.firstEpoch} epochs (${loop.steps} steps) in ${loop.seconds.toFixed(1)} s: ` +
    `${(loop.steps / Math.max(loop.seconds, 1e-9)).toFixed(1)} steps/s; checkpoint ${join(r.settings.out, MODEL_FILE)}`);
  if (profile) console.log(profileLines('fused training step', perStep(profile, loop.steps), 'step', (1e6 * loop.seconds) / loop.steps).join('\n'));
}

/** metrics.json and loss.png as the run stands; `closing`: the samples at the end, once drawn. */
export function runSummary(r: TrainRun, closing: ClosingSamples | null): Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'> {
  const { run, out, saveEvery } = r.settings;
  const { config } = run;
  const configJson: unknown = JSON.parse(modelConfigJson(config));
  const metrics = (status: RunStatus, loop: LoopResult): Record<string, unknown> => ({
    command: r.command,
    status,
    run_id: r.runId,
    settings: { ...checkpointSettings(run), save_every: saveEvery },
    config: configJson,
    device: { name: r.device.name, description: r.device.describe() },
    engine: r.engine,
    alpha_bar_T: r.schedule.alphasBar[config.numSteps - 1],
    quality: closing && {
      metric: 'sliced Wasserstein-1', sampler: config.sampler, n: closing.quality.n, directions: closing.quality.directions,
      sliced_w1: closing.quality.slicedW1, data_vs_data_floor: closing.quality.floor, gaussian_vs_data: closing.quality.gaussian,
    },
    wall_time_s: { train: loop.seconds, sample: closing?.seconds ?? null },
    ...runProgressMetrics(r.trainer, loop, r.resumed),
  });
  return { dir: out, metrics, lossPicture: () => lossPicture(r.trainer.losses, config) };
}

/** A finished run: the closing samples' line in metrics.jsonl, metrics.json, loss.png and the files written. */
export function reportFinished(r: TrainRun, loop: LoopResult, log: MetricsLog, closing: ClosingSamples): void {
  const { quality } = closing;
  log.append({ final: r.trainer.epoch, quality: { sliced_w1: quality.slicedW1, n: quality.n, data_vs_data_floor: quality.floor } });
  writeRunSummary(runSummary(r, closing), 'finished', loop);
  const out = r.settings.out;
  console.log(`wrote ${[MODEL_FILE, STATE_FILE, METRICS_FILE, METRICS_LOG, 'samples.png', 'reverse.png', 'loss.png'].map((n) => join(out, n)).join(', ')}`);
}
