// The fused engine (ddpm/fused/: a training step in 3 kernels, a run of reverse steps in 1)
// against the eager CPU reference: same seed, same data, same initial weights.
//   training: 20 steps (4 epochs of 5 batches: 4 of 100 rows and an odd one of 51), hidden 128
//   and an awkward hidden 200 (not a multiple of the 128-lane workgroup): every epoch's loss
//   within 1e-5 + 1e-4·|cpu|, every parameter and Adam moment within a stated rule below;
//   both work splits (FusedSplit: a CPU driver's and a discrete GPU's) at hidden 200 with
//   batches of 1, 127 and 129 rows over 259 points (last batches of 1, 5 and 1 rows);
//   sampling: the tutorial, DDPM (clipped x̂0) and DDIM samplers on 1001 points, both splits on
//   1 and 17 points, and the same points whether the reverse process is one dispatch, one per
//   step, or cut where onStep looks and where a signal paces it; where the device has subgroups
//   of 8, the subgroup sampling kernels give the portable kernels' bits (hidden 128 and 200).
//   NaN and ±Inf: a NaN weight makes the fused samplers' points NaN exactly where the eager CPU
//   sampler's are (after every step); a data point with a NaN or an Inf gives a training step
//   the eager CPU step's NaN/finite pattern in the loss, every parameter and Adam's moments.
//   (assertClose: NaN where the CPU has NaN, the same infinity, finite values within the rule.)

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { makeDataset } from '../../ddpm/points/data.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { sample, type SampleOptions } from '../../ddpm/sample.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer, TrainingDiverged, type TrainSettings } from '../../ddpm/train.js';
import type { FusedSplit } from '../../ddpm/fused/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose } from '../support/helpers.js';

const gpu = await gpuForTests();
const schedule = makeSchedule('linear', 100);
const data = makeDataset('s-curve', 451, 0).map((v) => v * 10);

async function hostWeights(model: MLPDiffusion): Promise<Map<string, { shape: readonly number[]; data: Float32Array }>> {
  return new Map(await Promise.all(model.namedParameters().map(async ([k, p]) =>
    [k, { shape: p.shape, data: (await p.toArray()) as Float32Array }] as const)));
}

/** Trains on the eager CPU path and on the fused engine from the same start and checks they agree (the rules below). */
async function fusedFollowsCpu(what: string, options: { hidden: number; batch: number; points: Float32Array; epochs: number; split?: FusedSplit;
  optimizer?: Pick<TrainSettings, 'ema' | 'lrSchedule'>; outliers?: { share: number; atol: number } }): Promise<void> {
  const { hidden, batch, points, epochs, split, optimizer, outliers } = options;
  const runs = [];
  for (const [device, engine] of [[E.cpu, 'eager'], [gpu!, 'fused']] as const) {
    const model = new MLPDiffusion(100, new E.Rng(5), { hidden, device });
    const trainer = new Trainer(model, schedule, points, { batch, seed: 3, ...optimizer }, device, { engine, lossEvery: 10, split });
    const losses = await trainer.runEpochs(epochs);
    const state = await trainer.exportState();
    runs.push({ losses, weights: await hostWeights(model), state, steps: trainer.stepsPerEpoch * epochs });
    trainer.dispose();
  }
  const [cpu, fused] = runs;
  assertClose(fused.losses, cpu.losses, { atol: 1e-5, rtol: 1e-4 }, `${what}: epoch losses, fused vs eager CPU`);
  assert.is(fused.state.rngOffset, cpu.state.rngOffset, `${what}: the same number of random draws`);
  // Parameters after ≤ 20 Adam steps (each moves a parameter by ≤ lr = 1e-3): float32 sums in
  // a different order move a few by a fraction of a step; |fused − cpu| ≤ 2e-5 + 1e-4·|cpu|.
  // (Batch 1 runs 259 steps: up to 0.26 from the start, so ≤ 2e-5 + 1e-3·|cpu| there.)
  const rtol = cpu.steps > 20 ? 1e-3 : 1e-4;
  for (const [name, w] of cpu.weights) {
    assertClose(fused.weights.get(name)!.data, w.data, { atol: 2e-5, rtol, outliers }, `${what}: ${name} after ${cpu.steps} steps`);
  }
  cpu.state.adam.forEach((slot, i) => {
    const f = fused.state.adam[i]!;
    assert.is(f.step, slot!.step);
    assertClose(f.m, slot!.m, { atol: 1e-5, rtol: 1e-3, outliers }, `${what}: Adam m of parameter ${i}`);
    assertClose(f.v, slot!.v, { atol: 1e-7, rtol: 1e-3, outliers }, `${what}: Adam v of parameter ${i}`);
  });
  // The weight average mixes those parameters with weights ≤ 1: the parameters' rule holds for it.
  assert.is(fused.state.ema?.updates, cpu.state.ema?.updates, `${what}: the weight average's updates`);
  cpu.state.ema?.weights.forEach((w, i) => {
    assertClose(fused.state.ema!.weights[i], w, { atol: 2e-5, rtol, outliers }, `${what}: the weight average of parameter ${i}`);
  });
}

for (const hidden of [128, 200]) {
  gpuTest(gpu)(`fused training (hidden ${hidden}) follows the eager CPU path over 20 steps`, async () => {
    await fusedFollowsCpu(`hidden ${hidden}`, { hidden, batch: 100, points: data, epochs: 4 });
  });
}

gpuTest(gpu)('fused training with a weight average and a warmed-up cosine learning rate follows the eager CPU path (hidden 200)', async () => {
  // 20 steps: 4 of warm-up, then a cosine to 0.2·lr; the average's decay 0.95, warmed up from 2/11.
  const optimizer = { ema: 0.95, lrSchedule: { warmupSteps: 4, decay: 'cosine', totalSteps: 20, floor: 0.2 } } as const;
  // This trajectory passes elements whose gradient is about 0, where Adam's step (≈ ±lr) takes
  // its sign from float32 rounding: measured, 63 of W2's 40 000 elements beyond the rule above
  // (≤ 7.1e-5) and one embedding element by 2.3e-4, the same on the eager WebGPU path (so float32
  // sums, not the fused kernels); Adam's moments differ there too. Allowed: 0.5 % of the elements
  // of each, each within half a step at lr (5e-4).
  const outliers = { share: 0.005, atol: 5e-4 };
  await fusedFollowsCpu('weight average, cosine lr', { hidden: 200, batch: 100, points: data, epochs: 4, optimizer, outliers });
});

const SPLITS: Record<string, FusedSplit> = {
  'a CPU driver\'s split': { trainRows: 8, gradBlock: 4, normKernel: true, sampleRows: 16, sampleLoop: false, sampleSubgroups: false },
  'a discrete GPU\'s split': { trainRows: 4, gradBlock: 2, normKernel: false, sampleRows: 4, sampleLoop: true, sampleSubgroups: false },
};
for (const [name, split] of Object.entries(SPLITS)) {
  gpuTest(gpu)(`fused training with ${name} follows the eager CPU path (hidden 200; batches 1, 127, 129)`, async () => {
    const points = makeDataset('s-curve', 259, 1).map((v) => v * 10);
    for (const batch of [1, 127, 129]) {
      await fusedFollowsCpu(`${name}, batch ${batch}`, { hidden: 200, batch, points, epochs: 1, split });
    }
  });
}

gpuTest(gpu)('fused sampling follows the eager CPU samplers', async () => {
  const weights = new MLPDiffusion(100, new E.Rng(7), { hidden: 128, device: E.cpu });
  const onGpu = new MLPDiffusion(100, new E.Rng(0), { hidden: 128, device: gpu! });
  onGpu.loadStateDict(await hostWeights(weights));
  const cases: Omit<SampleOptions, 'rng'>[] = [
    { sampler: 'tutorial', n: 1001 },
    { sampler: 'ddpm', n: 1001, variance: 'fixedsmall', clipX0: 1 },
    { sampler: 'ddim', n: 1001, sampleSteps: 20, eta: 0.5, skip: 'quad' },
  ];
  for (const c of cases) {
    const draw = async (model: MLPDiffusion, device: E.Backend, engine: 'eager' | 'fused'): Promise<number[]> => {
      const x = await sample(model, schedule, device, { ...c, rng: new E.Rng(11), engine });
      const out = Array.from(await x.toArray());
      x.dispose();
      return out;
    };
    // 100 steps of float32 arithmetic on each side: |gpu − cpu| ≤ 1e-4 + 1e-3·|cpu|.
    assertClose(await draw(onGpu, gpu!, 'fused'), await draw(weights, E.cpu, 'eager'), { atol: 1e-4, rtol: 1e-3 }, `${c.sampler} samples, fused vs CPU`);
  }
});

gpuTest(gpu)('fused sampling with either split follows the eager CPU sampler on 1 and 17 points (hidden 200)', async () => {
  const weights = new MLPDiffusion(100, new E.Rng(7), { hidden: 200, device: E.cpu });
  const onGpu = new MLPDiffusion(100, new E.Rng(0), { hidden: 200, device: gpu! });
  onGpu.loadStateDict(await hostWeights(weights));
  for (const [name, split] of Object.entries(SPLITS)) {
    for (const n of [1, 17]) {
      const c: Omit<SampleOptions, 'rng'> = { sampler: 'ddpm', n, clipX0: 1 };
      const cpu = await sample(weights, schedule, E.cpu, { ...c, rng: new E.Rng(11), engine: 'eager' });
      const fused = await sample(onGpu, schedule, gpu!, { ...c, rng: new E.Rng(11), engine: 'fused', split });
      assertClose(Array.from(await fused.toArray()), Array.from(await cpu.toArray()), { atol: 1e-4, rtol: 1e-3 }, `${name}, ${n} points`);
      cpu.dispose();
      fused.dispose();
    }
  }
});

gpuTest(gpu)('fused sampling: one dispatch, one per step, and runs cut at visited steps or by a signal give the same points', async () => {
  const model = new MLPDiffusion(100, new E.Rng(7), { hidden: 128, device: gpu! });
  const c: Omit<SampleOptions, 'rng'> = { sampler: 'ddim', n: 300, sampleSteps: 50, eta: 1, engine: 'fused' };
  /** The points and the dispatches recorded for them. */
  const draw = async (extra: Partial<SampleOptions>): Promise<[number[], number]> => {
    const before = gpu!.recorder.stats.dispatches;
    const x = await sample(model, schedule, gpu!, { ...c, rng: new E.Rng(11), ...extra });
    const out = Array.from(await x.toArray());
    x.dispose();
    return [out, gpu!.recorder.stats.dispatches - before];
  };
  const points: number[][] = [];
  for (const [name, split] of Object.entries(SPLITS)) {
    const seen: number[] = [];
    const [whole, wholeDispatches] = await draw({ split });
    const [perStep, perStepDispatches] = await draw({ split, onStep: ({}, { i }) => { seen.push(i); } });
    assert.equal(seen, Array.from({ length: 51 }, (_, i) => i), `${name}: onStep at x_T and after every step`);
    assert.is(perStepDispatches - wholeDispatches, split.sampleLoop ? 49 : 0,
      `${name}: ${split.sampleLoop ? 'the whole reverse process is one dispatch' : 'a dispatch per step'}`);
    seen.length = 0;
    const [visited] = await draw({ split, onStep: ({}, { i }) => { seen.push(i); }, visit: (i) => i === 3 || i === 49, signal: new AbortController().signal });
    assert.equal(seen, [0, 3, 49], `${name}: onStep at x_T and the visited steps only`);
    assert.equal(perStep, whole, `${name}: one dispatch per step: the same points`);
    assert.equal(visited, whole, `${name}: runs cut at visits and paced by a signal: the same points`);
    points.push(whole);
  }
  assertClose(points[1], points[0], { atol: 1e-5, rtol: 1e-4 }, 'the two splits: the same points within float32 rounding');
});

gpuTest(gpu)('fused sampling: the subgroup kernels give the portable kernels\' bits (hidden 128 and 200; 1, 17 and 300 points)', async () => {
  if (!gpu!.subgroupsOf8) return;  // only where the device has subgroups of exactly 8 lanes
  for (const hidden of [128, 200]) {
    const model = new MLPDiffusion(100, new E.Rng(5), { hidden, device: gpu! });
    const cases: Omit<SampleOptions, 'rng'>[] = [
      { sampler: 'tutorial', n: 300 },
      { sampler: 'ddpm', n: 17, variance: 'fixedsmall', clipX0: 1 },
      { sampler: 'ddim', n: 1, sampleSteps: 20, eta: 0.5, skip: 'quad' },
    ];
    for (const c of cases) {
      const draw = async (split: FusedSplit): Promise<Uint32Array> => {
        const x = await sample(model, schedule, gpu!, { ...c, rng: new E.Rng(11), engine: 'fused', split });
        const out = new Uint32Array(((await x.toArray()) as Float32Array).slice().buffer);
        x.dispose();
        return out;
      };
      const cpuSplit = SPLITS['a CPU driver\'s split'];
      const portable = await draw(cpuSplit);
      for (const sampleLoop of [false, true]) {
        assert.equal(await draw({ ...cpuSplit, sampleLoop, sampleSubgroups: true }), portable,
          `hidden ${hidden}, ${c.sampler}, ${c.n} points, ${sampleLoop ? 'one dispatch' : 'a dispatch per step'}: the same bits`);
      }
    }
    for (const p of model.parameters()) p.dispose();
  }
});

// ---- NaN and ±Inf ------------------------------------------------------------------------------

/** The model's weights with `value` written at element `index` of parameter `name`. */
async function spikedWeights(model: MLPDiffusion, name: string, index: number, value: number): Promise<Awaited<ReturnType<typeof hostWeights>>> {
  const weights = await hostWeights(model);
  const w = weights.get(name)!;
  const data = Float32Array.from(w.data);
  data[index] = value;
  weights.set(name, { shape: w.shape, data });
  return weights;
}

/** x after every step of `sample` (x_T first), on `device` with `engine`. */
async function sampleTrace(model: MLPDiffusion, device: E.Backend, engine: 'eager' | 'fused', options: Omit<SampleOptions, 'rng'>): Promise<number[][]> {
  const trace: number[][] = [];
  const x = await sample(model, schedule, device, {
    ...options, rng: new E.Rng(11), engine, onStep: async (xi) => { trace.push(Array.from(await xi.toArray())); },
  });
  x.dispose();
  return trace;
}

const nanCount = (v: readonly number[]): number => v.filter(Number.isNaN).length;

gpuTest(gpu)('fused sampling with a NaN weight: NaN exactly where the eager CPU sampler has it, after every step', async () => {
  const base = new MLPDiffusion(100, new E.Rng(7), { hidden: 128, device: E.cpu });
  // (weight, element, samplers): a NaN in layer 1 (ReLU must keep it: every point becomes NaN);
  // a NaN in the output layer's first row (ε_θ[:, 0] is NaN, and DDPM's clamp of x̂0 must keep it:
  // after the first step only the first coordinate is NaN).
  const cases: [string, number, Omit<SampleOptions, 'rng'>[]][] = [
    ['linears.0.weight', 2 * 7, [
      { sampler: 'tutorial', n: 101 },
      { sampler: 'ddpm', n: 101, variance: 'fixedsmall', clipX0: 1 },
      { sampler: 'ddim', n: 101, sampleSteps: 20, eta: 0.5, skip: 'quad' },
    ]],
    ['linears.6.weight', 5, [{ sampler: 'ddpm', n: 101, clipX0: 1 }]],
  ];
  for (const [name, index, samplers] of cases) {
    const weights = await spikedWeights(base, name, index, NaN);
    const onCpu = new MLPDiffusion(100, new E.Rng(0), { hidden: 128, device: E.cpu });
    const onGpu = new MLPDiffusion(100, new E.Rng(0), { hidden: 128, device: gpu! });
    onCpu.loadStateDict(weights);
    onGpu.loadStateDict(weights);
    for (const c of samplers) {
      const cpu = await sampleTrace(onCpu, E.cpu, 'eager', c);
      const fused = await sampleTrace(onGpu, gpu!, 'fused', c);
      assert.is(fused.length, cpu.length);
      assert.ok(nanCount(cpu[cpu.length - 1]) > 0, `${name}[${index}] NaN, ${c.sampler}: the CPU's points have NaNs (the case tests something)`);
      if (name === 'linears.6.weight') assert.is(nanCount(cpu[1]), cpu[1].length / 2, 'after one DDPM step only the first coordinate is NaN (CPU)');
      cpu.forEach((x, i) => assertClose(fused[i], x, { atol: 1e-4, rtol: 1e-3 }, `${name}[${index}] NaN, ${c.sampler}: x after step ${i}, fused vs CPU`));
    }
  }
});

for (const [what, coordinate, value] of [['a NaN', 2 * 17, NaN], ['+Inf', 2 * 40 + 1, Infinity]] as const) {
  gpuTest(gpu)(`fused training on data with ${what}: the eager CPU step's NaN/finite pattern (loss, parameters, Adam)`, async () => {
    const points = makeDataset('s-curve', 101, 0).map((v) => v * 10);
    points[coordinate] = value;
    const runs = [];
    for (const [device, engine] of [[E.cpu, 'eager'], [gpu!, 'fused']] as const) {
      const model = new MLPDiffusion(100, new E.Rng(5), { hidden: 128, device });
      const trainer = new Trainer(model, schedule, points, { batch: 101, seed: 3 }, device, { engine, lossEvery: 1 });
      // One step: the whole (odd) batch. Its loss is not finite, so the Trainer stops with it.
      const losses: number[] = [];
      try {
        await trainer.runEpochs(1);
      } catch (e) {
        if (!(e instanceof TrainingDiverged)) throw e;
        losses.push(e.loss);
      }
      runs.push({ losses, weights: await hostWeights(model), state: await trainer.exportState() });
      trainer.dispose();
    }
    const [cpu, fused] = runs;
    assert.ok(Number.isNaN(cpu.losses[0]), `the CPU's loss is NaN (got ${cpu.losses[0]})`);
    assertClose(fused.losses, cpu.losses, { atol: 1e-5, rtol: 1e-4 }, 'the loss, fused vs eager CPU');
    for (const [name, w] of cpu.weights) {
      assertClose(fused.weights.get(name)!.data, w.data, { atol: 2e-5, rtol: 1e-4 }, `${name} after the step`);
    }
    cpu.state.adam.forEach((slot, i) => {
      const f = fused.state.adam[i]!;
      assertClose(f.m, slot!.m, { atol: 1e-5, rtol: 1e-3 }, `Adam m of parameter ${i}`);
      assertClose(f.v, slot!.v, { atol: 1e-7, rtol: 1e-3 }, `Adam v of parameter ${i}`);
    });
  });
}

test.run();
