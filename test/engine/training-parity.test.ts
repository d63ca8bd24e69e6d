// GPU vs CPU beyond single ops (those are ops.test.ts's): the random draws, the sumSquares
// kernel behind clipGradNorm (with NaN and ±Inf), Adam + clipGradNorm over several steps (also
// with a NaN norm, an Inf norm, and specials without clipping), 50 training steps of the
// tutorial's MLPDiffusion, and 2000 training steps with a flat count of live GPU buffers.
//
// Tolerance rule: |gpu − cpu| ≤ atol + rtol·|cpu| (test/support/helpers.ts assertClose; a NaN on
// the CPU must be NaN on the GPU at the same place, ±Inf the same infinity):
//   uniform and randint draws        bit for bit
//   normal draws, Adam and clipping  atol 1e-5, rtol 1e-5 (float32 log/cos/sin on the GPU)
//   sumSquares over n terms          atol 2e-6·n + 1e-6, rtol 1e-5 (the GPU accumulates in float32,
//                                    the CPU in float64)
//   training losses                  atol 1e-5, rtol 1e-3
// Kernel checks are never loosened to pass: a mismatch is a bug.

import * as assert from 'uvu/assert';
import { test } from 'uvu';
import * as E from '../../engine/index.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose } from '../support/helpers.js';
import { Draws, spiked, spread, type HostTensor } from './op-inputs.js';
import { terms } from './op-runners.js';

const gpu = await gpuForTests();
const it = gpuTest(gpu);

const draws = new Draws(2024, 7);
const randn = (...shape: number[]): HostTensor => draws.normal(...shape);

// ---- random numbers -------------------------------------------------------------------------
it('GPU random draws equal the CPU draws for the same key', async () => {
  for (const n of [1, 5, 4099]) {
    const cpuU = await E.rand([n], new E.Rng(11), { device: E.cpu, low: -1, high: 3 }).toArray();
    const gpuU = await E.rand([n], new E.Rng(11), { device: gpu!, low: -1, high: 3 }).toArray();
    assert.equal(gpuU, cpuU, 'uniform: bit for bit');
    const cpuI = await E.randint([n], -5, 95, new E.Rng(11), { device: E.cpu }).toArray();
    const gpuI = await E.randint([n], -5, 95, new E.Rng(11), { device: gpu! }).toArray();
    assert.equal(gpuI, cpuI, 'randint: exactly');
    const cpuN = await E.randn([n], new E.Rng(11), { device: E.cpu }).toArray();
    const gpuN = await E.randn([n], new E.Rng(11), { device: gpu! }).toArray();
    assertClose(gpuN, cpuN, { atol: 1e-5, rtol: 1e-5 }, 'normal (float32 log/cos/sin on the GPU)');
  }
});

// ---- optimisation ---------------------------------------------------------------------------
it('Adam + clipGradNorm over 8 steps: GPU = CPU', async () => {
  const shapes = [[128, 2], [128], [100, 128], [7]];
  const init = shapes.map((s) => randn(...s));
  const grads = Array.from({ length: 8 }, () => shapes.map((s) => randn(...s)));
  const traces: number[][] = [];
  for (const device of [E.cpu, gpu!]) {
    const params = init.map((i) => E.tensor(i.data, i.shape, { device, requiresGrad: true }));
    const opt = new E.Adam(params, { lr: 1e-2, weightDecay: 0.01 });
    const trace: number[] = [];
    for (const [step, gs] of grads.entries()) {
      params.forEach((p, i) => { p.grad = E.tensor(gs[i].data, gs[i].shape, { device }); });
      trace.push(await E.clipGradNorm(params, step % 2 === 0 ? 1.0 : 1000).item());
      opt.step();
    }
    for (const p of params) trace.push(...(await p.toArray()));
    traces.push(trace);
  }
  assertClose(traces[1], traces[0], { atol: 1e-5, rtol: 1e-5 }, 'norms, then parameters after 8 steps');
});

// ---- NaN and ±Inf in the gradients -----------------------------------------------------------
it('parity with NaN/±Inf: sumSquares of 1, 7 and 4099 elements (the serial and the tree kernel)', async () => {
  for (const n of [1, 7, 4099]) {
    for (const values of [[NaN], [Infinity], [-Infinity], [Infinity, -Infinity, 0.5]]) {
      const x = spiked(randn(n), spread(n, values.length), values);
      const out: number[][] = [];
      for (const device of [E.cpu, gpu!]) {
        const input = device.upload(x.data);
        const sq = device.sumSquares(input);
        out.push(Array.from(await device.read(sq)));
        device.release(input);
        device.release(sq);
      }
      assertClose(out[1], out[0], terms(n), `sumSquares of ${n} with ${values.join(', ')}`);
    }
  }
});

it('parity with NaN/±Inf: clipGradNorm then Adam (a NaN norm, an Inf norm, specials without clipping)', async () => {
  const shapes = [[13, 2], [7], [1]];
  const init = shapes.map((s) => randn(...s));
  const finite = () => shapes.map((s) => randn(...s));
  // Gradients per step: a NaN in one (the norm is NaN: every gradient becomes NaN); +Inf in one
  // (the coefficient is 0: NaN where the Inf was, 0 elsewhere); −Inf and NaN without clipping
  // (Adam makes only those parameters NaN).
  const cases: { what: string; grads: HostTensor[]; clip: boolean }[] = [
    { what: 'a NaN gradient, clipped', grads: [spiked(finite()[0], [5], [NaN]), ...finite().slice(1)], clip: true },
    { what: 'an Inf gradient, clipped', grads: [finite()[0], spiked(finite()[1], [3], [Infinity]), finite()[2]], clip: true },
    { what: '−Inf and NaN gradients, not clipped', grads: [spiked(finite()[0], [1, 20], [-Infinity, NaN]), ...finite().slice(1)], clip: false },
  ];
  for (const c of cases) {
    const steps = [finite(), c.grads, finite()];
    for (const weightDecay of [0, 0.01]) {
      const traces: number[][] = [];
      for (const device of [E.cpu, gpu!]) {
        const params = init.map((i) => E.tensor(i.data, i.shape, { device, requiresGrad: true }));
        const opt = new E.Adam(params, { lr: 1e-2, weightDecay });
        const trace: number[] = [];
        for (const gs of steps) {
          params.forEach((p, i) => { p.grad = E.tensor(gs[i].data, gs[i].shape, { device }); });
          if (c.clip) trace.push(await E.clipGradNorm(params, 1.0).item());
          for (const p of params) trace.push(...(await p.grad!.toArray()));
          opt.step();
          for (const p of params) trace.push(...(await p.toArray()));
        }
        traces.push(trace);
      }
      assertClose(traces[1], traces[0], { atol: 1e-5, rtol: 1e-5 }, `${c.what}, weight decay ${weightDecay}: norms, clipped gradients, parameters`);
    }
  }
});

// ---- training -------------------------------------------------------------------------------
it('50 training steps of MLPDiffusion from the same seed: the loss curves agree', async () => {
  const curves: number[][] = [];
  for (const device of [E.cpu, gpu!]) {
    const rng = new E.Rng(31);
    const model = new MLPDiffusion(100, rng, { device });
    const opt = new E.Adam(model.parameters(), { lr: 1e-3 });
    const losses: E.Tensor[] = [];
    for (let step = 0; step < 50; step++) {
      losses.push(E.tidy(() => {
        const x0 = E.randn([128, 2], rng, { device, std: 0.1 });
        const t = E.randint([128], 0, 100, rng, { device });
        const noise = E.randn([128, 2], rng, { device });
        const loss = E.mseLoss(model.forward(E.add(x0, noise), t), noise);
        opt.zeroGrad();
        loss.backward();
        E.clipGradNorm(model.parameters(), 1.0);
        opt.step();
        return loss;
      }));
    }
    curves.push(await Promise.all(losses.map((l) => l.item())));
  }
  assert.ok(curves[0][49] < curves[0][0], 'the loss fell');
  assertClose(curves[1], curves[0], { atol: 1e-5, rtol: 1e-3 }, 'loss per step, GPU vs CPU');
});

it('2000 training steps keep the live GPU buffer count and bytes flat', async () => {
  const device = gpu!;
  const rng = new E.Rng(8);
  const model = new TinyMLP(16, 10, rng, { device });
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn([64, 2], rng, { device });
  const t = E.randint([64], 0, 10, rng, { device });
  const y = E.randn([64, 2], rng, { device });
  const step = (): E.Tensor => E.tidy(() => {
    const loss = E.mseLoss(model.forward(x, t), y);
    opt.zeroGrad();
    loss.backward();
    E.clipGradNorm(model.parameters(), 1.0);
    opt.step();
    return loss;
  });
  step().dispose(); // the first step allocates gradients and Adam moments
  const before = device.memory();
  let last = step();
  for (let i = 2; i < 2000; i++) {
    last.dispose();
    last = step();
  }
  const loss = await last.item();
  last.dispose();
  assert.ok(Number.isFinite(loss), `loss ${loss}`);
  assert.equal(device.memory(), before);
});

test.run();
