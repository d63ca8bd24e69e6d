// Adam and clipGradNorm over several steps against torch.optim.Adam and
// torch.nn.utils.clip_grad_norm_ (test/fixtures/torch_optim.json), per parameter and packed;
// and clip_grad_norm_ on gradients holding NaN and ±Inf (test/fixtures/torch_nonfinite.json: a
// NaN norm makes every gradient NaN), on the CPU and on WebGPU when there is one.
//
// Tolerance: |ours − torch| ≤ 1e-6 + 1e-5·|torch| for parameters after every step, and
// rtol 1e-5 for the returned norm. Both sides compute Adam in float32 in the same order; the
// norm is accumulated in float64 here and in float32 by PyTorch. With NaN and ±Inf: NaN where
// torch has NaN, the same infinity where it has one, finite values within 1e-6 + 1e-5·|torch|.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, fromFixture, loadFixture, values, type FixtureTensor } from '../support/helpers.js';

interface OptimFixture {
  init: FixtureTensor[];
  grads: FixtureTensor[][];
  runs: {
    name: string;
    clip: number | null;
    adam: { lr: number; betas?: [number, number]; eps?: number; weightDecay?: number };
    trace: { norm: number | null; params: FixtureTensor[] }[];
  }[];
}

const fx = loadFixture<OptimFixture>('torch_optim.json');

/** A fixture tensor whose non-finite values are the strings "NaN", "Infinity", "-Infinity". */
interface Encoded {
  shape: number[];
  data: (number | string)[];
}

const clipCases = loadFixture<{ clipGradNorm: { name: string; max_norm: number; grads: Encoded[]; norm: Encoded; clipped: Encoded[] }[] }>(
  'torch_nonfinite.json').clipGradNorm;
const gpu = await gpuForTests();

// Per parameter, and packed into one buffer (engine/packing.ts: one Adam kernel, one norm).
for (const run of fx.runs) {
  for (const packed of [false, true]) {
    test(`${run.name}${packed ? ', packed' : ''}: ${run.trace.length} steps match PyTorch`, async () => {
      const params = fx.init.map((d) => fromFixture(d, { requiresGrad: true }));
      const pack = packed ? E.packParameters(params) : null;
      const opt = new E.Adam(pack ?? params, run.adam);
      for (const [step, expected] of run.trace.entries()) {
        params.forEach((p, i) => {
          // A packed gradient is overwritten in place (assigning .grad would unpack it).
          if (pack) p.device.write(p.grad!.storage, Float32Array.from(fx.grads[step][i].data));
          else p.grad = fromFixture(fx.grads[step][i]);
        });
        if (run.clip !== null) {
          const norm = await E.clipGradNorm(pack ?? params, run.clip).item();
          assertClose([norm], [expected.norm!], { atol: 0, rtol: 1e-5 }, `step ${step + 1} norm`);
        }
        opt.step();
        for (const [i, p] of params.entries()) {
          assertClose(await values(p), expected.params[i].data, { atol: 1e-6, rtol: 1e-5 }, `step ${step + 1} param ${i}`);
        }
      }
    });
  }
}

test('clipGradNorm scales gradients to maxNorm and returns the norm before clipping', async () => {
  const p = E.tensor([0, 0], [2], { requiresGrad: true });
  const q = E.tensor([0], [1], { requiresGrad: true });
  p.grad = E.tensor([3, 0]);
  q.grad = E.tensor([4]);
  const norm = await E.clipGradNorm([p, q], 1).item();
  assert.equal(norm, 5);
  const coef = 1 / (5 + 1e-6);
  assertClose(await values(p.grad), [3 * coef, 0], { atol: 0, rtol: 1e-6 }, 'p.grad');
  assertClose(await values(q.grad), [4 * coef], { atol: 0, rtol: 1e-6 }, 'q.grad');
  // Below the limit nothing changes.
  const again = await E.clipGradNorm([p, q], 10).item();
  assertClose([again], [1], { atol: 0, rtol: 1e-5 }, 'norm after clipping');
  assertClose(await values(q.grad), [4 * coef], { atol: 0, rtol: 1e-6 }, 'q.grad untouched');
});

test('Adam skips parameters without a gradient and keeps per-parameter step counts', async () => {
  const a = E.tensor([1], [1], { requiresGrad: true });
  const b = E.tensor([1], [1], { requiresGrad: true });
  const opt = new E.Adam([a, b], { lr: 0.1 });
  a.grad = E.tensor([1]);
  opt.step(); // b has no gradient yet
  assert.equal(await values(b), [1]);
  b.grad = E.tensor([1]);
  opt.step();
  // b's first step: m̂ = g, v̂ = g², so the update is lr·g/(|g| + eps) = 0.1, as a's first was.
  assertClose(await values(b), [0.9], { atol: 1e-6, rtol: 0 }, 'b after its first step');
});

async function clipsLikeTorch(device: E.Backend): Promise<void> {
  const on = `on ${device.name}`;
  const decode = (t: Encoded): number[] => t.data.map(Number);
  const tol = { atol: 1e-6, rtol: 1e-5 };
  for (const c of clipCases) {
    const params = c.grads.map((g) => E.zeros(g.shape, { device, requiresGrad: true }));
    params.forEach((p, i) => { p.grad = E.tensor(decode(c.grads[i]), c.grads[i].shape, { device }); });
    const norm = E.clipGradNorm(params, c.max_norm);
    assertClose([await norm.item()], decode(c.norm), tol, `clip_grad_norm_ (${c.name}): the norm ${on}`);
    for (const [i, p] of params.entries()) {
      assertClose(await values(p.grad!), decode(c.clipped[i]), tol, `clip_grad_norm_ (${c.name}): gradient ${i} ${on}`);
    }
  }
}

test('CPU: clip_grad_norm_ gives PyTorch\'s norm and gradients on NaN and ±Inf', () => clipsLikeTorch(E.cpu));

gpuTest(gpu)('WebGPU: clip_grad_norm_ gives PyTorch\'s norm and gradients on NaN and ±Inf', () => clipsLikeTorch(gpu!));

test.run();
