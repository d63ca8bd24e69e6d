// The layers of engine/nn.ts built on the U-Net's ops (their numbers are ops.test.ts's):
// Conv2d's PyTorch init bound 1/√(C·k·k), weight shape and state_dict names; GroupNorm's γ = 1,
// β = 0 at first, its state_dict names and eps, each group centred (|mean| < 1e-5).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests } from '../support/gpu.js';
import { values } from '../support/helpers.js';

test('Conv2d: PyTorch\'s init bound 1/√(C·k·k), the weight [O, C, k, k] and the state_dict names', async () => {
  const layer = new E.Conv2d(3, 5, 3, new E.Rng(1), { padding: 1 });
  assert.equal(layer.weight.shape, [5, 3, 3, 3]);
  assert.equal(layer.bias!.shape, [5]);
  const bound = 1 / Math.sqrt(27);
  for (const p of [layer.weight, layer.bias!]) assert.ok((await values(p)).every((v) => Math.abs(v) <= bound), 'within the bound');
  assert.equal([...layer.stateDict().keys()], ['weight', 'bias']);
  const y = layer.forward(E.randn([2, 3, 6, 4], new E.Rng(2)));
  assert.equal(y.shape, [2, 5, 6, 4], 'padding 1 keeps the size');
  assert.is(new E.Conv2d(2, 4, 1, new E.Rng(1), { bias: false }).bias, null);
});

test('GroupNorm: γ = 1 and β = 0 at first, the state_dict names, eps', async () => {
  const layer = new E.GroupNorm(2, 6, { eps: 1e-3 });
  assert.equal(await values(layer.weight), [1, 1, 1, 1, 1, 1]);
  assert.equal(await values(layer.bias), [0, 0, 0, 0, 0, 0]);
  assert.equal([...layer.stateDict().keys()], ['weight', 'bias']);
  assert.is(layer.eps, 1e-3);
  const y = await values(layer.forward(E.randn([1, 6, 3, 3], new E.Rng(1))));
  const group = y.slice(0, 27);
  assert.ok(Math.abs(group.reduce((a, b) => a + b, 0) / 27) < 1e-5, 'each group centred');
});

test('tensor methods are the free functions: same values, same gradients; transpose is a permute', async () => {
  const rng = new E.Rng(3);
  const [x, w, b] = [E.randn([5, 3], rng, { requiresGrad: true }), E.randn([3, 4], rng, { requiresGrad: true }), E.randn([4], rng)];
  const chained = x.matmul(w).add(b).relu().square().sum();
  const free = E.sum(E.square(E.relu(E.add(E.matmul(x, w), b))));
  assert.equal(await values(chained), await values(free));
  chained.backward();
  const g = await values(x.grad!);
  x.grad = null;
  free.backward();
  assert.equal(await values(x.grad!), g, 'the same gradient');
  assert.equal(x.transpose(0, 1).shape, [3, 5]);
  assert.equal(await values(x.transpose(-1, 0)), await values(E.permute(x, [1, 0])));
  assert.throws(() => x.transpose(0, 2), /transpose: dim 2 is out of range for x \[5,3\] float32 \(expected a dim in \[-2, 1\]\)/);
  assert.equal(await values(x.mean(1, true)), await values(E.mean(x, 1, true)));
  assert.equal(await values(x.tanh().sigmoid().pow(2)), await values(E.pow(E.sigmoid(E.tanh(x)), 2)));
  assert.equal(await values(x.softmax(0)), await values(E.softmax(x, 0)));
  assert.equal(await values(x.max(1).indices), await values(E.max(x, 1).indices));
  assert.equal(await values(x.gt(0).mul(x)), await values(E.mul(E.gt(x, 0), x)));
  assert.equal(await values(x.where(x.gt(0), 0)), await values(E.where(E.gt(x, 0), x, 0)), "x.where(cond, y) is torch's where(cond, x, y)");
  assert.equal(await values(x.narrow(1, 1, 2)), await values(E.slice(x, 1, 1, 3)));
});

test('Sequential: children named 0, 1, … as torch.nn.Sequential; a sine fit with tensor methods, on the CPU and on WebGPU', async () => {
  const gpu = await gpuForTests();
  for (const device of [E.cpu, ...(gpu ? [gpu] : [])]) {
    const rng = new E.Rng(7);
    const model = new E.Sequential(new E.Linear(1, 32, rng, { device }), new E.ReLU(), new E.Linear(32, 32, rng, { device }), new E.ReLU(),
      new E.Linear(32, 1, rng, { device }));
    assert.equal([...model.stateDict().keys()], ['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    const x = E.tensor(Float32Array.from({ length: 64 }, (_, i) => -Math.PI + (2 * Math.PI * i) / 63), [64, 1], { device });
    const y = E.tensor(Float32Array.from((await x.toArray()) as Float32Array, Math.sin), [64, 1], { device });
    const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
    const losses: number[] = [];
    for (let step = 0; step < 300; step++) {
      const loss = E.tidy(() => {
        const loss = model.forward(x).sub(y).square().mean();
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss;
      });
      if (step === 0 || step === 299) losses.push(await loss.item());
      loss.dispose();
    }
    assert.ok(losses[1] < losses[0] / 10, `${device.name}: the loss falls tenfold, ${losses[0]} → ${losses[1]}`);
  }
  assert.throws(() => new E.Sequential(new E.ReLU(), (() => 1) as unknown as E.Layer), /Sequential: layer 1 must be a Module with a forward\(x\), got the function/);
});

test.run();
