// Numerical gradient checks: for every op fixture, autograd's gradients against central
// differences (h = 1e-3) of L = Σ op(inputs)·w, with |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric|.
// Float32 rounding of L limits how tight this can be; the fixtures keep inputs away from kinks
// (relu, clamp) and poles (1/x) by more than h.

import { test } from 'uvu';
import * as E from '../../engine/index.js';
import { gradcheck } from '../support/helpers.js';
import { applyCase, caseInputs, opCases } from './op-cases.js';

for (const c of opCases) {
  test(`gradcheck ${c.name}`, async () => {
    const named = caseInputs(c, false);
    const names = Object.keys(named);
    await gradcheck(
      (...inputs) => applyCase(c, Object.fromEntries(names.map((n, i) => [n, inputs[i]]))),
      names.map((n) => named[n]),
      { what: c.name },
    );
  });
}

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
