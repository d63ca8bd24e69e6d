// Bad input outside the ops is refused on the host with a message that names the call, the
// tensors and what was expected: tensor creation, backward, loadStateDict, the optimiser and
// clipping. The ops' own bad inputs are rows of the op table (op-table.ts, run by ops.test.ts).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { assertThrowsWith } from '../support/helpers.js';

test('tensor creation: only float tensors take gradients, int32 data are integers', () => {
  assertThrowsWith(() => E.tensor([1, 2], [2], { dtype: 'int32', requiresGrad: true }), ['requiresGrad: only float32']);
  assertThrowsWith(() => E.tensor([1.5], [1], { dtype: 'int32' }), ['int32 data must be 32-bit integers', '1.5']);
});

test('a dtype the engine does not have is refused, naming the option, the value and the supported ones', () => {
  // From plain JavaScript (a cast here) 'float64' used to come back float32 without a word.
  const float64 = { dtype: 'float64' } as unknown as E.CreateOptions;
  assertThrowsWith(() => E.tensor([1.5, 2], undefined, float64), ["tensor: option dtype: 'float64' is not supported here (supported: 'float32', 'int32')"]);
  assertThrowsWith(() => E.full([2], 1, float64), ["full: option dtype: 'float64'", "'float32', 'int32'"]);
  assertThrowsWith(() => E.zeros([2], float64), ["zeros: option dtype: 'float64'"]);
  assertThrowsWith(() => E.ones([2], { dtype: 'float16' } as unknown as E.CreateOptions), ["ones: option dtype: 'float16'"]);
  const rng = new E.Rng(0);
  assertThrowsWith(() => E.randn([2], rng, { dtype: 'int32' }), ["randn: option dtype: 'int32' is not supported here (supported: 'float32')"]);
  assertThrowsWith(() => E.rand([2], rng, float64), ["rand: option dtype: 'float64'", "(supported: 'float32')"]);
  assertThrowsWith(() => E.randint([2], 0, 3, rng, { dtype: 'float32' }), ["randint: option dtype: 'float32' is not supported here (supported: 'int32')"]);
  assert.is(E.tensor([1, 2], undefined, { dtype: 'int32' }).dtype, 'int32');
  assert.is(E.randint([2], 0, 3, rng, { dtype: 'int32' }).dtype, 'int32');
});

test('plain-JavaScript mistakes name the fix: a missing Rng, an array where a tensor goes', () => {
  const js = E as unknown as Record<string, (...args: unknown[]) => unknown> & { Linear: new (...args: unknown[]) => unknown; Embedding: new (...args: unknown[]) => unknown };
  assertThrowsWith(() => new js.Linear(2, 3), ['Linear: the initial weights are drawn from an Rng', 'new E.Linear(2, 3, new E.Rng(seed))', 'got undefined']);
  assertThrowsWith(() => new js.Embedding(10, 4, { device: E.cpu }), ['Embedding:', 'new E.Embedding(10, 4, new E.Rng(seed))', 'got an object { device }']);
  assertThrowsWith(() => js.randn([2]), ['randn: expected an Rng to draw from (e.g. new E.Rng(0)), got undefined']);
  const t = E.tensor([1, 2]);
  assertThrowsWith(() => js.add([1, 2], t), ['add: expected a (a Tensor or a number) to be a Tensor, got an Array [1,2] (make one with E.tensor([1,2]))']);
  assertThrowsWith(() => js.mul(t, 'x'), ["mul: expected b (a Tensor or a number) to be a Tensor, got the string \"x\""]);
  assertThrowsWith(() => js.relu([1, -1]), ['relu:', 'to be a Tensor, got an Array [1,-1]', 'E.tensor([1,-1])']);
  assertThrowsWith(() => js.matmul(t, new Float32Array(2)), ['matmul:', 'to be a Tensor, got a Float32Array', 'E.tensor(data)']);
});

test('options in the place of the shape, and options nobody takes, are refused by name', () => {
  assertThrowsWith(() => E.tensor([1, 2], { dtype: 'float64' } as unknown as number[]),
    ['tensor: the second argument is the shape, got { dtype }', 'options come third: tensor(data, undefined, { dtype, device, requiresGrad, name })']);
  const misspelt = { requiresgrad: true } as unknown as E.CreateOptions;
  assertThrowsWith(() => E.tensor([1, 2], undefined, misspelt), ["tensor: unknown option 'requiresgrad' (it takes dtype, device, requiresGrad, name)"]);
  assertThrowsWith(() => E.randn([2], new E.Rng(0), { mean: 0, sd: 2 } as unknown as E.CreateOptions), ["randn: unknown option 'sd'", 'mean, std']);
  const rng = new E.Rng(0);
  assertThrowsWith(() => new E.Linear(2, 3, rng, { dtype: 'float64' } as never), ["Linear: unknown option 'dtype' (it takes device, bias)"]);
  assertThrowsWith(() => new E.Conv2d(2, 3, 3, rng, { pad: 1 } as never), ["Conv2d: unknown option 'pad' (it takes device, stride, padding, bias)"]);
  assertThrowsWith(() => new E.GroupNorm(2, 4, { epsilon: 1e-6 } as never), ["GroupNorm: unknown option 'epsilon'"]);
  assertThrowsWith(() => new E.Embedding(5, 3, rng, { dtype: 'float64', sparse: true } as never), ["Embedding: unknown options 'dtype', 'sparse' (it takes device)"]);
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
