// The CLI's training loop, shared by the S-curve and the image workload: epochs up to the target
// with a progress line; a line per epoch in metrics.jsonl; a checkpoint every `saveEvery`
// epochs (then a cheap preview, metrics.json and loss.png refreshed); and the three ways a run
// ends early, none of which loses the last checkpoint:
//   stopped   (SIGINT/SIGTERM) the epoch in progress is undone and the last completed one saved;
//             metrics.json says "stopped", and how to resume is printed
//   diverged  (a NaN or infinite loss) nothing more is saved: the last checkpoint is good;
//             metrics.json says "diverged", and the error says which epoch
//   failed    (any other error) nothing more is written

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import type { NoisePredictor } from '../ddpm/model.js';
import type { Raster } from '../ddpm/plot/raster.js';
import { TrainingDiverged, type Trainer } from '../ddpm/train.js';
import { writeFileAtomic } from './files.js';
import { writePicture } from './pictures.js';
import { Progress } from './progress.js';
import { METRICS_FILE, MODEL_FILE, writeCheckpoint, type MetricsLog } from './run-folder.js';
import { Interrupted, type StopRequest } from './stop.js';

export type RunStatus = 'running' | 'stopped' | 'diverged' | 'finished';

export interface LoopResult {
  /** The epoch the loop started from (0, or a resumed run's). */
  firstEpoch: number;
  /** Training steps taken and the seconds they took (checkpoints included). */
  steps: number;
  seconds: number;
  /** The signal that stopped the run before `epochs`, or null. */
  stopped: Interrupted | null;
  /** The epoch of the checkpoint on disk. */
  savedEpoch: number | null;
}

export interface LoopOptions {
  /** The run's folder (--out). */
  dir: string;
  epochs: number;
  saveEvery: number;
  stop: StopRequest;
  log: MetricsLog;
  /** The checkpoint's two files as bytes, for the trainer's current epoch. */
  encode: () => Promise<{ model: Uint8Array; state: Uint8Array }>;
  /** A quick look at the model (writes samples.png); its quality for metrics.jsonl, null if stopped. */
  preview: (signal: AbortSignal) => Promise<Record<string, unknown> | null>;
  /** metrics.json as the run stands. */
  metrics: (status: RunStatus, loop: LoopResult) => Record<string, unknown>;
  lossPicture: () => Raster;
}

/** The part of metrics.json every run has, whatever its model: epochs, losses, pace, how it ended. */
export function runProgressMetrics(trainer: { epoch: number; losses: readonly number[] }, loop: LoopResult, resumed: boolean): Record<string, unknown> {
  return {
    epochs: trainer.epoch,
    checkpoint_epoch: loop.savedEpoch,
    resumed_from_epoch: resumed ? loop.firstEpoch : null,
    loss_per_epoch: trainer.losses,
    final_loss: trainer.losses.at(-1) ?? null,
    steps_per_s: loop.steps / Math.max(loop.seconds, 1e-9),
    steps_this_run: loop.steps,
    ...(loop.stopped ? { stopped_by: loop.stopped.signal } : {}),
    node: process.version,
    written: new Date().toISOString(),
  };
}

/** metrics.json and loss.png, as the run stands. */
export function writeRunSummary(options: Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'>, status: RunStatus, loop: LoopResult): void {
  writeFileAtomic(join(options.dir, METRICS_FILE), `${JSON.stringify(options.metrics(status, loop), null, 2)}\n`);
  writePicture(join(options.dir, 'loss.png'), options.lossPicture());
}

/**
 * A finished run's closing samples, drawn by `draw`: a stop while they are drawn marks the run
 * stopped (its training is complete, the checkpoint saved) and says how to draw them later.
 */
export async function sampleAfterTraining<T>(options: Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'>, loop: LoopResult,
  epoch: number, later: string, draw: () => Promise<T>): Promise<T> {
  try {
    return await draw();
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    writeRunSummary(options, 'stopped', { ...loop, stopped: e });
    throw new Interrupted(e.signal, `stopped by ${e.signal} while sampling: training is complete (${join(options.dir, MODEL_FILE)}, ` +
      `epoch ${epoch}); ${later}`);
  }
}

export async function trainWithCheckpoints<M extends NoisePredictor & E.Module>(trainer: Trainer<M>, options: LoopOptions): Promise<LoopResult> {
  const { dir, epochs, saveEvery, stop, log } = options;
  const firstEpoch = trainer.epoch;
  const steps = trainer.stepsPerEpoch;
  const progress = new Progress('train', epochs, 'epoch', process.stderr, 10, firstEpoch);
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  let savedEpoch: number | null = firstEpoch > 0 ? firstEpoch : null; // the checkpoint on disk
  let trainedSeconds: number | null = null; // set when training ends (the last checkpoint is not counted)
  const result = (): LoopResult => ({
    firstEpoch, steps: (trainer.epoch - firstEpoch) * steps, seconds: trainedSeconds ?? elapsed(), stopped: stop.reason, savedEpoch,
  });

  const checkpoint = async (preview: boolean): Promise<void> => {
    writeCheckpoint(dir, await options.encode());
    savedEpoch = trainer.epoch;
    const quality = preview && !stop.signal.aborted ? await options.preview(stop.signal) : null;
    log.append({ checkpoint: trainer.epoch, elapsed_s: elapsed(), ...(quality ? { quality } : {}) });
    writeRunSummary(options, 'running', result());
  };

  try {
    while (trainer.epoch < epochs && !stop.signal.aborted) {
      const untilSave = saveEvery > 0 ? saveEvery - (trainer.epoch % saveEvery) : Infinity;
      let lastLoss = trainer.losses.at(-1);
      await trainer.runEpochs(Math.min(epochs - trainer.epoch, untilSave), {
        signal: stop.signal,
        onLosses: (losses) => {
          losses.forEach((loss, i) => {
            const epoch = trainer.epoch - losses.length + i + 1;
            log.append({ epoch, loss, steps_per_s: ((epoch - firstEpoch) * steps) / Math.max(elapsed(), 1e-9), elapsed_s: elapsed() });
          });
          lastLoss = losses.at(-1);
        },
        onProgress: (done) => {
          const within = Math.round((done % 1) * steps);
          const fields = [lastLoss !== undefined ? `loss ${lastLoss.toFixed(4)}` : '', within > 0 ? `step ${within}/${steps}` : ''];
          progress.update(done, fields.filter(Boolean).join('  '), { count: (done - firstEpoch) * steps, unit: 'steps' });
        },
      });
      if (saveEvery > 0 && trainer.epoch % saveEvery === 0 && trainer.epoch !== savedEpoch) await checkpoint(true);
    }
  } catch (e) {
    progress.interrupt();
    if (!(e instanceof TrainingDiverged)) throw e;
    writeRunSummary(options, 'diverged', result());
    const kept = savedEpoch !== null ? `the last good checkpoint (epoch ${savedEpoch}) is kept in ${dir}` : `no checkpoint had been written to ${dir} yet`;
    throw new Error(`${e.message}; ${kept}`);
  }
  progress.interrupt();
  trainedSeconds = elapsed();
  // The last completed epoch, also when stopped (without a preview: the command samples next, or stops now).
  if (trainer.epoch !== savedEpoch) await checkpoint(false);
  const done = result();
  if (done.stopped) {
    writeRunSummary(options, 'stopped', done);
    process.stderr.write(`stopped at epoch ${trainer.epoch} of ${epochs}: checkpoint saved in ${dir}; continue with: ddpm train --resume ${dir}\n`);
  }
  return done;
}
