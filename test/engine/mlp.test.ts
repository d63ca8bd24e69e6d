// A tiny MLP with timestep-style embeddings, trained 200 full-batch steps with Adam (lr 1e-2)
// and clipGradNorm(1.0), from PyTorch's initial weights on PyTorch's data: the loss after every
// step and the final weights must follow PyTorch's run (test/fixtures/torch_mlp.json).
//
// Tolerance: losses |ours − torch| ≤ 1e-6 + 1e-3·|torch| at every step; gradient norms likewise;
// final weights 1e-4 + 1e-3·|torch|. Float32 rounding differences between the two engines
// (summation order, float64 accumulation here) grow slowly with training; measured on the CPU
// backend: losses within 7e-6 relative, norms within 3e-4 relative over all 200 steps.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { assertClose, fromFixture, loadFixture, stateDictFromFixture, values, type FixtureTensor } from '../support/helpers.js';

interface MlpFixture {
  hidden: number;
  classes: number;
  lr: number;
  maxNorm: number;
  steps: number;
  init: Record<string, FixtureTensor>;
  final: Record<string, FixtureTensor>;
  x: FixtureTensor;
  t: FixtureTensor;
  y: FixtureTensor;
  losses: number[];
  norms: number[];
}

const fx = loadFixture<MlpFixture>('torch_mlp.json');

test('parameter names and shapes match the PyTorch state_dict', () => {
  const model = new TinyMLP(fx.hidden, fx.classes, new E.Rng(0));
  const ours = [...model.stateDict()].map(([k, p]) => [k, [...p.shape]]);
  const theirs = Object.entries(fx.init).map(([k, v]) => [k, v.shape]);
  assert.equal(ours, theirs);
});

test(`${fx.steps} steps of Adam + clipping follow PyTorch's loss trajectory`, async () => {
  const model = new TinyMLP(fx.hidden, fx.classes, new E.Rng(0));
  model.loadStateDict(stateDictFromFixture(fx.init));
  const x = fromFixture(fx.x);
  const t = E.tensor(fx.t.data, fx.t.shape, { dtype: 'int32' });
  const y = fromFixture(fx.y);
  const opt = new E.Adam(model.parameters(), { lr: fx.lr });

  const losses: number[] = [];
  const norms: number[] = [];
  for (let step = 0; step < fx.steps; step++) {
    const [loss, norm] = E.tidy(() => {
      const loss = E.mseLoss(model.forward(x, t), y);
      opt.zeroGrad();
      loss.backward();
      const norm = E.clipGradNorm(model.parameters(), fx.maxNorm);
      opt.step();
      return [loss.detach(), norm];
    });
    losses.push(await loss.item());
    norms.push(await norm.item());
    loss.dispose();
    norm.dispose();
  }
  assert.ok(losses[fx.steps - 1] < losses[0] / 4, `the loss fell (${losses[0]} → ${losses[fx.steps - 1]})`);
  assert.ok(fx.norms.some((n) => n > fx.maxNorm), 'the fixture exercises clipping');
  assertClose(losses, fx.losses, { atol: 1e-6, rtol: 1e-3 }, 'loss per step');
  assertClose(norms, fx.norms, { atol: 1e-6, rtol: 1e-3 }, 'gradient norm per step');
  for (const [name, p] of model.stateDict()) {
    assertClose(await values(p), fx.final[name].data, { atol: 1e-4, rtol: 1e-3 }, `final ${name}`);
  }
});

test.run();
