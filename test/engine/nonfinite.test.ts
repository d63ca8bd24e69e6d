// NaN and ±Inf against PyTorch (test/fixtures/torch_nonfinite.json, written by torch 1.13):
// relu, clamp (both bounds, min only, max only) and log_softmax, forward and backward with an
// upstream gradient holding a NaN and an Inf, and clip_grad_norm_'s norm and clipped gradients
// (a NaN norm makes every gradient NaN). On the CPU reference, and on WebGPU when there is one.
// Rule (test/helpers.ts assertClose): NaN where torch has NaN, the same infinity where it has
// one, finite values within 1e-6 + 1e-5·|torch|.

import { test } from 'uvu';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, loadFixture, values } from '../support/helpers.js';

/** A fixture tensor whose non-finite values are the strings "NaN", "Infinity", "-Infinity". */
interface Encoded {
  shape: number[];
  data: (number | string)[];
}

interface NonFiniteFixture {
  elementwise: { name: string; params: { min?: number; max?: number }; x: Encoded; y: Encoded; grad_out: Encoded; grad_x: Encoded }[];
  logSoftmax: { x: Encoded; y: Encoded; grad_out: Encoded; grad_x: Encoded }[];
  clipGradNorm: { name: string; max_norm: number; grads: Encoded[]; norm: Encoded; clipped: Encoded[] }[];
}

const fx = loadFixture<NonFiniteFixture>('torch_nonfinite.json');
const gpu = await gpuForTests();
const TORCH = { atol: 1e-6, rtol: 1e-5 };

const decode = (t: Encoded): number[] => t.data.map(Number);
const tensorOf = (t: Encoded, device: E.Backend, requiresGrad = false): E.Tensor =>
  E.tensor(decode(t), t.shape, { device, requiresGrad });

async function checkAgainstTorch(device: E.Backend): Promise<void> {
  const on = `on ${device.name}`;
  for (const c of fx.elementwise) {
    const x = tensorOf(c.x, device, true);
    const y = c.name === 'relu' ? E.relu(x) : E.clamp(x, c.params);
    y.backward(tensorOf(c.grad_out, device));
    assertClose(await values(y), decode(c.y), TORCH, `${c.name} ${on}`);
    assertClose(await values(x.grad!), decode(c.grad_x), TORCH, `∂/∂x ${c.name} ${on}`);
  }
  for (const c of fx.logSoftmax) {
    const x = tensorOf(c.x, device, true);
    const y = E.logSoftmax(x);
    y.backward(tensorOf(c.grad_out, device));
    assertClose(await values(y), decode(c.y), TORCH, `log_softmax [${c.x.shape}] ${on}`);
    assertClose(await values(x.grad!), decode(c.grad_x), TORCH, `∂/∂x log_softmax [${c.x.shape}] ${on}`);
  }
  for (const c of fx.clipGradNorm) {
    const params = c.grads.map((g) => E.zeros(g.shape, { device, requiresGrad: true }));
    params.forEach((p, i) => { p.grad = tensorOf(c.grads[i], device); });
    const norm = E.clipGradNorm(params, c.max_norm);
    assertClose([await norm.item()], decode(c.norm), TORCH, `clip_grad_norm_ (${c.name}): the norm ${on}`);
    for (const [i, p] of params.entries()) {
      assertClose(await values(p.grad!), decode(c.clipped[i]), TORCH, `clip_grad_norm_ (${c.name}): gradient ${i} ${on}`);
    }
  }
}

test('CPU: relu, clamp, log_softmax and clip_grad_norm_ give PyTorch\'s answers on NaN and ±Inf', async () => {
  await checkAgainstTorch(E.cpu);
});

gpuTest(gpu)('WebGPU: relu, clamp, log_softmax and clip_grad_norm_ give PyTorch\'s answers on NaN and ±Inf', async () => {
  await checkAgainstTorch(gpu!);
});

test.run();
