// The op fixtures written by test/fixtures/make_fixtures.py, and how to run each one on the
// engine. Shared by the PyTorch comparison (ops.test.ts) and the gradient check (gradcheck.test.ts).

import * as E from '../../engine/index.js';
import { loadFixture, type FixtureTensor } from '../support/helpers.js';

export interface OpCase {
  name: string;
  op: string;
  params: Record<string, unknown>;
  inputs: Record<string, FixtureTensor>;
  intInputs: Record<string, FixtureTensor>;
  output: FixtureTensor;
  gradOut: FixtureTensor;
  grads: Record<string, FixtureTensor>;
}

export const opCases = loadFixture<{ cases: OpCase[] }>('torch_ops.json').cases;

/** Runs case `c` on named input tensors (float inputs first, then int inputs). */
export function applyCase(c: OpCase, t: Record<string, E.Tensor>): E.Tensor {
  const p = c.params as Record<string, number & boolean & number[]>;
  switch (c.op) {
    case 'add': return E.add(t.a, t.b);
    case 'sub': return E.sub(t.a, t.b);
    case 'mul': return E.mul(t.a, t.b);
    case 'div': return E.div(t.a, t.b);
    case 'addScalar': return E.add(t.x, p.c);
    case 'subScalar': return E.sub(t.x, p.c);
    case 'rsubScalar': return E.sub(p.c, t.x);
    case 'mulScalar': return E.mul(t.x, p.c);
    case 'divScalar': return E.div(t.x, p.c);
    case 'rdivScalar': return E.div(p.c, t.x);
    case 'neg': return E.neg(t.x);
    case 'square': return E.square(t.x);
    case 'sqrt': return E.sqrt(t.x);
    case 'relu': return E.relu(t.x);
    case 'clamp': return E.clamp(t.x, { min: p.min, max: p.max });
    case 'clampMax': return E.clamp(t.x, { max: p.max });
    case 'sum': return E.sum(t.x, p.axis, p.keepdim ?? false);
    case 'mean': return E.mean(t.x, p.axis);
    case 'matmul': return E.matmul(t.a, t.b, { transA: p.transA, transB: p.transB });
    case 'linear': return E.linear(t.x, t.weight, t.bias);
    case 'embedding': return E.embedding(t.indices, t.weight);
    case 'linearFused': return E.linear(t.x, t.weight, t.bias, { addRows: { table: t.table, indices: t.indices }, relu: p.relu });
    case 'mse': return E.mseLoss(t.input, t.target);
    case 'reshape': return E.reshape(t.x, p.shape);
    case 'expand': return E.expand(t.x, p.shape);
    default: throw new Error(`no runner for fixture op '${c.op}'`);
  }
}

/** The case's inputs as tensors: floats (requiring grad if asked), then int32 indices. */
export function caseInputs(c: OpCase, requiresGrad: boolean): Record<string, E.Tensor> {
  const t: Record<string, E.Tensor> = {};
  for (const [k, v] of Object.entries(c.inputs)) t[k] = E.tensor(v.data, v.shape, { requiresGrad });
  for (const [k, v] of Object.entries(c.intInputs)) t[k] = E.tensor(v.data, v.shape, { dtype: 'int32' });
  return t;
}

export const opsCovered = [...new Set(opCases.map((c) => c.op))];
