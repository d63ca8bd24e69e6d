// MLPImageDiffusion (ddpm/image-model.ts), the image workload's time-conditioned MLP, against
// PyTorch (test/fixtures/torch_image_model.json: the same class in PyTorch, from the same
// weights): its timestep embedding, ε_θ, the diffusion loss and every parameter's gradient,
// within 1e-6 + 1e-5·|torch|. The same on the GPU against the CPU (2e-6·K + 1e-6 absolute, K the
// longest sum, plus 1e-5·|cpu|). The Trainer trains it eagerly — 25 epochs of 256 small
// two-mode "images" take the loss from 0.98 to 0.39 (asserted: below 0.6×) — and refuses the
// fused engine for it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../engine/index.js';
import { MLPImageDiffusion, timestepEmbedding, type ImageModelShape } from '../ddpm/image-model.js';
import { DiffusionTables, diffusionLossWith } from '../ddpm/loss.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import { gpuForTests, gpuTest } from './gpu.js';
import { assertClose, fromFixture, loadFixture, stateDictFromFixture, values, type FixtureTensor } from './helpers.js';

interface ImageModelFixture {
  shape: ImageModelShape;
  sinusoids: FixtureTensor;
  init: Record<string, FixtureTensor>;
  x: FixtureTensor;
  t: FixtureTensor;
  noise: FixtureTensor;
  out: FixtureTensor;
  loss: number;
  grads: Record<string, FixtureTensor>;
}

const fx = loadFixture<ImageModelFixture>('torch_image_model.json');
const gpu = await gpuForTests();

/** The fixture's model on `device`: ε_θ, the loss (with the fixture's noise) and every gradient. */
async function run(device: E.Backend): Promise<{ out: number[]; loss: number; grads: Map<string, number[]> }> {
  const model = new MLPImageDiffusion(fx.shape, new E.Rng(0), { device });
  model.loadStateDict(stateDictFromFixture(fx.init));
  const tables = new DiffusionTables(makeSchedule('linear', fx.shape.numSteps), device);
  const x = fromFixture(fx.x, { device });
  const t = E.tensor(fx.t.data, fx.t.shape, { dtype: 'int32', device });
  const out = await values(E.noGrad(() => model.forward(x, t)));
  // diffusionLossWith noises x first; the fixture's loss is on x as given, so undo q_sample:
  // with ᾱ-tables of ones and zeros q_sample is the identity.
  tables.sqrtAlphasBar.device.write(tables.sqrtAlphasBar.storage, new Float32Array(fx.shape.numSteps).fill(1));
  tables.sqrtOneMinusAlphasBar.device.write(tables.sqrtOneMinusAlphasBar.storage, new Float32Array(fx.shape.numSteps));
  const loss = diffusionLossWith(model, tables, x, t, fromFixture(fx.noise, { device }));
  loss.backward();
  const grads = new Map<string, number[]>();
  for (const [name, p] of model.stateDict()) grads.set(name, await values(p.grad!));
  const result = { out, loss: await loss.item(), grads };
  model.dispose();
  return result;
}

test('timestepEmbedding: DDPM\'s sin/cos table, as PyTorch computes it', () => {
  assertClose(timestepEmbedding(fx.shape.numSteps, fx.shape.timeDim), fx.sinusoids.data, { atol: 1e-7, rtol: 0 }, 'sinusoids');
  const e = timestepEmbedding(3, 8);
  assert.equal(Array.from(e.subarray(0, 8)), [0, 0, 0, 0, 1, 1, 1, 1], 't = 0: sines 0, cosines 1');
  assert.is(e[8], Math.fround(Math.sin(1)), 't = 1, the fastest frequency is 1');
  assert.is(e[8 + 3], Math.fround(Math.sin(1e-4)), 'the slowest is 10000^-1');
  assert.throws(() => timestepEmbedding(10, 5), /even number ≥ 4, got 5/);
});

test('parameter names and shapes are those of the PyTorch class', () => {
  const model = new MLPImageDiffusion(fx.shape, new E.Rng(0), { device: E.cpu });
  const ours = model.namedParameters().map(([k, p]) => `${k} ${p.shape.join('x')}`);
  assert.equal(ours, Object.entries(fx.init).map(([k, v]) => `${k} ${v.shape.join('x')}`));
  model.dispose();
  assert.throws(() => new MLPImageDiffusion({ ...fx.shape, depth: 0 }, new E.Rng(0)), /depth must be a positive integer, got 0/);
});

test('ε_θ, the diffusion loss and every gradient match PyTorch (CPU)', async () => {
  const cpu = await run(E.cpu);
  const tol = { atol: 1e-6, rtol: 1e-5 };
  assertClose(cpu.out, fx.out.data, tol, 'ε_θ(x, t)');
  assertClose([cpu.loss], [fx.loss], tol, 'loss');
  for (const [name, g] of cpu.grads) assertClose(g, fx.grads[name].data, tol, `∂loss/∂${name}`);
});

gpuTest(gpu)('the same on the GPU, against the CPU', async () => {
  const [g, c] = [await run(gpu!), await run(E.cpu)];
  const tol = { atol: 2e-6 * 12 + 1e-6, rtol: 1e-5 }; // the longest sum: 12 input values
  assertClose(g.out, c.out, tol, 'ε_θ(x, t), GPU vs CPU');
  assertClose([g.loss], [c.loss], tol, 'loss, GPU vs CPU');
  for (const [name, grad] of c.grads) assertClose(g.grads.get(name)!, grad, tol, `∂loss/∂${name}, GPU vs CPU`);
});

test('the Trainer trains it eagerly on images of any width, and refuses the fused engine for it', async () => {
  const shape: ImageModelShape = { dataDim: 16, hidden: 32, depth: 2, timeDim: 8, numSteps: 50 };
  // 256 "images": two bright halves, one or the other.
  const rng = new E.Rng(1);
  const data = new Float32Array(256 * 16);
  for (let i = 0; i < 256; i++) for (let j = 0; j < 16; j++) data[i * 16 + j] = (j < 8) === (i % 2 === 0) ? 0.9 : -0.9;
  const model = new MLPImageDiffusion(shape, rng, { device: E.cpu });
  const schedule = makeSchedule('linear', 50);
  const trainer = new Trainer(model, schedule, data, { seed: 2, batch: 32, lr: 5e-3 }, E.cpu);
  assert.is(trainer.engine, 'eager');
  assert.is(trainer.stepsPerEpoch, 8);
  const losses = await trainer.runEpochs(25);
  const [first, last] = [losses[0], (losses[22] + losses[23] + losses[24]) / 3];
  assert.ok(last < 0.6 * first, `the loss falls below 0.6× the first epoch: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  trainer.dispose();
  assert.throws(() => new Trainer(model, schedule, data, { seed: 2 }, E.cpu, { engine: 'fused' }), /the fused engine runs MLPDiffusion only/);
  assert.throws(() => new Trainer(model, schedule, data.subarray(0, 20), { seed: 2 }, E.cpu), /expected \[n, 16\] data points, got 20 values/);
  model.dispose();
});

test.run();
