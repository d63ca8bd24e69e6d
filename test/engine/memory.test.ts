// Deterministic release: tidy frees every intermediate, so a training loop keeps the number of
// live storages and their bytes flat (the same property is what keeps GPU memory flat), and
// E.memory() shows it: live tensors, and each device's buffers and bytes. A
// backward() whose graph reaches a disposed tensor is an error that names it, not null gradients.
// Module.dispose and each optimizer's dispose free what they hold: after create → step →
// dispose the live storages are back where they started, on the CPU and on WebGPU.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { TinyMLP } from '../../examples/tiny-mlp-model.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';

const gpu = await gpuForTests();

test('tidy disposes what it created, except what it returns', () => {
  const before = E.cpu.memory().live;
  const a = E.tensor([1, 2, 3]);
  const kept = E.tidy(() => {
    const b = E.mul(a, 2);
    const c = E.add(b, 1);
    return E.sum(c);
  });
  assert.is(E.cpu.memory().live, before + 2, 'a and the result survive');
  assert.is(kept.isDisposed, false);
  a.dispose();
  kept.dispose();
  assert.is(E.cpu.memory().live, before);
});

test('nested tidy hands returned tensors to the outer scope', () => {
  const before = E.cpu.memory().live;
  E.tidy(() => {
    const inner = E.tidy(() => E.mul(E.ones([4]), 3));
    assert.is(inner.isDisposed, false);
    return null;
  });
  assert.is(E.cpu.memory().live, before);
});

test('a training loop in tidy keeps live memory flat', async () => {
  const rng = new E.Rng(5);
  const model = new TinyMLP(8, 4, rng);
  const opt = new E.Adam(model.parameters(), { lr: 1e-2 });
  const x = E.randn([16, 2], rng);
  const t = E.randint([16], 0, 4, rng);
  const y = E.randn([16, 2], rng);
  const step = (): E.Tensor => E.tidy(() => {
    const loss = E.mseLoss(model.forward(x, t), y);
    opt.zeroGrad();
    loss.backward();
    E.clipGradNorm(model.parameters(), 1);
    opt.step();
    return loss.detach();
  });
  step().dispose(); // first step allocates gradients and Adam moments
  const { peakBytes: _, ...after1 } = E.cpu.memory();
  E.cpu.resetPeakBytes();
  for (let i = 0; i < 100; i++) step().dispose();
  const { peakBytes, ...after100 } = E.cpu.memory();
  assert.equal(after100, after1);
  // The peak: what one step holds at once on top of what stays, the same for every step.
  assert.ok(peakBytes > after1.bytes, `a step's peak ${peakBytes} B is above the ${after1.bytes} B that stay`);
  E.cpu.resetPeakBytes();
  step().dispose();
  assert.is(E.cpu.memory().peakBytes, peakBytes, 'one step reaches the same peak as a hundred');
  E.cpu.resetPeakBytes();
  assert.is(E.cpu.memory().peakBytes, after1.bytes, 'resetPeakBytes starts the peak again from the live bytes');
});

/** What is alive (a GPU's pool of freed buffers may grow as it likes: it is reuse, not a leak). */
const alive = (m: E.Memory): unknown => ({ ...m, devices: m.devices.map(({ pooledBytes: _, ...d }) => d) });

test('E.memory(): live tensors and each device\'s buffers; a loop that frees what it makes stays put, one that keeps its loss grows by one a turn', async () => {
  for (const device of [E.cpu, ...(gpu ? [gpu] : [])]) {
    const rng = new E.Rng(6);
    const layer = new E.Linear(2, 8, rng, { device });
    const opt = new E.Adam(layer.parameters(), { lr: 1e-2 });
    const x = E.randn([16, 2], rng, { device });
    const y = E.randn([16, 8], rng, { device });
    const step = (): E.Tensor => E.tidy(() => {
      const loss = E.mseLoss(layer.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss;
    });
    step().dispose(); // the first step makes the gradients and Adam's moments
    const start = E.memory();
    const own = start.devices.find((d) => d.device === device.describe())!;
    assert.ok(own !== undefined, `memory() lists ${device.describe()}`);
    for (let i = 0; i < 100; i++) step().dispose();
    assert.equal(alive(E.memory()), alive(start), `${device.name}: 100 steps that free their loss leave memory() as it was`);
    const kept = Array.from({ length: 100 }, step);
    const leaked = E.memory();
    assert.is(leaked.tensors, start.tensors + 100, `${device.name}: 100 losses kept are 100 tensors`);
    assert.is(leaked.buffers, start.buffers + 100);
    assert.is(leaked.devices.find((d) => d.device === device.describe())!.bytes, own.bytes + 100 * 4, 'each a float32 scalar');
    for (const t of kept) t.dispose();
    assert.equal(alive(E.memory()), alive(start));
  }
});

test('using a disposed tensor is an error, not garbage', () => {
  const a = E.tensor([1, 2]);
  a.dispose();
  assert.throws(() => E.mul(a, 2), /mul: x \[2\] float32 was disposed/);
});

/** The message of what fn throws (a failure if it does not). */
function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  assert.unreachable('expected an error');
  return '';
}

test('backward of a loss computed in tidy is an error naming what tidy disposed, not null gradients', () => {
  const rng = new E.Rng(2);
  const layer = new E.Linear(3, 4, rng);
  const x = E.randn([2, 3], rng), y = E.randn([2, 4], rng);
  const loss = E.tidy(() => E.mseLoss(layer.forward(x), y));
  const message = thrown(() => loss.backward());
  assert.match(message, /^backward: the graph of loss \[\] float32 passes through a disposed tensor \(the output of sum \[\], disposed by tidy\); /);
  assert.match(message, /call backward\(\) inside the tidy that computes the loss, or compute the loss outside tidy/);
  assert.is(layer.weight.grad, null, 'nothing was accumulated');
  assert.is(layer.bias!.grad, null);
});

test('backward through an intermediate disposed by hand is an error naming its op and shape', () => {
  const w = E.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]], undefined, { requiresGrad: true });
  const x = E.tensor([[1, 0, 1], [0, 1, 0]]);
  const h = E.matmul(x, w, { transB: true }); // [2, 4]
  const loss = E.sum(E.relu(h));
  h.dispose();
  assert.match(thrown(() => loss.backward()),
    /^backward: the graph of loss \[\] float32 passes through a disposed tensor \(the output of matmul \[2,4\], disposed by dispose\(\)\); dispose the tensors a loss was computed from only after its backward\(\)$/);
  assert.is(w.grad, null);
});

test('backward refuses a disposed input that needs no gradient (its rule reads it: dW = Gᵀ·x)', async () => {
  const w = E.tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true, name: 'w' });
  const x = E.tensor([[1, 1], [2, 2]], undefined, { name: 'x' });
  const loss = E.sum(E.matmul(x, w));
  x.dispose();
  assert.match(thrown(() => loss.backward()), /passes through a disposed tensor \(input 'x' \[2,2\] float32, disposed by dispose\(\)\)/);
  assert.is(w.grad, null);
  const again = E.tensor([[1, 1], [2, 2]]);
  E.sum(E.matmul(again, w)).backward(); // the same graph with x alive: dW = xᵀ·1
  assert.equal(await (w.grad as E.Tensor).toArray(), Float32Array.from([3, 3, 3, 3]));
});

/** Two Linear layers: [B, 3] → [B, 2]. */
class TwoLayers extends E.Module {
  readonly first: E.Linear;
  readonly second: E.Linear;

  constructor(rng: E.Rng, device: E.Backend) {
    super();
    this.first = new E.Linear(3, 8, rng, { device });
    this.second = new E.Linear(8, 2, rng, { device });
  }

  forward(x: E.Tensor): E.Tensor {
    return this.second.forward(E.relu(this.first.forward(x)));
  }
}

const OPTIMIZERS: [string, (params: E.Tensor[] | E.PackedParameters) => E.Adam | E.SGD][] = [
  ['Adam', (params) => new E.Adam(params, { lr: 1e-2 })],
  ['AdamW', (params) => new E.AdamW(params, { lr: 1e-2 })],
  ['SGD with momentum', (params) => new E.SGD(params, { lr: 1e-2, momentum: 0.9 })],
  ['SGD', (params) => new E.SGD(params, { lr: 1e-2 })],
];

/**
 * Creates a model and an optimizer, takes three steps and disposes both (and the packed buffers):
 * live storages must come back to where they were. Before disposing they must be above it, so
 * the check cannot pass by counting nothing.
 */
async function disposeFreesEverything(device: E.Backend): Promise<void> {
  const rng = new E.Rng(11);
  const x = E.randn([5, 3], rng, { device }), y = E.randn([5, 2], rng, { device });
  for (const [name, make] of OPTIMIZERS) {
    for (const packed of [false, true]) {
      const what = `${name}${packed ? ', packed' : ''} on ${device.name}`;
      const before = device.memory().live;
      const model = new TwoLayers(rng, device);
      const pack = packed ? E.packParameters(model.parameters()) : null;
      const opt = make(pack ?? model.parameters());
      for (let i = 0; i < 3; i++) {
        E.tidy(() => {
          opt.zeroGrad();
          E.mseLoss(model.forward(x), y).backward();
          opt.step();
        });
      }
      await device.sync();
      assert.ok(device.memory().live > before, `${what}: the model and optimizer hold storages`);
      opt.dispose();
      model.dispose();
      pack?.dispose();
      assert.is(device.memory().live, before, `${what}: live storages after dispose()`);
      assert.throws(() => model.forward(x), /linear: .*'first\.weight' \[8,3\] float32 was disposed and cannot be used/, `${what}: forward after dispose()`);
    }
  }
  x.dispose();
  y.dispose();
}

test('CPU: Module.dispose and the optimizers\' dispose free every storage they hold', () => disposeFreesEverything(E.cpu));

gpuTest(gpu)('WebGPU: Module.dispose and the optimizers\' dispose free every storage they hold', () => disposeFreesEverything(gpu!));

test.run();
