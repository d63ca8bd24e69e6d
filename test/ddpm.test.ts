// The DDPM workload's pieces against PyTorch (test/fixtures/torch_ddpm.json): schedule tables,
// q_sample and the tutorial's loss with its gradients; plus the data sets and timesteps.
//
// Tolerances: schedule tables |ours − torch| ≤ 1e-7 + 1e-6·|torch| (both float64 → float32);
// q_sample, loss and gradients 1e-6 + 1e-5·|torch|.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../engine/index.js';
import { DATASETS, makeDataset } from '../ddpm/data.js';
import { antitheticTimesteps, DiffusionTables, diffusionLossWith, qSample } from '../ddpm/loss.js';
import { MLPDiffusion } from '../ddpm/model.js';
import { makeSchedule, type ScheduleName } from '../ddpm/schedules.js';
import { assertClose, fromFixture, loadFixture, values, type FixtureTensor } from './helpers.js';

interface DdpmFixture {
  schedules: Record<string, Record<string, number[]>>;
  loss: {
    steps: number; hidden: number; init: Record<string, FixtureTensor>;
    x0: FixtureTensor; t: FixtureTensor; noise: FixtureTensor; xt: FixtureTensor;
    loss: number; grads: Record<string, FixtureTensor>;
  };
}

const fx = loadFixture<DdpmFixture>('torch_ddpm.json');

for (const [key, tables] of Object.entries(fx.schedules)) {
  test(`schedule ${key}: every table matches PyTorch`, () => {
    const [name, steps] = key.split('-') as [ScheduleName, string];
    const s = makeSchedule(name, Number(steps)) as unknown as Record<string, Float32Array>;
    for (const [table, expected] of Object.entries(tables)) {
      assertClose(s[table], expected, { atol: 1e-7, rtol: 1e-6 }, `${key} ${table}`);
    }
  });
}

test("the tutorial's schedule never reaches noise: ᾱ_99 ≈ 0.78", () => {
  const s = makeSchedule('sigmoid', 100);
  assert.ok(Math.abs(s.alphasBar[99] - 0.778) < 0.002, `ᾱ_99 = ${s.alphasBar[99]}`);
  assert.ok(makeSchedule('linear', 1000).alphasBar[999] < 1e-4, 'the linear schedule does');
});

test("q_sample, the tutorial's loss and every parameter's gradient match PyTorch", async () => {
  const L = fx.loss;
  const model = new MLPDiffusion(L.steps, new E.Rng(0), { hidden: L.hidden });
  model.loadStateDict(new Map(Object.entries(L.init).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }])));
  const tables = new DiffusionTables(makeSchedule('sigmoid', L.steps), E.cpu);
  const x0 = fromFixture(L.x0);
  const t = E.tensor(L.t.data, L.t.shape, { dtype: 'int32' });
  const noise = fromFixture(L.noise);
  assertClose(await values(qSample(tables, x0, t, noise)), L.xt.data, { atol: 1e-6, rtol: 1e-5 }, 'q_sample');
  const loss = diffusionLossWith(model, tables, x0, t, noise);
  assertClose([await loss.item()], [L.loss], { atol: 1e-6, rtol: 1e-5 }, 'loss');
  loss.backward();
  for (const [name, p] of model.stateDict()) {
    assertClose(await values(p.grad!), L.grads[name].data, { atol: 1e-6, rtol: 1e-5 }, `∂loss/∂${name}`);
  }
});

test('antithetic timesteps: B//2 draws and their mirrors; an odd batch gets one more', () => {
  const rng = new E.Rng(1);
  const even = antitheticTimesteps(128, 100, rng);
  for (let i = 0; i < 64; i++) assert.is(even[64 + i], 99 - even[i]);
  const odd = antitheticTimesteps(17, 100, rng);
  assert.is(odd.length, 17);
  for (let i = 0; i < 8; i++) assert.is(odd[8 + i], 99 - odd[i]);
  assert.ok(odd.every((v) => v >= 0 && v < 100));
  assert.is(antitheticTimesteps(1, 100, rng).length, 1);
});

test('data sets: seeded, finite, about the S-curve\'s extent', () => {
  for (const name of DATASETS) {
    const a = makeDataset(name, 2000, 7);
    assert.equal(a, makeDataset(name, 2000, 7), `${name} is deterministic`);
    assert.not.equal(a, makeDataset(name, 2000, 8), `${name} depends on the seed`);
    const maxAbs = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(a.every(Number.isFinite) && maxAbs > 0.05 && maxAbs < 0.5, `${name} extent ${maxAbs}`);
  }
  // The S-curve: x = sin(t)/10 ∈ [−0.1, 0.1] up to noise; z/10 ∈ [−0.2, 0.2] up to noise.
  const s = makeDataset('s-curve', 10_000, 0);
  let maxX = 0, maxZ = 0;
  for (let i = 0; i < 10_000; i++) {
    maxX = Math.max(maxX, Math.abs(s[2 * i]));
    maxZ = Math.max(maxZ, Math.abs(s[2 * i + 1]));
  }
  assert.ok(maxX > 0.09 && maxX < 0.15, `max |x| ${maxX}`);
  assert.ok(maxZ > 0.18 && maxZ < 0.25, `max |z| ${maxZ}`);
});

test('bad schedule and data settings are refused with a clear message', () => {
  assert.throws(() => makeSchedule('quadratic' as ScheduleName, 100), /unknown schedule 'quadratic'/);
  assert.throws(() => makeSchedule('linear', 0), /steps must be a positive integer, got 0/);
  assert.throws(() => makeDataset('spiral' as 's-curve', 10, 0), /unknown dataset 'spiral'/);
});

test.run();
