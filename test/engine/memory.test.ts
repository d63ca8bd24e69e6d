// Deterministic release: tidy frees every intermediate, so a training loop keeps the number of
// live storages and their bytes flat. (The same property is what keeps GPU memory flat.)

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';

test('tidy disposes what it created, except what it returns', () => {
  const before = E.cpu.memory().live;
  const a = E.tensor([1, 2, 3]);
  const kept = E.tidy(() => {
    const b = E.mul(a, 2);
    const c = E.add(b, 1);
    return E.sum(c);
  });
  assert.is(E.cpu.memory().live, before + 2, 'a and the result survive');
  assert.is(kept.isDisposed, false);
  a.dispose();
  kept.dispose();
  assert.is(E.cpu.memory().live, before);
});

test('nested tidy hands returned tensors to the outer scope', () => {
  const before = E.cpu.memory().live;
  E.tidy(() => {
    const inner = E.tidy(() => E.mul(E.ones([4]), 3));
    assert.is(inner.isDisposed, false);
    return null;
  });
  assert.is(E.cpu.memory().live, before);
});

test('a training loop in tidy keeps live memory flat', async () => {
  const rng = new E.Rng(5);
  const model = new TinyMLP(8, 4, rng);
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn([16, 2], rng);
  const t = E.randint([16], 0, 4, rng);
  const y = E.randn([16, 2], rng);
  const step = (): E.Tensor => E.tidy(() => {
    const loss = E.mseLoss(model.forward(x, t), y);
    opt.zeroGrad();
    loss.backward();
    E.clipGradNorm(model.parameters(), 1);
    opt.step();
    return loss.detach();
  });
  step().dispose(); // first step allocates gradients and Adam moments
  const after1 = E.cpu.memory();
  for (let i = 0; i < 100; i++) step().dispose();
  const after100 = E.cpu.memory();
  assert.equal(after100, after1);
});

test('using a disposed tensor is an error, not garbage', () => {
  const a = E.tensor([1, 2]);
  a.dispose();
  assert.throws(() => E.mul(a, 2), /mul: x \[2\] float32 was disposed/);
});

test.run();
