// logSoftmax and crossEntropy (engine/ops/softmax.ts, engine/ops/loss.ts) — the classifier's
// loss for the image workload — against PyTorch (test/fixtures/torch_softmax.json: forward and
// an upstream gradient's backward on [7,10], [1,1], [2,257], logits of size 40 (a naive exp
// would overflow float32), rank 3; cross_entropy's mean loss and gradient), within
// 1e-6 + 1e-5·|torch|; against central differences; GPU vs CPU (|gpu − cpu| ≤ 2e-6·C + 1e-6 +
// 1e-5·|cpu|, C the row length); and every bad input refused by name.

import { test } from 'uvu';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, fromFixture, gradcheck, loadFixture, assertThrowsWith, values, type FixtureTensor } from '../support/helpers.js';

interface SoftmaxFixture {
  logSoftmax: { x: FixtureTensor; y: FixtureTensor; grad_out: FixtureTensor; grad_x: FixtureTensor }[];
  crossEntropy: { logits: FixtureTensor; labels: FixtureTensor; loss: number; grad: FixtureTensor }[];
}

const fx = loadFixture<SoftmaxFixture>('torch_softmax.json');
const gpu = await gpuForTests();
const TORCH = { atol: 1e-6, rtol: 1e-5 };

/** log_softmax's output and input gradient for a fixture case, on `device`. */
async function logSoftmaxCase(c: SoftmaxFixture['logSoftmax'][number], device: E.Backend): Promise<{ y: number[]; dx: number[] }> {
  const x = fromFixture(c.x, { device, requiresGrad: true });
  const y = E.logSoftmax(x);
  y.backward(fromFixture(c.grad_out, { device }));
  return { y: await values(y), dx: await values(x.grad!) };
}

/** cross_entropy's loss and logits gradient for a fixture case, on `device`. */
async function crossEntropyCase(c: SoftmaxFixture['crossEntropy'][number], device: E.Backend): Promise<{ loss: number; grad: number[] }> {
  const logits = fromFixture(c.logits, { device, requiresGrad: true });
  const loss = E.crossEntropy(logits, E.tensor(c.labels.data, c.labels.shape, { dtype: 'int32', device }));
  loss.backward();
  return { loss: await loss.item(), grad: await values(logits.grad!) };
}

test('logSoftmax: forward and backward match PyTorch, large logits included', async () => {
  for (const c of fx.logSoftmax) {
    const { y, dx } = await logSoftmaxCase(c, E.cpu);
    assertClose(y, c.y.data, TORCH, `log_softmax [${c.x.shape}]`);
    assertClose(dx, c.grad_x.data, TORCH, `∂/∂x log_softmax [${c.x.shape}]`);
  }
});

test('crossEntropy: the mean loss and its gradient match PyTorch', async () => {
  for (const c of fx.crossEntropy) {
    const { loss, grad } = await crossEntropyCase(c, E.cpu);
    assertClose([loss], [c.loss], TORCH, `cross_entropy [${c.logits.shape}]`);
    assertClose(grad, c.grad.data, TORCH, `∂/∂logits cross_entropy [${c.logits.shape}]`);
  }
});

test('gradcheck: logSoftmax and crossEntropy against central differences', async () => {
  const rng = new E.Rng(3);
  await gradcheck((x) => E.logSoftmax(x), [E.randn([4, 6], rng)], { what: 'logSoftmax' });
  const labels = E.tensor([2, 0, 5, 5], [4], { dtype: 'int32' });
  await gradcheck((x) => E.crossEntropy(x, labels), [E.randn([4, 6], rng)], { what: 'crossEntropy' });
});

gpuTest(gpu)('GPU vs CPU: logSoftmax and crossEntropy, forward and backward', async () => {
  for (const c of fx.logSoftmax) {
    const [g, cpu] = [await logSoftmaxCase(c, gpu!), await logSoftmaxCase(c, E.cpu)];
    const tol = { atol: 2e-6 * c.x.shape[c.x.shape.length - 1] + 1e-6, rtol: 1e-5 };
    assertClose(g.y, cpu.y, tol, `log_softmax [${c.x.shape}], GPU vs CPU`);
    assertClose(g.dx, cpu.dx, tol, `∂/∂x log_softmax [${c.x.shape}], GPU vs CPU`);
  }
  for (const c of fx.crossEntropy) {
    const [g, cpu] = [await crossEntropyCase(c, gpu!), await crossEntropyCase(c, E.cpu)];
    const tol = { atol: 2e-6 * c.logits.shape[1] + 1e-6, rtol: 1e-5 };
    assertClose([g.loss], [cpu.loss], tol, `cross_entropy [${c.logits.shape}], GPU vs CPU`);
    assertClose(g.grad, cpu.grad, tol, `∂/∂logits cross_entropy [${c.logits.shape}], GPU vs CPU`);
  }
});

test('bad inputs are refused by name: labels out of range, not int32, wrong length; logits not [B, C]', () => {
  const logits = E.tensor(new Float32Array(12), [4, 3], { name: 'scores' });
  assertThrowsWith(() => E.crossEntropy(logits, E.tensor([0, 1, 3, 2], [4], { dtype: 'int32' })), ['crossEntropy', 'indices must lie in [0, 2]', 'from 0 to 3']);
  assertThrowsWith(() => E.crossEntropy(logits, E.tensor([0, 1, 2, 2], [4])), ['crossEntropy', 'expected labels [4] int32', "'scores' [4,3]", 'float32']);
  assertThrowsWith(() => E.crossEntropy(logits, E.tensor([0, 1], [2], { dtype: 'int32' })), ['expected labels [4] int32', '[2] int32']);
  assertThrowsWith(() => E.crossEntropy(E.tensor(new Float32Array(4), [4]), E.tensor([0, 1, 2, 2], [4], { dtype: 'int32' })), ['expected logits [B, C]']);
  assertThrowsWith(() => E.logSoftmax(E.tensor([1, 2], [2], { dtype: 'int32' })), ['logSoftmax', 'float32']);
});

test.run();
