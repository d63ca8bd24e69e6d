// UNetDiffusion (ddpm/images/unet.ts) against its PyTorch twin (test/fixtures/torch_unet.json:
// 8×8 images, channels [4, 8, 8] — three levels, 1×1 skips, attention at 2×2 — with PyTorch's
// initial weights and perturbed norms): the state_dict's keys and shapes, ε for fixed inputs
// and timesteps, the MSE and every parameter's gradient within 1e-6 + 1e-5·|torch|; the same
// on the GPU against the CPU (2e-6·K + 1e-6 + 1e-5·|cpu|, K = 192: the longest sum, a weight
// gradient over 3·8·8 positions); the 28×28 model's size as PyTorch counts it; bad shapes refused.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { UNetDiffusion, type UNetShape } from '../../ddpm/images/unet.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, fromFixture, loadFixture, values, type FixtureTensor } from '../support/helpers.js';

interface UNetFixture {
  shape: { height: number; width: number; channels: number[]; groups: number; time_dim: number; n_steps: number };
  state_dict: Record<string, FixtureTensor>;
  x: FixtureTensor;
  t: FixtureTensor;
  target: FixtureTensor;
  eps: FixtureTensor;
  loss: number;
  grads: Record<string, FixtureTensor>;
  mnist_parameters: number;
}

const fx = loadFixture<UNetFixture>('torch_unet.json');
const gpu = await gpuForTests();
const shape: UNetShape = {
  height: fx.shape.height, width: fx.shape.width, channels: fx.shape.channels, groups: fx.shape.groups,
  timeDim: fx.shape.time_dim, timesteps: fx.shape.n_steps,
};
const TORCH = { atol: 1e-6, rtol: 1e-5 };

/** The twin's weights on `device`: ε, the loss and every gradient by name. */
async function run(device: E.Backend): Promise<{ eps: number[]; loss: number; grads: Map<string, number[]> }> {
  const model = new UNetDiffusion(shape, new E.Rng(0), { device });
  model.loadStateDict(new Map(Object.entries(fx.state_dict).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }])));
  const eps = model.forward(fromFixture(fx.x, { device }), E.tensor(fx.t.data, fx.t.shape, { dtype: 'int32', device }));
  const loss = E.mseLoss(eps, fromFixture(fx.target, { device }));
  loss.backward();
  const grads = new Map<string, number[]>();
  for (const [name, p] of model.namedParameters()) grads.set(name, await values(p.grad!));
  const out = { eps: await values(eps), loss: await loss.item(), grads };
  model.dispose();
  return out;
}

test('UNetDiffusion: the state_dict has the PyTorch twin\'s keys and shapes, in its order', () => {
  const model = new UNetDiffusion(shape, new E.Rng(0));
  const ours = [...model.stateDict()].map(([k, p]) => [k, p.shape]);
  const theirs = Object.entries(fx.state_dict).map(([k, v]) => [k, v.shape]);
  assert.equal(ours, theirs);
  model.dispose();
});

test('UNetDiffusion: ε, the loss and every parameter\'s gradient match PyTorch', async () => {
  const { eps, loss, grads } = await run(E.cpu);
  assertClose(eps, fx.eps.data, TORCH, 'ε');
  assertClose([loss], [fx.loss], TORCH, 'loss');
  assert.is(grads.size, Object.keys(fx.grads).length);
  for (const [name, want] of Object.entries(fx.grads)) assertClose(grads.get(name)!, want.data, TORCH, `∂loss/∂${name}`);
});

gpuTest(gpu)('UNetDiffusion: GPU vs CPU, ε, the loss and every gradient', async () => {
  const [g, cpu] = [await run(gpu!), await run(E.cpu)];
  const tol = { atol: 2e-6 * 192 + 1e-6, rtol: 1e-5 };
  assertClose(g.eps, cpu.eps, tol, 'ε, GPU vs CPU');
  assertClose([g.loss], [cpu.loss], tol, 'loss, GPU vs CPU');
  for (const [name, v] of cpu.grads) assertClose(g.grads.get(name)!, v, tol, `∂loss/∂${name}, GPU vs CPU`);
});

test('the 28×28 U-Net (channels 32/64/64): as many parameters as PyTorch counts', () => {
  const model = new UNetDiffusion({ height: 28, width: 28, channels: [32, 64, 64], groups: 8, timeDim: 128, timesteps: 1000 }, new E.Rng(0));
  assert.is(model.parameters().reduce((s, p) => s + p.size, 0), fx.mnist_parameters);
  assert.is(model.dataDim, 784);
  model.dispose();
});

test('bad shapes are refused with what was expected', () => {
  assert.throws(() => new UNetDiffusion({ ...shape, height: 6 }, new E.Rng(0)), /3 levels halve the image 2 times: 6×8 must be divisible by 4/);
  assert.throws(() => new UNetDiffusion({ ...shape, channels: [4, 6, 8], groups: 4 }, new E.Rng(0)),
    /every level's channels must be a positive multiple of the 4 groups, got \[4, 6, 8\]/);
});

test.run();
