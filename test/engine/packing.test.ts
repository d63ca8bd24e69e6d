// Packed parameters (engine/packing.ts; their Adam and clipping against PyTorch are in
// optim.test.ts): packing keeps values, names and gradients; backward accumulates into the
// packed gradients and the padding stays zero; mistakes are refused. On the GPU, the same packed
// training steps follow the CPU's on awkward sizes (the views start at the adapter's alignment).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, assertThrowsWith, values } from '../support/helpers.js';

const gpu = await gpuForTests();

/** A tiny model on `device`: sizes 3, 1, [5,7] and [17] (none a multiple of an alignment). */
function tinyModel(device: E.Backend): { params: E.Tensor[]; loss: (x: E.Tensor) => E.Tensor } {
  const rng = new E.Rng(9);
  const w = E.keep(E.randn([5, 7], rng, { device, requiresGrad: true, name: 'w' }));
  const b = E.keep(E.randn([5], rng, { device, requiresGrad: true, name: 'b' }));
  const c = E.keep(E.randn([1], rng, { device, requiresGrad: true, name: 'c' }));
  const unused = E.keep(E.randn([17], rng, { device, requiresGrad: true, name: 'unused' }));
  const loss = (x: E.Tensor): E.Tensor => E.mean(E.square(E.add(E.mul(E.relu(E.linear(x, w, b)), c), 0.5)));
  return { params: [w, b, c, unused], loss };
}

test('packing keeps values and shapes; backward accumulates into the packed gradients; padding stays zero', async () => {
  const { params, loss } = tinyModel(E.cpu);
  const before = await Promise.all(params.map((p) => values(p)));
  const packed = E.packParameters(params);
  assert.equal(await Promise.all(params.map((p) => values(p))), before, 'values survive the move');
  assert.equal(params.map((p) => p.name), ['w', 'b', 'c', 'unused']);
  assert.is(packed.total, 35 + 5 + 1 + 17, 'the CPU needs no padding');
  const opt = new E.Adam(packed, { lr: 0.1 });
  const x = E.randn([4, 7], new E.Rng(1));
  for (let i = 0; i < 3; i++) {
    opt.zeroGrad();
    loss(x).backward();
    E.clipGradNorm(packed, 0.5);
    opt.step();
  }
  const flatGrads = await values(packed.grads);
  assertClose(flatGrads.slice(0, 35), await values(params[0].grad!), { atol: 0, rtol: 0 }, 'w.grad is a view of the flat gradients');
  assert.ok(flatGrads.slice(41).every((g) => g === 0), 'the unused parameter gets zero gradients');
  assert.equal(await values(params[3]), before[3], 'zero gradients leave a parameter unchanged');
});

test('packing refuses mistakes with a clear message', () => {
  const { params } = tinyModel(E.cpu);
  assertThrowsWith(() => E.packParameters([]), ['packParameters: no parameters given']);
  assertThrowsWith(() => E.packParameters([params[0], params[0]]), ['listed twice']);
  assertThrowsWith(() => E.packParameters([E.zeros([2])]), ["is not a float32 parameter"]);
  const packed = E.packParameters(params);
  const opt = new E.Adam(packed);
  params[1].grad = E.zeros([5]);
  assertThrowsWith(() => opt.step(), ['Adam.step', "the .grad of packed parameter 'b' [5] float32 was replaced"]);
  assertThrowsWith(() => E.clipGradNorm(packed, 1), ['clipGradNorm', 'was replaced']);
  const slot = (n: number, step: number): E.AdamSlot => ({ step, m: new Float32Array(n), v: new Float32Array(n) });
  assertThrowsWith(() => opt.importState([slot(35, 1), slot(5, 2), slot(1, 1), slot(17, 1)]), ['packed parameters step together', '1, 2']);
});

gpuTest(gpu)('packed training steps on the GPU follow the CPU (awkward sizes, aligned views)', async () => {
  const run = async (device: E.Backend): Promise<number[][]> => {
    const { params, loss } = tinyModel(device);
    const packed = E.packParameters(params);
    const opt = new E.Adam(packed, { lr: 0.05 });
    const x = E.randn([4, 7], new E.Rng(1), { device });
    const norms: number[] = [];
    for (let i = 0; i < 8; i++) {
      opt.zeroGrad();
      loss(x).backward();
      norms.push(await E.clipGradNorm(packed, 0.5).item());
      opt.step();
    }
    const state = await opt.exportState();
    return [norms, ...(await Promise.all(params.map((p) => values(p)))), ...state.map((s) => [...s!.m, ...s!.v, s!.step])];
  };
  const [onGpu, onCpu] = [await run(gpu!), await run(E.cpu)];
  assert.ok(gpu!.viewAlignment >= 1);
  onCpu.forEach((expected, i) => assertClose(onGpu[i], expected, { atol: 1e-5, rtol: 1e-4 }, `packed GPU vs CPU, row ${i}`));
});

test('importState writes into the moments a fused step may have bound, and a snapshot undoes steps', async () => {
  const host = async (opt: E.Adam, params: E.Tensor[]): Promise<unknown> => ({
    weights: await Promise.all(params.map((p) => values(p))),
    adam: (await opt.exportState()).map((s) => s && { step: s.step, m: Array.from(s.m), v: Array.from(s.v) }),
  });
  for (const packedRun of [true, false]) {
    const { params, loss } = tinyModel(E.cpu);
    const packed = packedRun ? E.packParameters(params) : null;
    const opt = new E.Adam(packed ?? params, { lr: 0.05 });
    const x = E.randn([4, 7], new E.Rng(1), { device: E.cpu });
    const step = (): void => {
      opt.zeroGrad();
      loss(x).backward();
      opt.step();
    };
    step();
    const saved = await opt.exportState();
    if (packed) {
      const bound = opt.takePackedSteps(0);
      step();
      opt.importState(saved);
      const after = opt.takePackedSteps(0);
      assert.ok(after.m === bound.m && after.v === bound.v, 'importState keeps the moment tensors');
      assert.equal(Array.from(await bound.m.toArray()).filter((_, i) => i < saved[0]!.m.length), Array.from(saved[0]!.m));
    }
    const before = await host(opt, params);
    const mark = opt.snapshot();
    step();
    step();
    assert.not.equal(await host(opt, params), before, 'two steps change things');
    mark.restore();
    assert.equal(await host(opt, params), before, `${packedRun ? 'packed' : 'per parameter'}: weights, moments and step counts back`);
    mark.dispose();
    assert.throws(() => mark.restore(), /the snapshot was disposed/);
  }
});

test.run();
