// The autograd machinery itself: accumulation, graph shapes, noGrad, zeroGrad, detach, seeds; and
// a composite graph against central differences (test/support/helpers.ts gradcheck: h = 1e-3,
// |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric|). Each op alone is ops.test.ts's.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gradcheck, values } from '../support/helpers.js';

test('a tensor used twice receives both contributions', async () => {
  const x = E.tensor([3], [1], { requiresGrad: true });
  E.sum(E.add(E.mul(x, x), x)).backward(); // d(x² + x)/dx = 2x + 1
  assert.equal(await values(x.grad!), [7]);
});

test('a diamond graph: both paths are summed, the shared node is visited once', async () => {
  const x = E.tensor([2], [1], { requiresGrad: true });
  const h = E.square(x); // 4
  const y = E.add(E.mul(h, 3), E.relu(h)); // 3h + h, dy/dx = 4·2x = 16
  E.sum(y).backward();
  assert.equal(await values(x.grad!), [16]);
});

test('gradients accumulate across backward calls until zeroGrad', async () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  E.sum(E.mul(x, 2)).backward();
  E.sum(E.mul(x, 2)).backward();
  assert.equal(await values(x.grad!), [4, 4]);
  const opt = new E.Adam([x]);
  opt.zeroGrad();
  assert.equal(await values(x.grad!), [0, 0]);
});

test('noGrad records nothing; detach cuts the graph', async () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  const y = E.noGrad(() => E.mul(x, 2));
  assert.is(y.requiresGrad, false);
  assert.is(y.node, null);
  assert.is(E.isGradEnabled(), true, 'grad mode restored');

  const d = E.mul(x, 3).detach();
  assert.is(d.requiresGrad, false);
  const z = E.add(E.mul(x, x), d); // gradient flows only through x·x
  E.sum(z).backward();
  assert.equal(await values(x.grad!), [2, 4]);
});

test('backward with a seed gradient on a non-scalar output', async () => {
  const x = E.tensor([1, 2, 3], [3], { requiresGrad: true });
  const y = E.mul(x, x);
  y.backward(E.tensor([1, 0, -1]));
  assert.equal(await values(x.grad!), [2, 0, -6]);
});

test('deep chains do not overflow the stack', async () => {
  const x = E.tensor([1], [1], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20_000; i++) y = E.add(y, 1);
  E.sum(y).backward();
  assert.equal(await values(x.grad!), [1]);
});

test('reshape shares storage; disposing the view keeps the base alive', async () => {
  const before = E.cpu.memory().live;
  const x = E.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  const v = E.reshape(x, [3, -1]);
  assert.equal([...v.shape], [3, 2]);
  assert.is(E.cpu.memory().live, before + 1, 'one storage for both');
  v.dispose();
  assert.equal(await values(x), [1, 2, 3, 4, 5, 6]);
  x.dispose();
  assert.is(E.cpu.memory().live, before);
});

test('gradcheck a composite graph: a tensor used twice, broadcasting, linear, embedding', async () => {
  const rng = new E.Rng(7);
  const x = E.randn([5, 3], rng);
  const w = E.randn([4, 3], rng);
  const b = E.randn([4], rng);
  const table = E.randn([6, 4], rng);
  const idx = E.tensor([5, 0, 5, 2, 1], [5], { dtype: 'int32' });
  await gradcheck(
    (x, w, b, table, idx) => {
      const h = E.add(E.linear(x, w, b), E.embedding(idx, table));
      return E.mul(E.square(h), E.mean(h, 1, true)); // h used twice, [5,4] · [5,1]
    },
    [x, w, b, table, idx],
    { what: 'composite' },
  );
});

test.run();
