// The CLI's training loop, shared by every workload: epochs up to the target
// with a progress line; a line per epoch in metrics.jsonl; a checkpoint every `saveEvery`
// epochs (then a cheap preview, metrics.json and loss.png refreshed); and the three ways a run
// ends early, none of which loses the last checkpoint:
//   stopped   (SIGINT/SIGTERM) the epoch in progress is undone and the last completed one saved
//             (a second signal waits for that save: app-support/stop.ts); metrics.json says "stopped", and
//             how to resume is printed
//   diverged  (a NaN or infinite loss) nothing more is saved: the last checkpoint is good;
//             metrics.json says "diverged", and the error says which epoch
//   failed    (any other error, e.g. a full disk) nothing more is saved; metrics.json says
//             "failed" and why, if it can still be written
// Nothing is written into the folder before the run's first step has run (RunFolder.claim):
// a run --overwrite starts that fails at once leaves the run it was to replace as it was.

import { join } from 'node:path';
import type * as E from '../engine/index.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import type { Raster } from '../ddpm/plot/raster.js';
import { TrainingDiverged, type Trainer } from '../ddpm/train.js';
import { writeFileAtomic } from '../app-support/files.js';
import { NonFiniteSamples } from '../ddpm/finite-samples.js';
import { writePicture } from './pictures.js';
import { Progress } from '../app-support/progress.js';
import { METRICS_FILE, MODEL_FILE, writeCheckpoint, type MetricsLog, type RunFolder } from '../app-support/run-folder.js';
import { Interrupted, type StopRequest } from '../app-support/stop.js';

export type RunStatus = 'running' | 'stopped' | 'diverged' | 'failed' | 'finished';

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
  /** Why the run failed (status "failed"), or undefined. */
  failure?: string;
}

export interface LoopOptions {
  /** The run's folder (--out). */
  dir: string;
  /** The same folder, prepared and locked; claimed at the first step. */
  folder: RunFolder;
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
    ...(loop.failure !== undefined ? { failure: loop.failure } : {}),
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
 * stopped (its training is complete, the checkpoint saved) and says how to draw them later;
 * samples that are not finite mark it "failed", with why.
 */
export async function sampleAfterTraining<T>(options: Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'>, loop: LoopResult,
  epoch: number, later: string, draw: () => Promise<T>): Promise<T> {
  try {
    return await draw();
  } catch (e) {
    if (e instanceof NonFiniteSamples) {
      // The checkpoint is kept (its weights are finite); the run is marked as one whose samples are not.
      writeRunSummary(options, 'failed', { ...loop, failure: e.message });
      throw new Error(`training ended (${join(options.dir, MODEL_FILE)}, epoch ${epoch}), but ${e.message}`);
    }
    if (!(e instanceof Interrupted)) throw e;
    writeRunSummary(options, 'stopped', { ...loop, stopped: e });
    throw new Interrupted(e.signal, `stopped by ${e.signal} while sampling: training is complete (${join(options.dir, MODEL_FILE)}, ` +
      `epoch ${epoch}); ${later}`);
  }
}

export async function trainWithCheckpoints<M extends NoisePredictor & E.Module>(trainer: Trainer<M>, options: LoopOptions): Promise<LoopResult> {
  const { dir, epochs, saveEvery, stop, log, folder } = options;
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
  // The folder is the run's from its first step on (the old run's files, with --overwrite, go then).
  let claimed = false;
  const claim = (): void => {
    if (claimed) return;
    folder.claim();
    log.open();
    claimed = true;
  };
  // A second signal waits while completed epochs are unsaved.
  const unsaved = (): string | null => {
    if (!claimed || trainer.epoch === (savedEpoch ?? 0)) return null;
    const from = (savedEpoch ?? 0) + 1;
    return from === trainer.epoch ? `epoch ${from}` : `epochs ${from}–${trainer.epoch}`;
  };
  const stopWaiting = stop.whileUnsaved(unsaved);

  const checkpoint = async (preview: boolean): Promise<void> => {
    claim();
    writeCheckpoint(dir, await options.encode());
    savedEpoch = trainer.epoch;
    const quality = preview && !stop.signal.aborted ? await options.preview(stop.signal) : null;
    log.append({ checkpoint: trainer.epoch, elapsed_s: elapsed(), ...(quality ? { quality } : {}) });
    writeRunSummary(options, 'running', result());
  };

  try {
    try {
      while (trainer.epoch < epochs && !stop.signal.aborted) {
        const untilSave = saveEvery > 0 ? saveEvery - (trainer.epoch % saveEvery) : Infinity;
        let lastLoss = trainer.losses.at(-1);
        await trainer.runEpochs(Math.min(epochs - trainer.epoch, untilSave), {
          signal: stop.signal,
          onLosses: (losses) => {
            claim();
            losses.forEach((loss, i) => {
              const epoch = trainer.epoch - losses.length + i + 1;
              log.append({ epoch, loss, steps_per_s: ((epoch - firstEpoch) * steps) / Math.max(elapsed(), 1e-9), elapsed_s: elapsed() });
            });
            lastLoss = losses.at(-1);
          },
          onProgress: (done) => {
            if (done > firstEpoch) claim();
            const within = Math.round((done % 1) * steps);
            const fields = [lastLoss !== undefined ? `loss ${lastLoss.toFixed(4)}` : '', within > 0 ? `step ${within}/${steps}` : ''];
            progress.update(done, fields.filter(Boolean).join('  '), { count: (done - firstEpoch) * steps, unit: 'steps' });
          },
        });
        if (saveEvery > 0 && trainer.epoch % saveEvery === 0 && trainer.epoch !== savedEpoch) await checkpoint(true);
      }
    } catch (e) {
      progress.interrupt();
      if (e instanceof TrainingDiverged) {
        claim(); // steps ran: this run is the folder's now
        writeRunSummary(options, 'diverged', result());
        const kept = savedEpoch !== null ? `the last good checkpoint (epoch ${savedEpoch}) is kept in ${dir}` : `no checkpoint had been written to ${dir} yet`;
        throw new Error(`${e.message}; ${kept}`);
      }
      if (claimed) markFailed(options, result(), e);
      throw e;
    }
    progress.interrupt();
    trainedSeconds = elapsed();
    const done = result();
    if (done.stopped && !claimed) {
      const kept = folder.replaced.length > 0 ? `; the run in ${dir} is as it was` : '';
      process.stderr.write(`stopped before the first step: nothing written${kept}\n`);
      return done;
    }
    // The last completed epoch, also when stopped (without a preview: the command samples next, or stops now).
    try {
      if (trainer.epoch !== savedEpoch) await checkpoint(false);
    } catch (e) {
      markFailed(options, result(), e);
      throw e;
    }
    const saved = result();
    if (saved.stopped) {
      writeRunSummary(options, 'stopped', saved);
      process.stderr.write(`stopped at epoch ${trainer.epoch} of ${epochs}: checkpoint saved in ${dir}; continue with: ddpm train --resume ${dir}\n`);
    }
    return saved;
  } finally {
    stopWaiting();
  }
}

/** metrics.json marked "failed" with the reason, if it can still be written (a full disk may refuse it too). */
function markFailed(options: Pick<LoopOptions, 'dir' | 'metrics' | 'lossPicture'>, loop: LoopResult, e: unknown): void {
  try {
    writeRunSummary(options, 'failed', { ...loop, failure: e instanceof Error ? e.message : String(e) });
  } catch {
    // the error that made it fail is the one to report
  }
}
