// Training in the page's worker, in slices of whole epochs (each about a quarter of a second or
// one epoch): progress goes to the page as steps complete — the step within the epoch, the rate
// and the time left — and the losses as epochs do; between slices now and then a preview (points
// sampled from the model as it is — its weight average, if it keeps one —, with their quality).
// Previews take at most about a quarter of the time. A Stop (an AbortSignal) lands within a chunk
// of steps, even inside an epoch, which is then undone: the model stays on its last whole epoch.

import * as E from '../engine/index.js';
import { samplingConfig, type ModelConfig } from '../ddpm/points/config.js';
import { makeDataset } from '../ddpm/points/data.js';
import { generate } from '../ddpm/generate.js';
import { MLPDiffusion } from '../ddpm/points/model.js';
import { judgeSamples } from '../ddpm/points/quality.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import type { RunSettings, WorkerEvent } from './protocol.js';

/** Points in a preview, and the seed they are drawn with (the same each time, so previews compare). */
export const PREVIEW_POINTS = 500;
const PREVIEW_SEED = 12_345;
/** A slice of whole epochs between previews lasts about this long. */
const SLICE_SECONDS = 0.25;
/** Progress within an epoch goes to the page at most this often. */
const PROGRESS_SECONDS = 0.2;

export interface LiveRun {
  model: MLPDiffusion;
  config: ModelConfig;
  trainer: Trainer;
}

/** A new model and its trainer on `device` (the data, weights and batches from run.seed, as the CLI's). */
export function startRun(run: RunSettings, device: E.Backend): LiveRun {
  const { config } = run;
  const schedule = makeSchedule(config.schedule, config.timesteps);
  const data = makeDataset(config.dataset, run.points, run.seed).map((v) => v * config.dataScale);
  const model = new MLPDiffusion(config.timesteps, new E.Rng(run.seed), { hidden: config.hidden, device });
  // Losses read back every epoch (lossEvery is rounded to whole epochs): the chart moves with the training.
  const trainer = new Trainer(model, schedule, data, run, device, { lossEvery: 1 });
  return { model, config, trainer };
}

/**
 * Sampled points of the model as it is, judged against its data set; null when `signal` stopped
 * it part-way. `onStep` hears of every twentieth of its steps (it takes seconds on a CPU adapter).
 */
export async function preview(live: LiveRun, device: E.Backend, signal?: AbortSignal,
  onStep?: (i: number, count: number) => void): Promise<Extract<WorkerEvent, { kind: 'preview' }> | null> {
  try {
    const { points } = await live.trainer.withSamplingWeights(() => generate(live.model, samplingConfig(live.config), device, {
      sampler: live.config.sampler, n: PREVIEW_POINTS, seed: PREVIEW_SEED, frames: 0, signal, onStep,
    }));
    return { kind: 'preview', epoch: live.trainer.epoch, points, quality: judgeSamples(points, live.config.dataset) };
  } catch (e) {
    if (signal?.aborted) return null;
    throw e;
  }
}

/** Lets the worker's event loop deliver messages (a Stop) before the next slice. */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Trains `epochs` more epochs, emitting progress as steps complete (at most every
 * PROGRESS_SECONDS, and at every epoch's end) and previews along the way (and one at the end).
 * `signal` stops it within a chunk of steps: the epoch it cuts short is undone (Trainer.runEpochs),
 * and no closing preview is drawn.
 */
export async function trainLive(live: LiveRun, device: E.Backend, epochs: number, emit: (event: WorkerEvent) => void,
  signal: AbortSignal): Promise<{ seconds: number; steps: number; stopped: boolean }> {
  const { trainer } = live;
  const perEpoch = trainer.stepsPerEpoch;
  const first = trainer.epoch, target = first + epochs;
  let slice = 1;
  /** Training time before the slice under way (previews left out), and when that slice began. */
  let trainSeconds = 0, sliceStart = performance.now();
  let lastReport = -Infinity;
  let previewDue = performance.now() + 1000;
  /** Progress at `done` epochs (a fraction part-way through one), with the epochs' losses that just completed. */
  const report = (done: number, losses: readonly number[]): void => {
    const now = performance.now();
    if (losses.length === 0 && now - lastReport < 1000 * PROGRESS_SECONDS) return;
    lastReport = now;
    const epoch = Math.floor(done);
    const stepsDone = Math.round((done - first) * perEpoch);
    const seconds = trainSeconds + (now - sliceStart) / 1000;
    const stepsPerSecond = stepsDone > 0 ? stepsDone / seconds : null;
    // Training time alone: the previews add up to about a quarter more (see previewDue).
    const secondsLeft = stepsPerSecond ? ((target - done) * perEpoch) / stepsPerSecond : NaN;
    emit({ kind: 'progress', epoch, step: Math.round((done - epoch) * perEpoch), stepsPerEpoch: perEpoch, target, losses: [...losses], stepsPerSecond, secondsLeft });
  };
  while (trainer.epoch < target && !signal.aborted) {
    sliceStart = performance.now();
    const count = Math.min(slice, target - trainer.epoch);
    const done = trainer.epoch;
    await trainer.runEpochs(count, { signal, onProgress: (e) => { if (!Number.isInteger(e)) report(e, []); }, onLosses: (l) => report(trainer.epoch, l) });
    const seconds = (performance.now() - sliceStart) / 1000;
    trainSeconds += seconds;
    if (trainer.epoch === done) break; // stopped before an epoch completed
    slice = Math.max(1, Math.min(4 * slice, Math.round(((trainer.epoch - done) * SLICE_SECONDS) / Math.max(seconds, 1e-3))));
    if (performance.now() >= previewDue && trainer.epoch < target && !signal.aborted) {
      const began = performance.now();
      const shown = await preview(live, device, signal, (i, n) => emit({ kind: 'phase', text: `sampling a preview: step ${i} / ${n}` }));
      if (shown) emit(shown);
      previewDue = performance.now() + Math.max(1000, 3 * (performance.now() - began));
    }
    await pause();
  }
  const stopped = trainer.epoch < target;
  if (!stopped) emit((await preview(live, device))!);
  return { seconds: trainSeconds, steps: (trainer.epoch - first) * perEpoch, stopped };
}
