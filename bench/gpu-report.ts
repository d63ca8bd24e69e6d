// `ddpm bench`'s reports on our WebGPU engine after the engine table: with --profile, the fused
// engine's GPU time per kernel (a profiled training run and a profiled sampling run, set beside
// the unprofiled times the table measured), and the limit model (bench/limit.ts) with every
// engine that beats it named.

import * as E from '../engine/index.js';
import { KernelProfiler, profilingUnavailable, type WebGpuBackend } from '../engine/webgpu/index.js';
import { makeDataset } from '../ddpm/points/data.js';
import { MLPDiffusion } from '../ddpm/points/model.js';
import { sample } from '../ddpm/sample.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import { perStep, profileLines, type ProfilePerStep } from '../app-support/profile.js';
import { dependentDispatchSeconds, forwardFlops, limitOf, shapeRate, trainStepFlops } from './limit.js';
import { MATMUL_CASES } from './matmul.js';
import type { EngineResult } from './ours.js';

export interface ProfileResult {
  train: ProfilePerStep;
  sample: ProfilePerStep;
}

/**
 * The fused engine profiled on the bench's workload: `epochs` epochs of training and one sampling run of `sampleN` points; printed per step and per run beside
 * `measured` (the table's unprofiled figures). Null, with the reason printed, without timestamps.
 */
export async function profileReport(gpu: WebGpuBackend, measured: EngineResult, sampleN: number, signal: AbortSignal,
  epochs = 2): Promise<ProfileResult | null> {
  const reason = profilingUnavailable(gpu);
  if (reason !== null) {
    console.log(`\n--profile: ${reason}`);
    return null;
  }
  const schedule = makeSchedule('sigmoid', 100);
  const model = new MLPDiffusion(100, new E.Rng(0), { device: gpu });
  const profiler = new KernelProfiler(gpu);
  const trainer = new Trainer(model, schedule, makeDataset('s-curve', 10_000, 0), { seed: 0 }, gpu, { engine: 'fused', profiler });
  try {
    await trainer.runEpochs(epochs, { signal });
    const train = perStep(await profiler.read(), epochs * trainer.stepsPerEpoch);
    const sampled = new KernelProfiler(gpu);
    const x = await sample(model, schedule, gpu, { sampler: 'tutorial', n: sampleN, rng: new E.Rng(1), engine: 'fused', profiler: sampled });
    await x.toArray();
    x.dispose();
    const sampling = perStep(await sampled.read(), 1);
    sampled.destroy();
    console.log('');
    console.log(profileLines('ours-webgpu training step', train, 'step', 1e6 / measured.trainStepsPerSecond, 'wall, unprofiled').join('\n'));
    if (!Number.isNaN(measured.sampleSeconds)) {
      console.log(profileLines(`ours-webgpu sampling ${sampleN} × 100`, sampling, 'run', 1e6 * measured.sampleSeconds, 'wall, unprofiled').join('\n'));
    }
    return { train, sample: sampling };
  } finally {
    trainer.dispose();
    profiler.destroy();
    for (const p of model.parameters()) p.dispose();
  }
}

/**
 * Prints the limit model on this adapter beside ours-webgpu, and names every engine faster than
 * it (which shows its parts are not a floor). Returns its figures for the JSON.
 */
export async function limitReport(gpu: WebGpuBackend, results: ReadonlyMap<string, EngineResult>, sampleN: number): Promise<Record<string, number | string> | null> {
  const ours = results.get('ours-webgpu');
  if (!ours || ours.dispatchesPerStep === undefined || ours.sampleDispatches === undefined) return null;
  const dispatch = await dependentDispatchSeconds(gpu);
  const trainRate = await shapeRate(gpu, MATMUL_CASES.filter((c) => c.label.startsWith('hidden')));
  const sampleRate = await shapeRate(gpu, MATMUL_CASES.filter((c) => c.label.startsWith('sampling')), 3);
  const train = limitOf(trainStepFlops(), ours.dispatchesPerStep, trainRate.gflops, dispatch);
  const sampling = limitOf(100 * forwardFlops(sampleN), ours.sampleDispatches, sampleRate.gflops, dispatch);
  const trainMeasured = 1 / ours.trainStepsPerSecond;
  const us = (x: number): string => `${(x * 1e6).toFixed(1)} µs`;
  const ms = (x: number): string => `${(x * 1000).toFixed(2)} ms`;
  console.log(`\nlimit model on this adapter, from measured parts: a dependent dispatch replayed in a program ${us(dispatch)}; ` +
    `our matmul at the step's shapes ${trainRate.gflops.toFixed(1)} GFLOP/s, at sampling's ${sampleRate.gflops.toFixed(1)} GFLOP/s (${trainRate.timedBy})`);
  console.log(`  training step: ${(trainStepFlops() / 1e6).toFixed(1)} MFLOP → ${us(train.computeSeconds)}, ${ours.dispatchesPerStep.toFixed(1)} dispatches → ` +
    `${us(train.dispatchSeconds)}: ${us(train.seconds)} (${(1 / train.seconds).toFixed(0)} steps/s); ours ${us(trainMeasured)}, ${(trainMeasured / train.seconds).toFixed(2)}× the limit`);
  console.log(`  sampling ${sampleN} × 100: ${(100 * forwardFlops(sampleN) / 1e9).toFixed(2)} GFLOP → ${ms(sampling.computeSeconds)}, ` +
    `${ours.sampleDispatches.toFixed(0)} dispatches → ${ms(sampling.dispatchSeconds)}: ${ms(sampling.seconds)}; ours ${ms(ours.sampleSeconds)}, ` +
    `${(ours.sampleSeconds / sampling.seconds).toFixed(2)}× the limit`);
  // A peer on the same hardware beating the limit shows the limit is not the hardware's floor.
  for (const [engine, r] of results) {
    if (1 / r.trainStepsPerSecond < train.seconds) {
      console.log(`  ${engine} trains faster than this limit (${r.trainStepsPerSecond.toFixed(0)} steps/s): its parts are not this machine's floor`);
    }
    if (r.sampleSeconds < sampling.seconds) {
      console.log(`  ${engine} samples faster than this limit (${ms(r.sampleSeconds)}): its parts are not this machine's floor`);
    }
  }
  return {
    dependent_dispatch_us: dispatch * 1e6, step_shapes_gflops: trainRate.gflops, sampling_shapes_gflops: sampleRate.gflops, rate_timed_by: trainRate.timedBy,
    train_step_limit_us: train.seconds * 1e6, train_vs_limit: trainMeasured / train.seconds,
    sample_limit_s: sampling.seconds, sample_vs_limit: ours.sampleSeconds / sampling.seconds,
  };
}
