// Bad input is refused on the host with a message that names the op, the tensors and what was
// expected — before any kernel runs.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { assertThrowsWith } from '../support/helpers.js';

const f = (shape: number[], options: E.CreateOptions = {}): E.Tensor => E.zeros(shape, options);
const idx = (values: number[]): E.Tensor => E.tensor(values, [values.length], { dtype: 'int32' });

test('shapes that do not broadcast', () => {
  assertThrowsWith(() => E.add(f([3, 4]), f([3])), ['add:', '[3,4]', '[3]', 'do not broadcast']);
  assertThrowsWith(() => E.mul(f([2, 3]), f([3, 2])), ['mul:', '[2,3]', '[3,2]']);
});

test('matmul with mismatched inner dimensions or the wrong rank', () => {
  assertThrowsWith(() => E.matmul(f([3, 4]), f([5, 6])), ['matmul: inner dimensions differ', 'op(a) is [3,4]', 'op(b) is [5,6]']);
  assertThrowsWith(() => E.matmul(f([3, 4]), f([3, 6]), { transB: true }), ['matmul: inner dimensions differ', '[3,6] float32 transposed']);
  assertThrowsWith(() => E.matmul(f([4]), f([4, 2])), ['matmul: expected 2-D operands', 'a [4] float32']);
});

test('linear names the weight and the shapes', () => {
  const layer = new E.Linear(3, 5, new E.Rng(0));
  layer.namedParameters('layer.');
  assertThrowsWith(() => layer.forward(f([8, 4])), ['linear: expected x [B, 3]', "weight 'layer.weight' [5,3] float32", 'got x [8,4] float32']);
  assertThrowsWith(() => E.linear(f([2, 3]), f([5, 3]), f([4])), ['linear: expected bias [5]', 'got bias [4] float32']);
  const table = f([10, 5]);
  assertThrowsWith(() => E.linear(f([2, 3]), f([5, 3]), undefined, { addRows: { table, indices: idx([0, 10]) } }),
    ['linear: indices must lie in [0, 9]', 'from 0 to 10']);
  assertThrowsWith(() => E.linear(f([2, 3]), f([5, 3]), undefined, { addRows: { table, indices: idx([0, 1, 2]) } }),
    ['linear: expected int32 indices [2] (one per row of x)', 'got indices [3] int32']);
  assertThrowsWith(() => E.linear(f([2, 3]), f([5, 3]), undefined, { addRows: { table: f([10, 4]), indices: idx([0, 1]) } }),
    ['linear: expected an embedding table [rows, 5] to add', 'got table [10,4] float32']);
});

test('embedding: an index outside the table is an error, not a clamp', () => {
  const table = f([10, 4]);
  assertThrowsWith(() => E.embedding(idx([0, 3, 10]), table), ['embedding: indices must lie in [0, 9]', 'from 0 to 10']);
  assertThrowsWith(() => E.embedding(idx([-1, 2]), table), ['from -1 to 2']);
  assertThrowsWith(() => E.embedding(f([3]), table), ['embedding: expected int32 indices', 'got indices [3] float32']);
  assertThrowsWith(() => E.embedding(E.randint([64], 0, 11, new E.Rng(0)), table), ['from 0 to 10']);
});

test('dtypes: float ops refuse int32, only float tensors take gradients', () => {
  assertThrowsWith(() => E.relu(idx([1, 2])), ['relu: expected x to be float32', 'int32']);
  assertThrowsWith(() => E.tensor([1, 2], [2], { dtype: 'int32', requiresGrad: true }), ['requiresGrad: only float32']);
  assertThrowsWith(() => E.tensor([1.5], [1], { dtype: 'int32' }), ['int32 data must be 32-bit integers', '1.5']);
});

test('reductions and reshape with bad axes or sizes', () => {
  assertThrowsWith(() => E.sum(f([2, 3]), 2), ['sum: axis 2 is out of range for a tensor of rank 2']);
  assertThrowsWith(() => E.reshape(f([2, 3]), [4, 2]), ['reshape: cannot view x [2,3] float32 (6 elements) as [4,2]']);
  assertThrowsWith(() => E.expand(f([2, 3]), [3, 3]), ['expand:']);
});

test('tensor creation with data that does not fit the shape', () => {
  assertThrowsWith(() => E.tensor([1, 2, 3], [2, 2]), ['tensor: 3 values cannot fill shape [2,2]']);
  assertThrowsWith(() => E.tensor([[1, 2], [3]]), ['tensor: ragged nested array']);
  assertThrowsWith(() => E.zeros([2, 0]), ['a shape is a list of positive integers']);
});

test('backward on a non-scalar without a seed, or on a tensor without a graph', () => {
  const x = E.tensor([1, 2], [2], { requiresGrad: true });
  assertThrowsWith(() => E.mul(x, 2).backward(), ['backward:', '[2] float32 is not a scalar', 'pass a seed of shape [2]']);
  assertThrowsWith(() => E.mul(x, 2).backward(E.zeros([3])), ['backward: the seed gradient must match']);
  assertThrowsWith(() => E.zeros([1]).backward(), ['does not require grad']);
});

test('mse with different shapes; scalar operands that are not finite', () => {
  assertThrowsWith(() => E.mseLoss(f([4, 2]), f([4, 1])), ['mseLoss: input and target must have the same shape', '[4,2]', '[4,1]']);
  assertThrowsWith(() => E.mul(f([2]), NaN), ['mul: the scalar operand must be finite, got NaN']);
});

test('loadStateDict reports every problem and changes nothing', async () => {
  const model = new TinyMLP(4, 3, new E.Rng(0));
  const before = await model.linears[0].weight.toArray();
  const entries = new Map([...model.stateDict()].map(([k, p]) => [k, { shape: [...p.shape], data: new Float32Array(p.size).fill(7) }]));
  entries.set('linears.2.weight', { shape: [4, 5], data: new Float32Array(20) });
  entries.delete('embeds.1.weight');
  entries.set('extra.bias', { shape: [1], data: new Float32Array(1) });
  assertThrowsWith(() => model.loadStateDict(entries), [
    "'linears.2.weight' has shape [4,5] (20 values), expected [4,4]", "missing 'embeds.1.weight' [3,4]", "unexpected 'extra.bias'",
  ]);
  assert.equal(await model.linears[0].weight.toArray(), before, 'nothing was written');
});

test('optimizer and clipping settings', () => {
  const p = E.zeros([2], { requiresGrad: true });
  assertThrowsWith(() => new E.Adam([p], { lr: -1 }), ['Adam: invalid learning rate']);
  assertThrowsWith(() => new E.Adam([p], { betas: [0.9, 1] }), ['Adam: invalid beta2']);
  assertThrowsWith(() => new E.Adam([E.zeros([2])]), ['Adam: parameter [2] float32 does not require grad']);
  assertThrowsWith(() => E.clipGradNorm([p], 0), ['clipGradNorm: maxNorm must be > 0, got 0']);
});

test.run();
