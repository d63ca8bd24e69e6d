// Resuming and stopping, on every engine and device (the S-curve's MLPDiffusion on the CPU, on
// WebGPU eager and fused; the image MLP on the CPU and WebGPU, eager), through the Trainer and
// the checkpoint files as the CLI uses them:
//   - a run saved after epoch 2 and resumed ends where an uninterrupted one does, bit for bit:
//     every epoch's loss, every weight, Adam's moments and the random stream's position;
//   - a run stopped part-way through epoch 3 (an AbortSignal) ends on epoch 2 exactly as an
//     uninterrupted run's epoch 2 (the part of epoch 3 undone), and continues bit for bit;
//   - both with the tutorial's optimisation and with a weight average and a warmed-up cosine
//     learning rate (the average saved as the model, the trained weights in the train state);
//   - a learning rate of 1e30 stops with TrainingDiverged at the first epoch whose loss is not
//     finite, on the CPU and fused.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { decodeTrainState, encodeTrainState, weightsNote } from '../../ddpm/checkpoint.js';
import { decodeModel, encodeModel } from '../../ddpm/points/checkpoint.js';
import { modelConfigJson, parseModelConfig, type ModelConfig } from '../../ddpm/points/config.js';
import { makeDataset } from '../../ddpm/points/data.js';
import type { ImageModelConfig } from '../../ddpm/images/config.js';
import { imageConfigJson, parseImageConfig } from '../../ddpm/images/config.js';
import { buildImageModel, decodeImageModel, encodeImageModel } from '../../ddpm/images/checkpoint.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import type { NoisePredictor } from '../../ddpm/noise-predictor.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer, TrainingDiverged, TUTORIAL_TRAIN_SETTINGS, type TrainerOptions, type TrainSettings } from '../../ddpm/train.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';

const gpu = await gpuForTests();
const tutorial: TrainSettings = { ...TUTORIAL_TRAIN_SETTINGS, batch: 40, lr: 1e-3, clip: 1, seed: 3 };
// 4 epochs of 5 steps: 3 steps of warm-up, then a cosine down to 0.1·lr at step 20.
const averaged: TrainSettings = { ...tutorial, ema: 0.9, lrSchedule: { warmupSteps: 3, decay: 'cosine', totalSteps: 20, floor: 0.1 } };

interface Workload {
  name: string;
  data: Float32Array;
  schedule: ReturnType<typeof makeSchedule>;
  build(device: E.Backend): NoisePredictor & E.Module;
  /** The CLI's round trip: model and train state to bytes and back, on `device`. */
  roundTrip(trainer: Trainer<NoisePredictor & E.Module>, device: E.Backend, settings: TrainSettings): Promise<{ model: NoisePredictor & E.Module; state: ReturnType<typeof decodeTrainState> }>;
}

const pointsConfig: ModelConfig = {
  model: 'MLPDiffusion', timesteps: 100, hidden: 24, schedule: 'linear', dataset: 's-curve', dataScale: 10, sampler: 'ddpm', preset: 'custom',
};
const points: Workload = {
  name: 'MLPDiffusion',
  // 181 points in batches of 40: 5 steps an epoch, the last one odd (21 rows).
  data: makeDataset('s-curve', 181, 0).map((v) => v * 10),
  schedule: makeSchedule('linear', 100),
  build: (device) => new MLPDiffusion(100, new E.Rng(5), { hidden: 24, device }),
  async roundTrip(trainer, device, settings) {
    const state = await trainer.exportState();
    const stamp = { epoch: trainer.epoch, runId: 'run-1', weights: weightsNote(state, settings.ema) };
    const modelBytes = await trainer.withSamplingWeights(() => encodeModel(trainer.model as MLPDiffusion, pointsConfig, stamp));
    const stateBytes = await encodeTrainState(trainer.model, { ...state, settings, config: pointsConfig, runId: 'run-1' }, modelConfigJson);
    const { model } = decodeModel(modelBytes, device);
    return { model, state: decodeTrainState(stateBytes, model, 'train-state.safetensors', parseModelConfig) };
  },
};

const imageConfig: ImageModelConfig = {
  model: 'MLPImageDiffusion', dataset: 'mnist', width: 4, height: 4, timesteps: 50, schedule: 'linear', hidden: 32, depth: 2,
  timeDim: 8, dataVariance: null, pixelVariance: false, sampler: 'ddim', samplingSteps: 10,
};
const images: Workload = {
  name: 'MLPImageDiffusion',
  // 181 "images" of 4×4.
  data: new E.Rng(9).uniform(181 * 16, -1, 1),
  schedule: makeSchedule('linear', 50),
  build: (device) => buildImageModel(imageConfig, new E.Rng(5), device, null),
  async roundTrip(trainer, device, settings) {
    const state = await trainer.exportState();
    const modelBytes = await trainer.withSamplingWeights(() =>
      encodeImageModel(trainer.model as ReturnType<typeof buildImageModel>, imageConfig, { epoch: trainer.epoch, runId: 'run-1' }));
    const stateBytes = await encodeTrainState(trainer.model, { ...state, settings, config: imageConfig, runId: 'run-1' }, imageConfigJson);
    const { model } = decodeImageModel(modelBytes, device);
    return { model, state: decodeTrainState(stateBytes, model, 'train-state.safetensors', parseImageConfig) };
  },
};

async function snapshot(trainer: Trainer<NoisePredictor & E.Module>): Promise<{ weights: number[][]; state: unknown }> {
  const weights = await Promise.all(trainer.model.parameters().map(async (p) => Array.from((await p.toArray()) as Float32Array)));
  const state = await trainer.exportState();
  return {
    weights, state: {
      ...state, adam: state.adam.map((s) => s && { step: s.step, m: Array.from(s.m), v: Array.from(s.v) }),
      ema: state.ema && { updates: state.ema.updates, weights: state.ema.weights.map((w) => Array.from(w)) },
    },
  };
}

const cases: { workload: Workload; device: () => E.Backend; engine: 'eager' | 'fused'; gpu: boolean }[] = [
  { workload: points, device: () => E.cpu, engine: 'eager', gpu: false },
  { workload: points, device: () => gpu!, engine: 'eager', gpu: true },
  { workload: points, device: () => gpu!, engine: 'fused', gpu: true },
  { workload: images, device: () => E.cpu, engine: 'eager', gpu: false },
  { workload: images, device: () => gpu!, engine: 'eager', gpu: true },
];

for (const [{ workload, device: deviceOf, engine, gpu: needsGpu }, settings] of cases.flatMap((c) => [[c, tutorial], [c, averaged]] as const)) {
  const where = `${workload.name}, ${needsGpu ? 'WebGPU' : 'CPU'} ${engine}${settings.ema > 0 ? ', weight average and cosine lr' : ''}`;
  // Fused: chunks of 2 steps, so that a stop falls inside an epoch (5 steps) there too.
  const options: TrainerOptions = engine === 'fused' ? { engine, chunkSteps: 2 } : { engine };
  const trainerOn = (device: E.Backend, model = workload.build(device)): Trainer<NoisePredictor & E.Module> =>
    new Trainer(model, workload.schedule, workload.data, settings, device, options);

  (needsGpu ? gpuTest(gpu) : test)(`${where}: resumed after epoch 2 = uninterrupted, bit for bit`, async () => {
    const device = deviceOf();
    const straight = trainerOn(device);
    await straight.runEpochs(4);
    const first = trainerOn(device);
    await first.runEpochs(2);
    const { model, state } = await workload.roundTrip(first, device, settings);
    const resumed = trainerOn(device, model);
    resumed.importState(state);
    assert.is(resumed.epoch, 2);
    await resumed.runEpochs(2);
    assert.ok(resumed.losses.every(Number.isFinite), `finite losses: ${resumed.losses.join(', ')}`);
    assert.equal(resumed.losses, straight.losses, 'the same four epoch losses');
    assert.equal(await snapshot(resumed), await snapshot(straight), 'the same weights, Adam state and random stream');
    for (const t of [straight, first, resumed]) t.dispose();
  });

  (needsGpu ? gpuTest(gpu) : test)(`${where}: stopped part-way through epoch 3 = epoch 2, and continues bit for bit`, async () => {
    const device = deviceOf();
    const straight = trainerOn(device);
    await straight.runEpochs(2);
    const atTwo = await snapshot(straight);
    await straight.runEpochs(2);

    const stopped = trainerOn(device);
    const controller = new AbortController();
    let seen = 0;
    const losses = await stopped.runEpochs(4, {
      signal: controller.signal,
      onProgress: (done) => {
        if (done > 2 && !Number.isInteger(done)) seen++;
        if (seen === 1) controller.abort();
      },
    });
    assert.ok(seen >= 1, 'the stop came inside epoch 3');
    assert.is(losses.length, 2, 'two epochs completed');
    assert.is(stopped.epoch, 2);
    assert.equal(await snapshot(stopped), atTwo, 'weights, Adam state and random stream as after epoch 2');
    await stopped.runEpochs(2);
    assert.equal(stopped.losses, straight.losses);
    assert.equal(await snapshot(stopped), await snapshot(straight));
    for (const t of [straight, stopped]) t.dispose();
  });
}

for (const [where, deviceOf, engine] of [['CPU eager', () => E.cpu, 'eager'], ['WebGPU fused', () => gpu!, 'fused']] as const) {
  (engine === 'fused' ? gpuTest(gpu) : test)(`${where}: a learning rate of 1e30 stops with TrainingDiverged at epoch 1`, async () => {
    const device = deviceOf();
    const trainer = new Trainer(points.build(device), points.schedule, points.data, { ...tutorial, lr: 1e30 }, device, { engine });
    try {
      await trainer.runEpochs(3);
      assert.unreachable('training went on');
    } catch (e) {
      assert.instance(e, TrainingDiverged);
      assert.is((e as TrainingDiverged).epoch, 1);
      assert.match((e as Error).message, /the loss of epoch 1 is (NaN|Infinity): training diverged/);
    }
    assert.is(trainer.epoch, 0, 'no epoch counted');
    trainer.dispose();
  });
}

test.run();
