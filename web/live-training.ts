// Training in the page's worker, in slices: a slice of whole epochs (sized to take about a
// quarter of a second), then its losses and rate go to the page, now and then a preview (points
// sampled from the model as it is — its weight average, if it keeps one —, with their quality), then a pause for incoming messages, so a
// Stop lands between slices. Previews take at most about a quarter of the time.

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
const SLICE_SECONDS = 0.25;

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

/** Sampled points of the model as it is, judged against its data set. */
export async function preview(live: LiveRun, device: E.Backend): Promise<Extract<WorkerEvent, { kind: 'preview' }>> {
  const { points } = await live.trainer.withSamplingWeights(() => generate(live.model, samplingConfig(live.config), device, {
    sampler: live.config.sampler, n: PREVIEW_POINTS, seed: PREVIEW_SEED, frames: 0,
  }));
  return { kind: 'preview', epoch: live.trainer.epoch, points, quality: judgeSamples(points, live.config.dataset) };
}

/** Lets the worker's event loop deliver messages (a Stop) before the next slice. */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Trains `epochs` more epochs, emitting progress after every slice and previews along the way
 * (and one at the end); returns early when `stopRequested()` turns true.
 */
export async function trainLive(live: LiveRun, device: E.Backend, epochs: number, emit: (event: WorkerEvent) => void,
  stopRequested: () => boolean): Promise<{ seconds: number; steps: number; stopped: boolean }> {
  const { trainer } = live;
  const target = trainer.epoch + epochs;
  let slice = 1;
  let trainSeconds = 0, steps = 0;
  let previewDue = performance.now() + 1000;
  while (trainer.epoch < target && !stopRequested()) {
    const start = performance.now();
    const count = Math.min(slice, target - trainer.epoch);
    const losses = await trainer.runEpochs(count);
    const seconds = (performance.now() - start) / 1000;
    trainSeconds += seconds;
    steps += count * trainer.stepsPerEpoch;
    const stepsPerSecond = steps / trainSeconds;
    // Training time alone: the previews add up to about a quarter more (see previewDue).
    const secondsLeft = ((target - trainer.epoch) * trainer.stepsPerEpoch) / stepsPerSecond;
    emit({ kind: 'progress', epoch: trainer.epoch, target, losses, stepsPerSecond, secondsLeft });
    slice = Math.max(1, Math.min(4 * slice, Math.round((count * SLICE_SECONDS) / Math.max(seconds, 1e-3))));
    if (performance.now() >= previewDue && trainer.epoch < target) {
      const began = performance.now();
      emit(await preview(live, device));
      const took = performance.now() - began;
      previewDue = performance.now() + Math.max(1000, 3 * took);
    }
    await pause();
  }
  emit(await preview(live, device));
  return { seconds: trainSeconds, steps, stopped: trainer.epoch < target };
}
