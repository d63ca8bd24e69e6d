// Learning-rate schedules (engine/lr-schedule.ts) and the weight average (engine/weight-average.ts):
//   - lrFactor against the closed forms (linear warm-up; PyTorch's CosineAnnealingLR with
//     eta_min = floor·lr), and bad schedules refused naming the field;
//   - Adam with a schedule takes, at each step, the step an unscheduled Adam with that step's
//     learning rate takes (bit for bit on the CPU);
//   - the average follows avg ← d·avg + (1 − d)·w with the warmed-up d of the header, against a
//     float64 recomputation from the weights seen after each step;
//   - Backend.averageInPlace on WebGPU against the CPU, on awkward lengths and with NaN/±Inf,
//     within |gpu − cpu| ≤ 1e-7 + 1e-6·|cpu| (one rounding of two products and a sum);
//   - withAverage puts the weights back even when its function throws; snapshot/restore and
//     export/import round-trip; mismatched states are refused.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { checkLrSchedule, lrFactor } from '../../engine/internal.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, assertThrowsWith, values } from '../support/helpers.js';

const gpu = await gpuForTests();

test('lrFactor: linear warm-up, then constant or a cosine to the floor (PyTorch CosineAnnealingLR)', () => {
  const warm: E.LrSchedule = { warmupSteps: 4, decay: 'constant', totalSteps: 0, floor: 1 };
  assert.equal([1, 2, 3, 4, 5, 100].map((s) => lrFactor(warm, s)), [0.25, 0.5, 0.75, 1, 1, 1]);
  const cos: E.LrSchedule = { warmupSteps: 10, decay: 'cosine', totalSteps: 110, floor: 0.1 };
  for (const step of [11, 35, 60, 85, 110]) {
    const tCur = step - 10, tMax = 100; // CosineAnnealingLR: eta_min + (1 − eta_min)·(1 + cos(π·T_cur/T_max))/2
    assert.ok(Math.abs(lrFactor(cos, step) - (0.1 + 0.9 * (1 + Math.cos((Math.PI * tCur) / tMax)) / 2)) < 1e-15, `step ${step}`);
  }
  assert.is(lrFactor(cos, 60), 0.55, 'half way: the mean of 1 and the floor');
  assert.is(lrFactor(cos, 110), 0.1);
  assert.is(lrFactor(cos, 500), 0.1, 'past the end: the floor');
  assert.is(lrFactor(E.CONSTANT_LR, 7), 1);
  assertThrowsWith(() => checkLrSchedule({ ...cos, totalSteps: 10 }), ['totalSteps must be an integer above warmupSteps (10)', '10']);
  assertThrowsWith(() => checkLrSchedule({ ...cos, floor: 1.5 }), ['floor must be in [0, 1]', '1.5']);
  assertThrowsWith(() => new E.Adam([E.keep(E.zeros([2], { requiresGrad: true }))], { schedule: { ...warm, warmupSteps: -1 } }),
    ['Adam: warmupSteps must be a non-negative integer', '-1']);
});

/** A small packed model on `device` and a loss on fixed inputs. */
function packedModel(device: E.Backend): { packed: E.PackedParameters; step: (opt: E.Adam) => void } {
  const rng = new E.Rng(4);
  const w = E.keep(E.randn([5, 7], rng, { device, requiresGrad: true }));
  const b = E.keep(E.randn([5], rng, { device, requiresGrad: true }));
  const x = E.keep(E.randn([6, 7], new E.Rng(2), { device }));
  const packed = E.packParameters([w, b]);
  return {
    packed,
    step: (opt) => E.tidy(() => {
      opt.zeroGrad();
      E.mean(E.square(E.relu(E.linear(x, w, b)))).backward();
      opt.step();
    }),
  };
}

test('Adam with a schedule takes the step an Adam with that step\'s learning rate takes (CPU, bit for bit)', async () => {
  const schedule: E.LrSchedule = { warmupSteps: 2, decay: 'cosine', totalSteps: 6, floor: 0.3 };
  const a = packedModel(E.cpu), b = packedModel(E.cpu);
  const scheduled = new E.Adam(a.packed, { lr: 0.05, schedule });
  let previous: E.Adam | null = null;
  for (let step = 1; step <= 6; step++) {
    a.step(scheduled);
    // Adam's bias correction uses the step count, so the reference keeps its own count and only its lr moves.
    const reference = new E.Adam(b.packed, { lr: 0.05 * lrFactor(schedule, step) });
    if (step > 1) reference.importState(await previous!.exportState());
    b.step(reference);
    previous = reference;
    assert.equal(await values(a.packed.weights), await values(b.packed.weights), `weights after step ${step}`);
  }
});

test('the weight average follows its formula with the warmed-up decay, against float64', async () => {
  const { packed, step } = packedModel(E.cpu);
  const opt = new E.Adam(packed, { lr: 0.05 });
  const average = new E.WeightAverage(packed, { decay: 0.8 });
  let expected = Float64Array.from(await values(packed.weights));
  const decays: number[] = [];
  for (let u = 1; u <= 40; u++) {
    step(opt);
    average.update();
    const d = Math.min(0.8, (1 + u) / (10 + u)); // 0.8 from u = 35 on
    decays.push(d);
    const w = await values(packed.weights);
    expected = expected.map((a, i) => d * a + (1 - d) * w[i]);
  }
  assert.is(average.updates, 40);
  assert.ok(decays[0] < 0.2 && decays[33] < 0.8 && decays[34] === 0.8, 'warmed up from 2/11 to the decay');
  assertClose(await values(average.average), Array.from(expected), { atol: 1e-6, rtol: 1e-5 }, 'the average after 40 updates');
  assert.not.equal(await values(average.average), await values(packed.weights), 'the average lags the weights');
  assert.equal(new E.WeightAverage(packed, { decay: 0.9, warmup: false }).takeUpdates(3), [0.9, 0.9, 0.9]);
  assertThrowsWith(() => new E.WeightAverage(packed, { decay: 1 }), ['decay must be in [0, 1)', '1']);
});

test('withAverage swaps the average in and puts the weights back (also when it throws); snapshot, export and import round-trip', async () => {
  const { packed, step } = packedModel(E.cpu);
  const opt = new E.Adam(packed, { lr: 0.05 });
  const average = new E.WeightAverage(packed, { decay: 0.5 });
  for (let i = 0; i < 3; i++) { step(opt); average.update(); }
  const weights = await values(packed.weights), avg = await values(average.average);
  assert.equal(await average.withAverage(() => values(packed.weights)), avg, 'the average inside');
  assert.equal(await values(packed.weights), weights, 'the weights after');
  try {
    await average.withAverage(() => { throw new Error('boom'); });
  } catch (e) {
    assert.is((e as Error).message, 'boom');
  }
  assert.equal(await values(packed.weights), weights, 'the weights after a throw');
  const saved = await average.exportState();
  const snap = average.snapshot();
  step(opt);
  average.update();
  snap.restore();
  snap.dispose();
  assert.is(average.updates, 3);
  assert.equal(await values(average.average), avg, 'snapshot restored');
  step(opt);
  average.update();
  average.importState(saved);
  assert.equal(await values(average.average), avg, 'import restored');
  assertThrowsWith(() => average.importState({ updates: 1, weights: [new Float32Array(3), new Float32Array(5)] }), ['array 0 has 3 values', '35']);
  assertThrowsWith(() => average.importState({ updates: -1, weights: saved.weights }), ['updates must be a non-negative integer']);
});

gpuTest(gpu)('averageInPlace on WebGPU follows the CPU on awkward lengths and with NaN/±Inf', async () => {
  for (const n of [1, 7, 257, 1031]) {
    const rng = new E.Rng(n);
    const avg = rng.uniform(n, -3, 3), x = rng.normal(n, 0, 2);
    if (n > 1) [avg[0], x[1], x[n - 1]] = [NaN, Infinity, -Infinity];
    for (const decay of [0.999, 0.5, 2 / 11]) {
      const cpuAvg = E.tensor(avg), gpuAvg = E.tensor(avg, [n], { device: gpu! });
      E.cpu.averageInPlace(cpuAvg.storage, E.tensor(x).storage, decay);
      gpu!.averageInPlace(gpuAvg.storage, E.tensor(x, [n], { device: gpu! }).storage, decay);
      assertClose(await values(gpuAvg), await values(cpuAvg), { atol: 1e-7, rtol: 1e-6 }, `n ${n}, decay ${decay}`);
    }
  }
});

test.run();
