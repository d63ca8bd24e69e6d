// GPU vs CPU: every kernel, forward and backward, on the WebGPU backend against the CPU
// reference, on awkward shapes (1, odd, primes, not a multiple of the 32×32 matmul tile) and
// the workload's own ([128,2], [128,128], [10000,128]); then random draws, Adam + clipping over
// several steps, and 50 training steps of the tutorial's MLPDiffusion. Every op again on inputs
// (and upstream gradients) holding NaN and ±Inf: both backends follow PyTorch's NaN semantics.
//
// Tolerance rule: |gpu − cpu| ≤ atol + rtol·|cpu|, per op family:
//   elementwise, gathers, masks:   atol 1e-6,           rtol 1e-5  (sqrt/div may differ by ulps)
//   sums and matmuls over K terms: atol 2e-6·K + 1e-6,  rtol 1e-5  (GPU accumulates in float32,
//                                  the CPU in float64; the error grows with the number of terms)
// Non-finite values (test/helpers.ts assertClose): a NaN on the CPU must be NaN on the GPU at the
// same place, ±Inf the same infinity. Finite inputs stay far from float32's overflow, where the
// CPU's float64 sums and the GPU's float32 ones may rightly differ.
// Kernel checks are never loosened to pass: a mismatch is a bug.

import * as assert from 'uvu/assert';
import { test } from 'uvu';
import * as E from '../../engine/index.js';
import { MLPDiffusion } from '../../ddpm/model.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, type Tolerance } from '../support/helpers.js';
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
 * gradient (nonFiniteSeed: with NaN, +Inf, −Inf in turn at every 3rd element, or every n-th for a
 * number n), and compares the output and every float input's gradient.
 */
async function parity(what: string, inputs: HostInput[], fn: (...t: E.Tensor[]) => E.Tensor, tol: Tolerance,
  options: { nonFiniteSeed?: boolean | number } = {}): Promise<void> {
  const seedRng = new E.Rng(99);
  const results: Float32Array[][] = [];
  let seed: Float32Array | null = null;
  for (const device of [E.cpu, gpu!]) {
    const ts = inputs.map((i) => E.tensor(i.data, i.shape, { device, requiresGrad: i.data instanceof Float32Array }));
    const out = fn(...ts);
    if (seed === null) {
      seed = seedRng.normal(out.size);
      const every = options.nonFiniteSeed === true ? 3 : options.nonFiniteSeed;
      if (every) seed = sprinkled({ shape: [...out.shape], data: seed }, every).data as Float32Array;
    }
    out.backward(E.tensor(seed, [...out.shape], { device }));
    const arrays = [(await out.toArray()) as Float32Array];
    for (const t of ts) if (t.requiresGrad) arrays.push((await t.grad!.toArray()) as Float32Array);
    results.push(arrays);
  }
  const [cpuResult, gpuResult] = results;
  gpuResult.forEach((g, i) => assertClose(g, cpuResult[i], tol, `${what}: ${i === 0 ? 'forward' : `∂/∂input ${i - 1}`}`));
}

// ---- NaN and ±Inf in the inputs --------------------------------------------------------------
const SPECIALS = [NaN, Infinity, -Infinity];

/** A copy of x with NaN, +Inf, −Inf in turn (or `values` in turn) at the flat positions `at` (mod its size). */
function spiked(x: HostInput, at: readonly number[], values: readonly number[] = SPECIALS): HostInput {
  const data = Float32Array.from(x.data as Float32Array);
  at.forEach((p, j) => { data[p % data.length] = values[j % values.length]; });
  return { shape: x.shape, data };
}

/** x with every `every`-th element from `from` on replaced by NaN, +Inf, −Inf in turn (one element: NaN). */
function sprinkled(x: HostInput, every = 2, from = 1): HostInput {
  const at: number[] = [];
  for (let i = from; i < x.data.length; i += every) at.push(i);
  return spiked(x, at.length > 0 ? at : [0]);
}

/** `count` positions spread evenly over `size` elements. */
const spread = (size: number, count: number): number[] => Array.from({ length: count }, (_, j) => Math.floor(((j + 0.5) * size) / count));

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

// ---- NaN and ±Inf: every op, forward and backward, on both backends ---------------------------
// The inputs are randn with specials written in (sprinkled: every other element; spiked: a few
// spread positions, so reductions and products give a mix of NaN, ±Inf and finite results);
// the `+ NaN/Inf seed` runs put specials into the upstream gradient as well.

it('parity with NaN/±Inf: unary, scalar and clamp ops on [1], [7], [13,3], [10000,2]', async () => {
  for (const shape of [[1], [7], [13, 3], [10000, 2]]) {
    const x = sprinkled(randn(...shape));
    for (const nonFiniteSeed of [false, true]) {
      const tag = `[${shape}]${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`;
      await parity(`relu ${tag}`, [x], E.relu, EXACTISH, { nonFiniteSeed });
      await parity(`neg ${tag}`, [x], E.neg, EXACTISH, { nonFiniteSeed });
      await parity(`square ${tag}`, [x], E.square, EXACTISH, { nonFiniteSeed });
      await parity(`sqrt (negative values too) ${tag}`, [x], E.sqrt, EXACTISH, { nonFiniteSeed });
      await parity(`clamp [-0.3, 0.7] ${tag}`, [x], (t) => E.clamp(t, { min: -0.3, max: 0.7 }), EXACTISH, { nonFiniteSeed });
      await parity(`clamp min -0.3 ${tag}`, [x], (t) => E.clamp(t, { min: -0.3 }), EXACTISH, { nonFiniteSeed });
      await parity(`clamp max 0.7 ${tag}`, [x], (t) => E.clamp(t, { max: 0.7 }), EXACTISH, { nonFiniteSeed });
      await parity(`scalars ${tag}`, [x], (t) => E.div(2, E.add(E.mul(E.sub(1, t), -1.5), 0.25)), EXACTISH, { nonFiniteSeed });
      await parity(`x / 3 ${tag}`, [x], (t) => E.div(t, 3), EXACTISH, { nonFiniteSeed });
    }
  }
});

// (the workload's [10000,128] ∘ [128] is left to the finite checks above: its NaN cases are [128,128]'s)
for (const [sa, sb] of broadcastPairs.filter(([sa]) => sa[0] !== 10000)) {
  it(`parity with NaN/±Inf: add, sub, mul, div [${sa}] ∘ [${sb}]`, async () => {
    const a = sprinkled(randn(...sa), 5, 0);
    const b = randn(...sb);
    b.data = (b.data as Float32Array).map((v) => (v >= 0 ? v + 0.5 : v - 0.5));
    const bs = sprinkled(b, 7, 3);
    const sumTerms = Math.max(...sa, ...sb) ** 2;
    for (const op of ['add', 'sub', 'mul', 'div'] as const) {
      await parity(`${op} (NaN/Inf)`, [a, bs], (x, y) => E[op](x, y), terms(sumTerms));
      await parity(`${op} (NaN/Inf + NaN/Inf seed)`, [a, bs], (x, y) => E[op](x, y), terms(sumTerms), { nonFiniteSeed: true });
    }
  });
}

it('parity with NaN/±Inf: sum and mean, every reduction shape', async () => {
  for (const [shape, axis] of reductions) {
    const size = shape.reduce((a, b) => a * b, 1);
    const len = axis === undefined ? size : shape[axis];
    // Spread NaN/+Inf/−Inf, then a +Inf and a −Inf side by side (they cancel to NaN where they meet).
    const mixed = spiked(randn(...shape), [...spread(size, 6), Math.floor(size / 2) + 1, Math.floor(size / 2) + 2],
      [NaN, Infinity, -Infinity, NaN, Infinity, -Infinity, Infinity, -Infinity]);
    const oneSign = (v: number): HostInput => spiked(randn(...shape), spread(size, 2), [v]);
    const inputs = size > 100000 ? [mixed] : [mixed, oneSign(Infinity), oneSign(-Infinity)]; // (the workload's [10000,128]: mixed only)
    for (const [i, x] of inputs.entries()) {
      const tag = `[${shape}] axis ${axis ?? 'all'} (${['mixed', '+Inf only', '−Inf only'][i]})`;
      await parity(`sum ${tag}`, [x], (t) => E.sum(t, axis), terms(len));
      await parity(`mean ${tag}`, [x], (t) => E.mean(t, axis, true), terms(len), { nonFiniteSeed: true });
    }
  }
});

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

for (const [m, n, k] of matmulShapes.filter(([m, n, k]) => m * n * k < 100000)) {
  it(`parity with NaN/±Inf: matmul m=${m} n=${n} k=${k}, every transpose`, async () => {
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
      const a = spiked(transA ? randn(k, m) : randn(m, k), spread(m * k, 3));
      const b = spiked(transB ? randn(n, k) : randn(k, n), spread(n * k, 2), [-Infinity, NaN]);
      await parity(`matmul${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`, [a, b], (a, b) => E.matmul(a, b, { transA, transB }),
        terms(Math.max(m, n, k)), { nonFiniteSeed: transA === transB });
    }
  });
}

for (const [batch, inF, outF] of [[1, 1, 1], [37, 5, 11], [128, 2, 128]]) {
  it(`parity with NaN/±Inf: linear x [${batch},${inF}], W [${outF},${inF}]: + b, + table[t], relu (the epilogue)`, async () => {
    const x = spiked(randn(batch, inF), spread(batch * inF, 3));
    const w = spiked(randn(outF, inF), spread(outF * inF, 1), [NaN]);
    const b = spiked(randn(outF), spread(outF, 1), [Infinity]);
    const table = spiked(randn(7, outF), spread(7 * outF, 3), [-Infinity, NaN, Infinity]);
    const t = ints(batch, 7);
    const k = Math.max(batch, inF);
    await parity('fused layer relu(x·Wᵀ + b + table[t])', [x, w, b, table, t],
      (x, w, b, table, t) => E.linear(x, w, b, { addRows: { table, indices: t }, relu: true }), terms(k));
    await parity('fused layer + NaN/Inf seed', [x, w, b, table, t],
      (x, w, b, table, t) => E.linear(x, w, b, { addRows: { table, indices: t }, relu: true }), terms(k), { nonFiniteSeed: true });
    await parity('linear + b, relu', [x, w, b], (x, w, b) => E.linear(x, w, b, { relu: true }), terms(k));
    await parity('linear + b', [x, w, b], (x, w, b) => E.linear(x, w, b), terms(k), { nonFiniteSeed: true });
    // Pre-activations that are exactly NaN/±Inf while the product is finite: the epilogue alone.
    await parity('linear relu(x·Wᵀ + b), specials in b only', [randn(batch, inF), randn(outF, inF), sprinkled(randn(outF))],
      (x, w, b) => E.linear(x, w, b, { relu: true }), terms(k));
  });
}

it('parity with NaN/±Inf: embedding gather and scatterAdd ([128] from [100,128], [1] from [1,1], [10000] from [7,3])', async () => {
  for (const [n, rows, dim] of [[128, 100, 128], [1, 1, 1], [10000, 7, 3]]) {
    const table = spiked(randn(rows, dim), spread(rows * dim, 3));
    await parity(`embedding [${n}] from [${rows},${dim}] + NaN/Inf seed`, [table, ints(n, rows)],
      (table, t) => E.embedding(t, table), terms(n), { nonFiniteSeed: true });
  }
});

it('parity with NaN/±Inf: logSoftmax and its backward, crossEntropy, mseLoss', async () => {
  const nan = NaN, inf = Infinity;
  // The rows PyTorch's fixture has (test/nonfinite.test.ts), then random rows with a few specials.
  const special = { shape: [9, 3], data: Float32Array.from([nan, 1, 2, inf, 1, 2, -inf, 1, 2, inf, inf, 1, -inf, -inf, -inf,
    inf, -inf, 0, 1, 2, 3, -inf, -inf, 0, 1, nan, -inf]) };
  const column = { shape: [5, 1], data: Float32Array.from([nan, inf, -inf, 2.5, -0.5]) };
  const wide = spiked(randn(37, 11), spread(37 * 11, 6));
  const long = spiked(randn(3, 257), spread(3 * 257, 2), [-Infinity]);
  for (const x of [special, column, wide, long]) {
    for (const nonFiniteSeed of [false, true]) {
      // A sparse seed (about every other row), so that some rows' gradients stay finite.
      await parity(`logSoftmax [${x.shape}]${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`, [x], E.logSoftmax, terms(x.shape[1]),
        { nonFiniteSeed: nonFiniteSeed && 2 * x.shape[1] + 1 });
    }
    const labels = ints(x.shape[0], x.shape[1]);
    await parity(`crossEntropy [${x.shape}]`, [x, labels], (logits, y) => E.crossEntropy(logits, y), terms(x.data.length));
  }
  const input = sprinkled(randn(31, 2), 9, 4);
  await parity('mseLoss [31,2]', [input, spiked(randn(31, 2), [7])], E.mseLoss, terms(62));
});

it('parity with NaN/±Inf: clipGradNorm then Adam (a NaN norm, an Inf norm, specials without clipping)', async () => {
  const shapes = [[13, 2], [7], [1]];
  const init = shapes.map((s) => randn(...s));
  const finite = () => shapes.map((s) => randn(...s));
  // Gradients per step: a NaN in one (the norm is NaN: every gradient becomes NaN); +Inf in one
  // (the coefficient is 0: NaN where the Inf was, 0 elsewhere); −Inf and NaN without clipping
  // (Adam makes only those parameters NaN).
  const cases: { what: string; grads: HostInput[]; clip: boolean }[] = [
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
