// GPU time per kernel (engine/webgpu/profiler.ts) on the fused engine: with timestamps (lavapipe
// offers 'timestamp-query'), a profiled training run times every kernel of every step (those of
// the adapter's split) and a
// profiled sampling run every dispatch; the GPU's time for them is positive and no more than the
// wall time they took; `ddpm train --profile` prints the table, and refuses where it cannot
// profile (the CPU device, the eager engine), saying why.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { KernelProfiler, profilingUnavailable } from '../../engine/webgpu/index.js';
import { makeDataset } from '../../ddpm/points/data.js';
import { fusedSplit } from '../../ddpm/fused/index.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { sample } from '../../ddpm/sample.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer } from '../../ddpm/train.js';
import { perStep } from '../../app-support/profile.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { runDdpm } from '../support/helpers.js';

const gpu = await gpuForTests();
const schedule = makeSchedule('linear', 50);

gpuTest(gpu)('the adapter offers timestamps, or the profiler says it does not', () => {
  const reason = profilingUnavailable(gpu!);
  if (reason === null) {
    assert.ok(gpu!.device.features.has('timestamp-query'));
  } else {
    assert.match(reason, /timestamp-query/);
    assert.throws(() => new KernelProfiler(gpu!), /timestamp-query/);
  }
});

const withTimestamps = gpu !== null && profilingUnavailable(gpu) === null;

gpuTest(gpu)('a profiled fused training run times each of its kernels at every step', async () => {
  assert.ok(withTimestamps, `lavapipe and real GPUs offer timestamp-query; this adapter: ${gpu!.describe()}`);
  const profiler = new KernelProfiler(gpu!);
  const model = new MLPDiffusion(50, new E.Rng(0), { hidden: 64, device: gpu! });
  const trainer = new Trainer(model, schedule, makeDataset('s-curve', 300, 0), { seed: 0, batch: 64 }, gpu!, { profiler, chunkSteps: 3 });
  const t0 = performance.now();
  await trainer.runEpochs(2);
  const wallNs = (performance.now() - t0) * 1e6;
  const report = await profiler.read();
  const steps = 2 * trainer.stepsPerEpoch;
  // The adapter's split: 3 kernels a step, or 4 with the norm apart (CPU drivers).
  const kernels = ['train_rows', 'train_grads', ...(fusedSplit(gpu!).normKernel ? ['train_norm'] : []), 'train_adam'];
  assert.equal([...report.kernels.keys()].sort(), [...kernels, 'transpose_weights'].sort());
  for (const name of kernels) {
    const k = report.kernels.get(name)!;
    assert.is(k.dispatches, steps, `${name}: one dispatch a step`);
    assert.ok(k.nanoseconds > 0, `${name} took GPU time`);
  }
  assert.is(report.gaps.get('train_rows → train_grads')!.dispatches, steps);
  assert.ok(report.spanNanoseconds > 0 && report.spanNanoseconds <= wallNs, `the GPU's span ${report.spanNanoseconds} ns within the wall time ${wallNs} ns`);
  const p = perStep(report, steps);
  assert.ok(p.gpuUs > 0 && p.gpuUs * steps * 1000 <= wallNs, 'kernels + gaps per step × steps within the wall time');
  trainer.dispose();
  profiler.destroy();
});

gpuTest(gpu)('a profiled fused sampling run times its dispatches', async () => {
  assert.ok(withTimestamps);
  const profiler = new KernelProfiler(gpu!);
  const model = new MLPDiffusion(50, new E.Rng(0), { hidden: 64, device: gpu! });
  for (const sampleLoop of [true, false]) {
    const split = { ...fusedSplit(gpu!), sampleLoop };
    const x = await sample(model, schedule, gpu!, { sampler: 'tutorial', n: 100, rng: new E.Rng(1), engine: 'fused', split, profiler });
    await x.toArray();
    x.dispose();
  }
  const report = await profiler.read();
  const sg = fusedSplit(gpu!).sampleSubgroups ? '_sg' : '';  // the subgroup kernels where the device has subgroups of 8
  assert.is(report.kernels.get(`sample_steps${sg}`)!.dispatches, 1, 'the looping kernel: one dispatch for 50 steps');
  assert.is(report.kernels.get(`sample_step${sg}`)!.dispatches, 50, 'the one-step kernel: a dispatch per step');
  profiler.destroy();
});

gpuTest(gpu)('ddpm train --profile prints each kernel\'s time per step; it refuses the CPU and the eager engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-profile-'));
  try {
    const common = ['train', '--preset', 'seed', '--epochs', '2', '--data-size', '300', '--hidden', '32', '--samples', '50', '--save-every', '0', '--profile'];
    const r = runDdpm(dir, ...common, '--device', 'webgpu', '--out', 'run');
    assert.is(r.status, 0, r.stderr);
    for (const line of [/fused training step \(GPU timestamps, per step\)/, /train_rows\s+[\d.]+ µs/, /train_grads/, /train_adam/,
      /idle train_rows → train_grads/, /kernels \+ idle/, /measured step \(wall\)\s+[\d.]+ (µs|ms)\s+[\d.]+× the GPU's time/]) {
      assert.match(r.stdout, line);
    }
    const cpu = runDdpm(dir, ...common, '--device', 'cpu', '--out', 'cpu');
    assert.is(cpu.status, 2);
    assert.match(cpu.stderr, /--profile times the fused engine's kernels on WebGPU \(here: the eager engine on 'cpu'\)/);
    const eager = runDdpm(dir, ...common, '--device', 'webgpu', '--engine', 'eager', '--out', 'eager');
    assert.is(eager.status, 2);
    assert.match(eager.stderr, /the eager engine on 'webgpu'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
