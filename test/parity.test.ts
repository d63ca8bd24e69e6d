// GPU vs CPU: every kernel, forward and backward, on the WebGPU backend against the CPU
// reference, on awkward shapes (1, odd, primes, not a multiple of the 32×32 matmul tile) and
// the workload's own ([128,2], [128,128], [10000,128]); then random draws, Adam + clipping over
// several steps, and 50 training steps of the tutorial's MLPDiffusion.
//
// Tolerance rule: |gpu − cpu| ≤ atol + rtol·|cpu|, per op family:
//   elementwise, gathers, masks:   atol 1e-6,           rtol 1e-5  (sqrt/div may differ by ulps)
//   sums and matmuls over K terms: atol 2e-6·K + 1e-6,  rtol 1e-5  (GPU accumulates in float32,
//                                  the CPU in float64; the error grows with the number of terms)
// Kernel checks are never loosened to pass: a mismatch is a bug.

import * as assert from 'uvu/assert';
import { test } from 'uvu';
import * as E from '../engine/index.js';
import { MLPDiffusion } from '../ddpm/model.js';
import { TinyMLP } from '../examples/tiny-mlp-model.js';
import { gpuForTests, gpuTest } from './gpu.js';
import { assertClose, type Tolerance } from './helpers.js';
import { applyCase, opCases } from './op-cases.js';

const gpu = await gpuForTests();
const it = gpuTest(gpu);
if (gpu) console.log(`  parity: ${gpu.describe()}`);

const EXACTISH: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const terms = (k: number): Tolerance => ({ atol: 2e-6 * k + 1e-6, rtol: 1e-5 });

interface HostInput {
  shape: number[];
  data: Float32Array | Int32Array;
}

const rng = new E.Rng(2024, 7);
const randn = (...shape: number[]): HostInput => ({ shape, data: rng.normal(shape.reduce((a, b) => a * b, 1)) });
const ints = (n: number, high: number): HostInput => ({ shape: [n], data: rng.randint(n, 0, high) });

/**
 * Runs fn on both backends from the same host inputs, seeds backward with the same random
 * gradient, and compares the output and every float input's gradient.
 */
async function parity(what: string, inputs: HostInput[], fn: (...t: E.Tensor[]) => E.Tensor, tol: Tolerance): Promise<void> {
  const seedRng = new E.Rng(99);
  const results: Float32Array[][] = [];
  let seed: Float32Array | null = null;
  for (const device of [E.cpu, gpu!]) {
    const ts = inputs.map((i) => E.tensor(i.data, i.shape, { device, requiresGrad: i.data instanceof Float32Array }));
    const out = fn(...ts);
    seed ??= seedRng.normal(out.size);
    out.backward(E.tensor(seed, [...out.shape], { device }));
    const arrays = [(await out.toArray()) as Float32Array];
    for (const t of ts) if (t.requiresGrad) arrays.push((await t.grad!.toArray()) as Float32Array);
    results.push(arrays);
  }
  const [cpuResult, gpuResult] = results;
  gpuResult.forEach((g, i) => assertClose(g, cpuResult[i], tol, `${what}: ${i === 0 ? 'forward' : `∂/∂input ${i - 1}`}`));
}

// ---- every op fixture, on both backends -----------------------------------------------------
for (const c of opCases) {
  const k = Math.max(...Object.values(c.inputs).map((t) => Math.max(...t.shape)));
  it(`parity (fixture inputs) ${c.name}`, async () => {
    const names = [...Object.keys(c.inputs), ...Object.keys(c.intInputs)];
    const inputs = names.map((n) => {
      const f = c.inputs[n] ?? c.intInputs[n];
      return { shape: f.shape, data: c.inputs[n] ? Float32Array.from(f.data) : Int32Array.from(f.data) };
    });
    await parity(c.name, inputs, (...ts) => applyCase(c, Object.fromEntries(names.map((n, i) => [n, ts[i]]))), terms(k));
  });
}

// ---- matmul on awkward and workload shapes --------------------------------------------------
const matmulShapes: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [7, 13, 5], [31, 17, 2], [33, 65, 31], [128, 128, 2], [128, 128, 128], [10000, 2, 128],
];
for (const [m, n, k] of matmulShapes) {
  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
    it(`parity matmul m=${m} n=${n} k=${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`, async () => {
      const a = transA ? randn(k, m) : randn(m, k);
      const b = transB ? randn(n, k) : randn(k, n);
      await parity('matmul', [a, b], (a, b) => E.matmul(a, b, { transA, transB }), terms(Math.max(m, n, k)));
    });
  }
}

it('parity linear [10000,128]·[128,128]ᵀ + b (the sampling batch)', async () => {
  await parity('linear', [randn(10000, 128), randn(128, 128), randn(128)], (x, w, b) => E.linear(x, w, b), terms(10000));
});

for (const [batch, inF, outF] of [[128, 2, 128], [128, 128, 128], [37, 5, 11]]) {
  it(`parity fused layer relu(x·Wᵀ + b + table[t]) x [${batch},${inF}], W [${outF},${inF}], table [100,${outF}]`, async () => {
    await parity('fused layer', [randn(batch, inF), randn(outF, inF), randn(outF), randn(100, outF), ints(batch, 100)],
      (x, w, b, table, t) => E.linear(x, w, b, { addRows: { table, indices: t }, relu: true }), terms(Math.max(batch, inF)));
  });
}

// ---- elementwise and broadcasting -------------------------------------------------------------
const broadcastPairs: [number[], number[]][] = [
  [[128, 2], [2]], [[10000, 128], [128]], [[128, 128], [128, 1]], [[1], [37, 3]], [[2, 3, 4, 5], [3, 1, 5]], [[11], [11]],
];
for (const [sa, sb] of broadcastPairs) {
  for (const op of ['add', 'sub', 'mul', 'div'] as const) {
    it(`parity ${op} [${sa}] ∘ [${sb}]`, async () => {
      const b = randn(...sb);
      if (op === 'div') b.data = (b.data as Float32Array).map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
      const sumTerms = Math.max(...sa, ...sb) ** 2;
      await parity(op, [randn(...sa), b], (x, y) => E[op](x, y), terms(sumTerms));
    });
  }
}

it('parity unary and scalar ops on [10000,2] and [7]', async () => {
  for (const shape of [[10000, 2], [7]]) {
    const x = randn(...shape);
    const pos = { shape, data: (x.data as Float32Array).map((v) => Math.abs(v) + 0.1) };
    await parity('relu', [x], E.relu, EXACTISH);
    await parity('neg', [x], E.neg, EXACTISH);
    await parity('square', [x], E.square, EXACTISH);
    await parity('sqrt', [pos], E.sqrt, EXACTISH);
    await parity('clamp', [x], (t) => E.clamp(t, { min: -0.3, max: 0.7 }), EXACTISH);
    await parity('scalars', [pos], (t) => E.div(2, E.add(E.mul(E.sub(1, t), -1.5), 0.25)), EXACTISH);
  }
});

// ---- reductions -----------------------------------------------------------------------------
const reductions: [number[], number | undefined][] = [
  [[10000, 128], 0], [[10000, 128], 1], [[10000, 128], undefined], [[128, 128], 0], [[1], undefined], [[3, 257, 5], 1], [[13], 0],
];
for (const [shape, axis] of reductions) {
  it(`parity sum/mean [${shape}] axis ${axis ?? 'all'}`, async () => {
    const len = axis === undefined ? shape.reduce((a, b) => a * b, 1) : shape[axis];
    await parity('sum', [randn(...shape)], (x) => E.sum(x, axis), terms(len));
    await parity('mean', [randn(...shape)], (x) => E.mean(x, axis, true), terms(len));
  });
}

// ---- embedding: duplicate indices are certain with 128 draws from 100 rows -------------------
it('parity embedding [128] from [100,128], backward sums duplicates', async () => {
  await parity('embedding', [randn(100, 128), ints(128, 100)], (table, t) => E.embedding(t, table), terms(128));
});
it('parity embedding [1] from [1,1] and [10000] from [7,3]', async () => {
  await parity('embedding', [randn(1, 1), ints(1, 1)], (table, t) => E.embedding(t, table), EXACTISH);
  await parity('embedding', [randn(7, 3), ints(10000, 7)], (table, t) => E.embedding(t, table), terms(10000));
});

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
