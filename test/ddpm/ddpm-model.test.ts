// MLPDiffusion has the tutorial's parameters: PyTorch's state_dict keys, shapes and layouts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';

test('parameter names and shapes are the PyTorch state_dict of MLPDiffusion(num_steps=100)', () => {
  const model = new MLPDiffusion(100, new E.Rng(0));
  const keys = [...model.stateDict()].map(([k, p]) => `${k} [${p.shape}]`);
  assert.equal(keys, [
    'linears.0.weight [128,2]', 'linears.0.bias [128]', 'linears.2.weight [128,128]', 'linears.2.bias [128]',
    'linears.4.weight [128,128]', 'linears.4.bias [128]', 'linears.6.weight [2,128]', 'linears.6.bias [2]',
    'step_embeddings.0.weight [100,128]', 'step_embeddings.1.weight [100,128]', 'step_embeddings.2.weight [100,128]',
  ]);
});

test('the fused forward equals Linear, + embedding, ReLU applied one by one', async () => {
  const rng = new E.Rng(1);
  const model = new MLPDiffusion(100, rng);
  const x = E.randn([16, 2], rng);
  const t = E.randint([16], 0, 100, rng);
  let h = x;
  for (let i = 0; i < 3; i++) {
    h = E.relu(E.add(model.linears[2 * i].forward(h), model.step_embeddings[i].forward(t)));
  }
  const expected = await model.linears[6].forward(h).toArray();
  const actual = await model.forward(x, t).toArray();
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-6, `element ${i}`);
});

test.run();
