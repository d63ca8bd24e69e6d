// The DDPM workload's pieces against PyTorch (test/fixtures/torch_ddpm.json): schedule tables,
// q_sample and the tutorial's loss with its gradients; plus the data sets and timesteps.
//
// Tolerances: schedule tables |ours − torch| ≤ 1e-7 + 1e-6·|torch| (both float64 → float32);
// q_sample, loss and gradients 1e-6 + 1e-5·|torch|.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { DATASETS, makeDataset } from '../../ddpm/points/data.js';
import { antitheticTimesteps, DiffusionTables, diffusionLossWith, qSample } from '../../ddpm/loss.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { ddimStep, ddimTimesteps, ddpmStep, tutorialStep } from '../../ddpm/sample.js';
import { makeSchedule, type ScheduleName } from '../../ddpm/schedules.js';
import { assertClose, fromFixture, loadFixture, stateDictFromFixture, values, type FixtureTensor } from '../support/helpers.js';

interface StepCase {
  sampler: 'tutorial' | 'ddpm' | 'ddim';
  t: number;
  tNext?: number;
  eta?: number;
  clip?: number | null;
  variance?: 'fixedlarge' | 'fixedsmall';
  out: FixtureTensor;
  eps?: FixtureTensor;
}

interface DdpmFixture {
  steps: { x: FixtureTensor; z: FixtureTensor; cases: StepCase[] };
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
  const model = loadedModel();
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

function loadedModel(): MLPDiffusion {
  const L = fx.loss;
  const model = new MLPDiffusion(L.steps, new E.Rng(0), { hidden: L.hidden });
  model.loadStateDict(stateDictFromFixture(L.init));
  return model;
}

test('one reverse step of each sampler (tutorial, DDPM ± clipping, both variances, DDIM η = 0, 1) matches PyTorch', async () => {
  const schedule = makeSchedule('sigmoid', fx.loss.steps);
  const model = loadedModel();
  const x = fromFixture(fx.steps.x);
  const z = fromFixture(fx.steps.z);
  for (const t of [0, 50, 99]) {
    const cases = fx.steps.cases.filter((c) => c.t === t);
    const eps = model.forward(x, E.full([x.shape[0]], t, { dtype: 'int32' }));
    const torchEps = cases.find((c) => c.eps)!.eps!;
    assertClose(await values(eps), torchEps.data, { atol: 1e-6, rtol: 1e-5 }, `ε_θ(x, ${t})`);
    for (const c of cases) {
      const out = c.sampler === 'tutorial' ? tutorialStep(schedule, t, x, eps, z)
        : c.sampler === 'ddpm' ? ddpmStep(schedule, t, x, eps, z, { clipX0: c.clip ?? undefined, variance: c.variance })
        : ddimStep(schedule, t, c.tNext!, c.eta!, x, eps, z);
      assertClose(await values(out), c.out.data, { atol: 1e-6, rtol: 1e-5 }, `${JSON.stringify({ ...c, out: undefined, eps: undefined })}`);
    }
  }
});

test('DDIM sub-sequences: uniform and quad, S ≤ T', () => {
  assert.equal(ddimTimesteps(100, 10, 'uniform'), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
  assert.equal(ddimTimesteps(100, 100, 'uniform').length, 100);
  const quad = ddimTimesteps(1000, 50, 'quad');
  assert.ok(quad[0] === 0 && quad[quad.length - 1] <= 800 && quad.every((v, i) => i === 0 || v > quad[i - 1]));
  assert.throws(() => ddimTimesteps(100, 101, 'uniform'), /steps must be an integer in \[1, 100\], got 101/);
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
