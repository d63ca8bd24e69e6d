// The layers of engine/nn.ts built on the U-Net's ops (their numbers are ops.test.ts's):
// Conv2d's PyTorch init bound 1/√(C·k·k), weight shape and state_dict names; GroupNorm's γ = 1,
// β = 0 at first, its state_dict names and eps, each group centred (|mean| < 1e-5).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
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

test.run();
