// What `ddpm train` says and writes about a run, whatever its workload: the model, data and
// training lines before the first epoch (the workload's, then the optimizer's); the epochs' pace
// and (with --profile) the GPU time per kernel after them; metrics.json and loss.png at every
// checkpoint and at the end; the closing line of metrics.jsonl and the list of files written.

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import type { ProfileReport } from '../engine/webgpu/index.js';
import type { Schedule } from '../ddpm/schedules.js';
import type { Trainer } from '../ddpm/train.js';
import { perStep, profileLines } from '../app-support/profile.js';
import { describeOptimizer } from './optimizer-flags.js';
import { METRICS_FILE, METRICS_LOG, MODEL_FILE, STATE_FILE, type MetricsLog, type RunFolder } from '../app-support/run-folder.js';
import type { TrainCommandSettings } from './train-settings.js';
import { runProgressMetrics, writeRunSummary, type LoopOptions, type LoopResult, type RunStatus } from './training-loop.js';
import type { AnyWorkload, ClosingSamples, PreparedRun } from './workload.js';

/** A run set up to train: its workload, settings, model and trainer, and what its reports name. */
export interface TrainRun {
  /** The workload, and its settings, set-up and trainer (of its config and model, whichever they are). */
  workload: AnyWorkload;
  settings: TrainCommandSettings<any>;
  /** `ddpm train …` as typed. */
  command: string;
  device: E.Backend;
  schedule: Schedule;
  prepared: PreparedRun<any>;
  trainer: Trainer<any>;
  runId: string;
  resumed: boolean;
  /** The run's folder, locked. */
  folder: RunFolder;
}

/** "45 epochs × 79 steps" or, resumed, "epochs 11…45 × 79 steps": the training ahead. */
export const epochsAhead = (trainer: { epoch: number; stepsPerEpoch: number }, epochs: number, resumed: boolean): string =>
  `${resumed ? `epochs ${trainer.epoch + 1}…${epochs}` : `${epochs} epochs`} × ${trainer.stepsPerEpoch} steps`;

/** The lines before the first epoch: the workload's (model, data, training ahead), then the optimizer. */
export function printStart(r: TrainRun): void {
  for (const line of r.prepared.startLines(r.trainer, r.resumed)) console.log(line);
  console.log(`optimizer: Adam, ${describeOptimizer(r.settings.run)}`);
}

/** After the epochs: how many, their pace and the checkpoint; with --profile, the kernels' table. */
export function printTrained(r: TrainRun, loop: LoopResult, profile: ProfileReport | null): void {
  const stepsPerSecond = loop.steps / Math.max(loop.seconds, 1e-9);
  console.log(`trained ${r.trainer.epoch - loop.firstEpoch} epochs (${loop.steps} steps) in ${loop.seconds.toFixed(1)} s: ` +
    `${stepsPerSecond.toFixed(stepsPerSecond < 10 ? 2 : 1)} steps/s; checkpoint ${join(r.settings.out, MODEL_FILE)}`);
  if (profile) console.log(profileLines('fused training step', perStep(profile, loop.steps), 'step', (1e6 * loop.seconds) / loop.steps).join('\n'));
}

/** metrics.json and loss.png as the run stands; `closing`: the samples at the end, once drawn. */
export function runSummary(r: TrainRun, closing: ClosingSamples | null): Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'> {
  const { run, out, saveEvery } = r.settings;
  const w = r.workload;
  const metrics = (status: RunStatus, loop: LoopResult): Record<string, unknown> => ({
    command: r.command,
    status,
    run_id: r.runId,
    settings: { ...w.train.checkpointSettings(run), save_every: saveEvery, ...r.prepared.settingsMetrics },
    config: JSON.parse(w.core.configJson(run.config)) as unknown,
    ...r.prepared.metrics(),
    quality: closing?.quality ?? null,
    wall_time_s: { train: loop.seconds, sample: closing?.seconds ?? null, ...closing?.times },
    ...runProgressMetrics(r.trainer, loop, r.resumed),
  });
  return { dir: out, metrics, lossPicture: () => w.core.lossPicture(r.trainer.losses, run.config) };
}

/** A finished run: the closing samples' line in metrics.jsonl, metrics.json, loss.png and the files written. */
export function reportFinished(r: TrainRun, loop: LoopResult, log: MetricsLog, closing: ClosingSamples): void {
  log.append({ final: r.trainer.epoch, quality: closing.log });
  writeRunSummary(runSummary(r, closing), 'finished', loop);
  const files = [MODEL_FILE, STATE_FILE, ...r.prepared.files, METRICS_FILE, METRICS_LOG, 'samples.png', 'reverse.png', 'loss.png'];
  console.log(`wrote ${files.map((n) => join(r.settings.out, n)).join(', ')}`);
}
