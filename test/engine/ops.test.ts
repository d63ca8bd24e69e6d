// Every op, forward and backward, against PyTorch's numbers (test/fixtures/torch_ops.json).
//
// Tolerance: |ours − torch| ≤ atol + rtol·|torch| with atol = 1e-5, rtol = 1e-5. Elementwise ops
// agree to the last bit or one rounding; matmul and reductions differ in summation order and in
// precision (we accumulate in float64, PyTorch in float32), which stays far below this bound.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { assertClose, fromFixture, values } from '../support/helpers.js';
import { applyCase, caseInputs, opCases } from './op-cases.js';

const tol = { atol: 1e-5, rtol: 1e-5 };

for (const c of opCases) {
  test(`${c.name}: forward and gradients match PyTorch`, async () => {
    const inputs = caseInputs(c, true);
    const out = applyCase(c, inputs);
    assert.equal([...out.shape], c.output.shape, 'output shape');
    assertClose(await values(out), c.output.data, tol, `${c.name} forward`);

    out.backward(fromFixture(c.gradOut));
    for (const [name, expected] of Object.entries(c.grads)) {
      const grad = inputs[name].grad;
      assert.ok(grad, `${name} has a gradient`);
      assert.equal([...grad.shape], expected.shape, `∂/∂${name} shape`);
      assertClose(await values(grad), expected.data, tol, `${c.name} ∂/∂${name}`);
    }
  });
}

test('every differentiable op of the engine has a PyTorch fixture', () => {
  const ops = new Set(opCases.map((c) => c.op));
  for (const op of ['add', 'sub', 'mul', 'div', 'addScalar', 'rsubScalar', 'mulScalar', 'divScalar', 'rdivScalar',
    'neg', 'square', 'sqrt', 'relu', 'clamp', 'sum', 'mean', 'matmul', 'linear', 'linearFused', 'embedding', 'mse', 'reshape', 'expand']) {
    assert.ok(ops.has(op), `fixture for ${op}`);
  }
});

test('embedding backward sums the rows of duplicate indices', async () => {
  const weight = E.tensor([[1, 2], [3, 4], [5, 6]], undefined, { requiresGrad: true });
  const idx = E.tensor([2, 0, 2, 2], [4], { dtype: 'int32' });
  const out = E.embedding(idx, weight);
  assert.equal(await values(out), [5, 6, 1, 2, 5, 6, 5, 6]);
  E.sum(out).backward();
  assert.equal(await values(weight.grad!), [1, 1, 0, 0, 3, 3]);
});

test('the fused linear epilogue equals the ops it fuses', async () => {
  const rng = new E.Rng(4);
  const x = E.randn([33, 7], rng), w = E.randn([12, 7], rng), b = E.randn([12], rng), table = E.randn([5, 12], rng);
  const idx = E.randint([33], 0, 5, rng);
  const fused = await values(E.linear(x, w, b, { addRows: { table, indices: idx }, relu: true }));
  const separate = await values(E.relu(E.add(E.linear(x, w, b), E.embedding(idx, table))));
  assertClose(fused, separate, { atol: 1e-6, rtol: 1e-6 }, 'fused vs separate');
});

test.run();
