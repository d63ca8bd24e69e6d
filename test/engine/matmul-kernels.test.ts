// The WebGPU backend's matmul kernels (engine/webgpu/matmul-kernels.ts), each forced in turn:
// against the CPU reference on awkward shapes (1, odd, primes, across the 32/64/128 tiles, K = 2)
// in every transpose form, forward and backward (∂A, ∂B), with the linear epilogue (+ bias, + table[idx], ReLU), and on inputs
// holding NaN and ±Inf; stacks of products (bmm, batch 1 and 3, each product its own z) the
// same way; and all of them bit for bit against each other, which is what lets the
// tuner switch kernels without changing a result. Then the tuner: its choice on a CPU driver,
// its timing of every kernel on the device (a stack too), and (with a stand-in clock) the default until a
// class is timed, the fastest after, a stack's batch in its class, and a failed timing kept to the default with its reason.
//
// Tolerance rule (as in op-runners.ts): |gpu − cpu| ≤ (2e-6·K + 1e-6) + 1e-5·|cpu|; NaN where
// the CPU has NaN, the same infinity where it has one.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { isCpuDriver } from '../../engine/webgpu/index.js';
import { DEFAULT_GPU_KERNEL, MATMUL_KERNELS, matmulKernelsFor, MatmulTuner, shapeClass, type MatmulKernel } from '../../engine/webgpu/internal.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose } from '../support/helpers.js';

const gpu = await gpuForTests();
const it = gpuTest(gpu);

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [7, 13, 5], [31, 17, 2], [33, 65, 31], [65, 129, 17], [130, 3, 40], [128, 128, 128],
];
const FORMS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];
const terms = (k: number) => ({ atol: 2e-6 * k + 1e-6, rtol: 1e-5 });

/** Runs fn with every kernel forced in turn; returns each kernel's output. */
async function withEachKernel(fn: () => E.Tensor): Promise<Map<MatmulKernel, Float32Array>> {
  const out = new Map<MatmulKernel, Float32Array>();
  for (const [kernel, [values]] of await withEachKernelAll(() => [fn()])) out.set(kernel, values);
  return out;
}

/** Runs fn with every kernel forced in turn; returns each kernel's tensors, read back. */
async function withEachKernelAll(fn: () => E.Tensor[]): Promise<Map<MatmulKernel, Float32Array[]>> {
  const out = new Map<MatmulKernel, Float32Array[]>();
  try {
    for (const kernel of gpu!.matmulTuner.kernels) {
      gpu!.matmulTuner.forced = kernel;
      const ts = fn();
      out.set(kernel, await Promise.all(ts.map(async (t) => (await t.toArray()) as Float32Array)));
      for (const t of ts) t.dispose();
    }
  } finally {
    gpu!.matmulTuner.forced = null;
  }
  return out;
}

/** Every kernel's output within the rule of the CPU's, and bit for bit the first kernel's. */
function check(results: Map<MatmulKernel, Float32Array>, cpu: Float32Array, k: number, what: string): void {
  const [first, reference] = [...results][0];
  const bits = (x: Float32Array): number[] => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));
  for (const [kernel, values] of results) {
    assertClose(values, cpu, terms(k), `${what}, ${kernel.name} vs CPU`);
    assert.equal(bits(values), bits(reference), `${what}: ${kernel.name} gives the bits of ${first.name}`);
  }
}

const rng = new E.Rng(17, 3);
const host = (shape: number[], spikes = false): { data: Float32Array; shape: number[] } => {
  const data = rng.normal(shape.reduce((a, b) => a * b, 1));
  if (spikes) [NaN, Infinity, -Infinity].forEach((v, i) => { if (i * 7 < data.length) data[i * 7] = v; });
  return { data, shape };
};

for (const [m, n, k] of SHAPES) {
  it(`every matmul kernel: m=${m} n=${n} k=${k}, every transpose form, against the CPU and each other`, async () => {
    for (const [transA, transB] of FORMS) {
      const a = host(transA ? [k, m] : [m, k]);
      const b = host(transB ? [n, k] : [k, n]);
      const product = (device: E.Backend): E.Tensor =>
        E.matmul(E.tensor(a.data, a.shape, { device }), E.tensor(b.data, b.shape, { device }), { transA, transB });
      const cpu = (await product(E.cpu).toArray()) as Float32Array;
      check(await withEachKernel(() => product(gpu!)), cpu, k, `[${m},${n},${k}]${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`);
    }
  });
}

// Backward: ∂A and ∂B are matmuls too (other transpose forms, summing over m or n), run through
// the forced kernel; each input's gradient is checked against the CPU's and across kernels.
for (const [m, n, k] of SHAPES.filter(([m, n, k]) => m * n * k < 100_000)) {
  it(`every matmul kernel, backward: m=${m} n=${n} k=${k}, every transpose form, ∂A and ∂B`, async () => {
    for (const [transA, transB] of FORMS) {
      const a = host(transA ? [k, m] : [m, k]);
      const b = host(transB ? [n, k] : [k, n]);
      const seed = host([m, n]);
      const grads = (device: E.Backend): E.Tensor[] => {
        const ta = E.tensor(a.data, a.shape, { device, requiresGrad: true });
        const tb = E.tensor(b.data, b.shape, { device, requiresGrad: true });
        E.matmul(ta, tb, { transA, transB }).backward(E.tensor(seed.data, seed.shape, { device }));
        return [ta.grad!, tb.grad!];
      };
      const [cpuA, cpuB] = await Promise.all(grads(E.cpu).map(async (t) => (await t.toArray()) as Float32Array));
      const results = await withEachKernelAll(() => grads(gpu!));
      const what = `backward [${m},${n},${k}]${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`;
      check(new Map([...results].map(([kernel, [ga]]) => [kernel, ga])), cpuA, n, `${what} ∂A`);
      check(new Map([...results].map(([kernel, [, gb]]) => [kernel, gb])), cpuB, m, `${what} ∂B`);
    }
  });
}

// Stacks (bmm): batch 1 and 3 on awkward m, n, k, every transpose form, forward and backward.
// Each product of a stack is drawn apart, so one that read another's offset (z·m·k, z·k·n,
// z·m·n) would differ from the CPU.
const STACKS: [number, number, number, number][] = [[1, 7, 13, 5], [3, 1, 1, 1], [3, 5, 1, 9], [3, 33, 17, 31], [3, 65, 3, 2]];
for (const [batch, m, n, k] of STACKS) {
  it(`every matmul kernel, a stack (bmm): batch=${batch} m=${m} n=${n} k=${k}, every transpose form, forward, ∂A and ∂B`, async () => {
    for (const [transA, transB] of FORMS) {
      const a = host([batch, ...(transA ? [k, m] : [m, k])]);
      const b = host([batch, ...(transB ? [n, k] : [k, n])]);
      const seed = host([batch, m, n]);
      const run = (device: E.Backend): E.Tensor[] => {
        const ta = E.tensor(a.data, a.shape, { device, requiresGrad: true });
        const tb = E.tensor(b.data, b.shape, { device, requiresGrad: true });
        const c = E.bmm(ta, tb, { transA, transB });
        c.backward(E.tensor(seed.data, seed.shape, { device }));
        return [c.detach(), ta.grad!, tb.grad!];
      };
      const [cpuC, cpuA, cpuB] = await Promise.all(run(E.cpu).map(async (t) => (await t.toArray()) as Float32Array));
      const results = await withEachKernelAll(() => run(gpu!));
      const what = `bmm [${batch}][${m},${n},${k}]${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`;
      check(new Map([...results].map(([kernel, [c]]) => [kernel, c])), cpuC, k, what);
      check(new Map([...results].map(([kernel, [, ga]]) => [kernel, ga])), cpuA, n, `${what} ∂A`);
      check(new Map([...results].map(([kernel, [, , gb]]) => [kernel, gb])), cpuB, m, `${what} ∂B`);
    }
  });
}

it('every matmul kernel: the linear epilogue (+ bias, + table[idx], ReLU) and NaN/±Inf inputs', async () => {
  for (const [batch, inF, outF] of [[1, 1, 1], [37, 5, 11], [130, 33, 65]]) {
    for (const spikes of [false, true]) {
      const x = host([batch, inF], spikes), w = host([outF, inF], spikes), bias = host([outF]), table = host([7, outF]);
      const idx = Int32Array.from({ length: batch }, (_, i) => (i * 5) % 7);
      const layer = (device: E.Backend): E.Tensor => E.linear(E.tensor(x.data, x.shape, { device }), E.tensor(w.data, w.shape, { device }),
        E.tensor(bias.data, bias.shape, { device }),
        { addRows: { table: E.tensor(table.data, table.shape, { device }), indices: E.tensor(idx, [batch], { device }) }, relu: true });
      const cpu = (await layer(E.cpu).toArray()) as Float32Array;
      check(await withEachKernel(() => layer(gpu!)), cpu, inF, `linear [${batch},${inF}]→${outF}${spikes ? ' with NaN/±Inf' : ''}`);
    }
  }
});

it('the tuner on this adapter: a CPU driver keeps the subgroup kernel where its subgroups are 8 lanes, else the register kernel; every kernel is timed on the device', async () => {
  const tuner = gpu!.matmulTuner;
  if (isCpuDriver(gpu!.adapter)) {
    const sizes = gpu!.adapter.subgroupSizes;
    const expected = gpu!.device.features.has('subgroups') && sizes?.[0] === 8 && sizes[1] === 8 ? 'subgroup-16x64' : 'register-64';
    assert.is(tuner.choose({ m: 512, n: 512, k: 512, transA: false, transB: false }).name, expected);
  }
  const shape = { m: 70, n: 33, k: 9, transA: true, transB: false };
  await tuner.tune(shapeClass(shape), shape);
  assert.ok(MATMUL_KERNELS.some((k) => k.name === tuner.choices().get(shapeClass(shape))), 'a winner was kept for the class');
  const stack = { batch: 3, m: 17, n: 17, k: 5, transA: false, transB: true };
  await tuner.tune(shapeClass(stack), stack);
  assert.ok(MATMUL_KERNELS.some((k) => k.name === tuner.choices().get(shapeClass(stack))), 'a winner was kept for the stack\'s class');
  assert.is(tuner.failures.size, 0);
});

test('the tuner: the default until a class is timed, then the fastest; a failed timing keeps the default and says why', async () => {
  const plan = (m: number): { m: number; n: number; k: number; transA: boolean; transB: boolean } => ({ m, n: 64, k: 64, transA: false, transB: true });
  let calls = 0;
  const tuner = new MatmulTuner(false, matmulKernelsFor(false), async (kernels) => {
    calls++;
    return kernels.map((k) => (k.name === 'tiled-128' ? 1 : 2));
  });
  assert.is(tuner.choose(plan(100)), DEFAULT_GPU_KERNEL, 'before timing: the default');
  assert.is(tuner.choose(plan(120)), DEFAULT_GPU_KERNEL, 'the same class is timed once');
  await tuner.settled();
  assert.is(calls, 1);
  assert.is(tuner.choose(plan(128)).name, 'tiled-128', 'after timing: the fastest for the class (m rounded up to 128)');
  assert.is(tuner.choose(plan(129)), DEFAULT_GPU_KERNEL, 'm = 129 is another class');
  assert.equal([...tuner.choices().keys()], ['NT 128×64×64']);
  assert.is(tuner.choose({ ...plan(128), batch: 3 }), DEFAULT_GPU_KERNEL, 'a stack is a class of its own');
  await tuner.settled();
  assert.is(calls, 3, 'timed: m = 128, m = 129 and the stack');
  assert.equal(shapeClass({ ...plan(128), batch: 3 }), 'NT 128×64×64 ×4', 'the batch rounded up to a power of two');
  assert.equal(shapeClass({ ...plan(128), batch: 1 }), 'NT 128×64×64', 'a batch of 1 is a single product');

  const failing = new MatmulTuner(false, matmulKernelsFor(false), async () => { throw new Error('device lost'); });
  failing.choose(plan(10));
  await failing.settled();
  assert.is(failing.choose(plan(10)), DEFAULT_GPU_KERNEL);
  assert.equal([...failing.failures.values()], ['device lost']);
  assert.is(new MatmulTuner(true, matmulKernelsFor(false), async () => [0]).choose(plan(10)).name, 'register-64', 'a CPU driver: the register kernel, no timing');
  assert.is(new MatmulTuner(true, matmulKernelsFor(true), async () => [0]).choose(plan(10)).name, 'subgroup-16x64', 'one with subgroups of 8: the subgroup kernel');
  assert.not.ok(matmulKernelsFor(false).some((k) => k.needsSubgroupsOf8), 'without subgroups of 8, no kernel that needs them');
});

test.run();
