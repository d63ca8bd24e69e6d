// Our engine on the tutorial's workload (batch 128, MLPDiffusion, Adam, clipping, 10 000
// S-curve points, the sigmoid schedule over 100 steps): training steps/s, the median over timed
// blocks of whole epochs after a warm-up epoch (a block lasts about a second or more), and the
// time to sample 10 000 points over 100 steps with the tutorial's sampler. On WebGPU it also
// counts dispatches and submits per step and the memory held. `engine`: fused or eager. A
// smoke test (the browser bench page's quick run) may train on fewer points: each epoch, the unit
// of the warm-up and the blocks, is then fewer of the same steps.

import * as E from '../engine/index.js';
import { WebGpuBackend } from '../engine/webgpu/index.js';
import { makeDataset } from '../ddpm/points/data.js';
import { MLPDiffusion } from '../ddpm/points/model.js';
import { sample } from '../ddpm/sample.js';
import { makeSchedule } from '../ddpm/schedules.js';
import type { EngineName } from '../ddpm/fused/index.js';
import { Trainer } from '../ddpm/train.js';
import { median } from './matmul.js';

export interface EngineResult {
  trainStepsPerSecond: number;
  sampleSeconds: number;
  /** Mean training loss over the last timed epoch (79 steps; the engines must agree)… */
  loss: number;
  /** …after this many steps in all (warm-up included). */
  lossAfterSteps: number;
  dispatchesPerStep?: number;
  submitsPerStep?: number;
  /** Dispatches of one sampling run (WebGPU). */
  sampleDispatches?: number;
  /** Device memory held by the engine after training (live + pooled), bytes. */
  memoryBytes?: number;
}

/**
 * Times our engine on the workload (see the header); `points`: the S-curve points trained on
 * (10 000, the workload's, unless a smoke test asks for fewer).
 */
export async function benchOurs(device: E.Backend, engine: EngineName,
  options: { blocks: number; sampleN: number; sampleRepeats: number; points?: number; signal?: AbortSignal }): Promise<EngineResult> {
  const { signal } = options;
  const schedule = makeSchedule('sigmoid', 100);
  const model = new MLPDiffusion(100, new E.Rng(0), { device });
  const trainer = new Trainer(model, schedule, makeDataset('s-curve', options.points ?? 10_000, 0), { seed: 0 }, device, { engine });
  const gpu = device instanceof WebGpuBackend ? device : null;
  let t0 = performance.now();
  await trainer.runEpoch(); // warm-up: pipelines, bind groups, pooled buffers
  await trainer.runEpoch();
  const perBlock = Math.max(1, Math.min(200, Math.ceil(1 / ((performance.now() - t0) / 2000))));
  const rates: number[] = [];
  const before = gpu ? { ...gpu.recorder.stats } : null;
  let loss = NaN;
  for (let i = 0; i < options.blocks; i++) {
    t0 = performance.now();
    loss = (await trainer.runEpochs(perBlock, { signal })).at(-1)!;
    signal?.throwIfAborted();
    rates.push((perBlock * trainer.stepsPerEpoch) / ((performance.now() - t0) / 1000));
  }
  const steps = options.blocks * perBlock * trainer.stepsPerEpoch;
  const result: EngineResult = { trainStepsPerSecond: median(rates), sampleSeconds: NaN, loss, lossAfterSteps: trainer.epoch * trainer.stepsPerEpoch };
  if (gpu && before) {
    result.dispatchesPerStep = (gpu.recorder.stats.dispatches - before.dispatches) / steps;
    result.submitsPerStep = (gpu.recorder.stats.submits - before.submits) / steps;
  }
  const memory = device.memory();
  result.memoryBytes = memory.bytes + memory.pooledBytes;
  trainer.dispose();

  const draw = async (n: number): Promise<number> => {
    const t0 = performance.now();
    const x = await sample(model, schedule, device, { sampler: 'tutorial', n, rng: new E.Rng(1), engine, signal });
    await x.toArray();
    x.dispose();
    return (performance.now() - t0) / 1000;
  };
  if (gpu) await draw(options.sampleN); // warm-up at the measured size
  const times: number[] = [];
  const dispatchesBefore = gpu?.recorder.stats.dispatches ?? 0;
  for (let i = 0; i < options.sampleRepeats; i++) times.push(await draw(options.sampleN));
  if (gpu && options.sampleRepeats > 0) result.sampleDispatches = (gpu.recorder.stats.dispatches - dispatchesBefore) / options.sampleRepeats;
  result.sampleSeconds = median(times);
  for (const p of model.parameters()) p.dispose();
  return result;
}
