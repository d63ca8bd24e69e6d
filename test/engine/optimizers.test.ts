// SGD and AdamW step by step against torch.optim.SGD and torch.optim.AdamW
// (test/fixtures/torch_optim_more.json): momentum, dampening, Nesterov, weight decay, a warm-up
// schedule and a NaN in a gradient, per parameter and packed, on the CPU and on WebGPU when there
// is one; their state saved and restored part-way; and the errors for options torch refuses.
//
// Tolerance: |ours − torch| ≤ 1e-6 + 1e-5·|torch| for the parameters after every step (both
// sides compute in float32 in the same order; torch's CPU kernels may fuse a multiply-add), NaN
// where torch has NaN. WebGPU against the CPU backend: the same rule, |gpu − cpu| ≤ 1e-6 +
// 1e-5·|cpu|, NaN where the CPU has NaN.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { assertClose, assertThrowsWith, loadFixture, values, type FixtureTensor } from '../support/helpers.js';

/** A fixture tensor whose non-finite values are strings ("NaN"), as torch_nonfinite.json writes them. */
interface Encoded {
  shape: number[];
  data: (number | string)[];
}

interface Run {
  name: string;
  optimizer: 'SGD' | 'AdamW';
  options: Record<string, unknown>;
  /** Steps of linear warm-up (the engine's LrSchedule), or null: a constant learning rate. */
  warmup: number | null;
  grads: 'finite' | 'nan';
  /** The parameters after each step. */
  trace: Encoded[][];
}

const fx = loadFixture<{ init: FixtureTensor[]; grads: FixtureTensor[][]; nanGrads: Encoded[][]; runs: Run[] }>('torch_optim_more.json');
const gpu = await gpuForTests();
const TOL = { atol: 1e-6, rtol: 1e-5 };
const decode = (t: Encoded): number[] => t.data.map(Number);

type Optimizer = E.SGD | E.AdamW;

function optimizer(run: Run, params: E.Tensor[] | E.PackedParameters): Optimizer {
  const schedule: E.LrSchedule | undefined = run.warmup === null ? undefined
    : { warmupSteps: run.warmup, decay: 'constant', totalSteps: 0, floor: 1 };
  return run.optimizer === 'SGD'
    ? new E.SGD(params, { ...(run.options as unknown as E.SgdOptions), schedule })
    : new E.AdamW(params, { ...(run.options as E.AdamOptions), schedule });
}

/** Parameters from the fixture on `device`, packed or not, and a way to give them a step's gradients. */
function setUp(device: E.Backend, packed: boolean): { params: E.Tensor[]; pack: E.PackedParameters | null; setGrads: (run: Run, step: number) => void } {
  const params = fx.init.map((d) => E.tensor(d.data, d.shape, { device, requiresGrad: true }));
  const pack = packed ? E.packParameters(params) : null;
  const setGrads = (run: Run, step: number): void => {
    params.forEach((p, i) => {
      const g = Float32Array.from(run.grads === 'nan' ? decode(fx.nanGrads[step][i]) : fx.grads[step][i].data);
      // A packed gradient is overwritten in place (assigning .grad would unpack it).
      if (pack) p.device.write(p.grad!.storage, g);
      else p.grad = E.tensor(g, p.shape, { device });
    });
  };
  return { params, pack, setGrads };
}

/** Runs every step of `run` on `device`; checks each against torch and returns the parameters after each. */
async function runAgainstTorch(run: Run, device: E.Backend, packed: boolean): Promise<number[][][]> {
  const { params, pack, setGrads } = setUp(device, packed);
  const opt = optimizer(run, pack ?? params);
  const trace: number[][][] = [];
  for (const [step, expected] of run.trace.entries()) {
    setGrads(run, step);
    opt.step();
    const now = await Promise.all(params.map(values));
    now.forEach((v, i) => assertClose(v, decode(expected[i]), TOL, `${run.name} on ${device.name}: step ${step + 1} param ${i}`));
    trace.push(now);
  }
  return trace;
}

for (const run of fx.runs) {
  for (const packed of [false, true]) {
    const what = `${run.name}${packed ? ', packed' : ''}: ${run.trace.length} steps`;
    test(`CPU: ${what} match PyTorch`, async () => {
      await runAgainstTorch(run, E.cpu, packed);
    });
    gpuTest(gpu)(`WebGPU: ${what} match PyTorch and the CPU`, async () => {
      const onGpu = await runAgainstTorch(run, gpu!, packed);
      const onCpu = await runAgainstTorch(run, E.cpu, packed);
      onGpu.forEach((params, step) => params.forEach((v, i) => assertClose(v, onCpu[step][i], TOL, `${run.name}: step ${step + 1} param ${i}, WebGPU vs CPU`)));
    });
  }
}

test('the NaN fixtures hold a NaN: in the gradient at step 2, and in the parameters from then on', () => {
  const run = fx.runs.find((r) => r.grads === 'nan' && r.optimizer === 'SGD' && r.options.momentum !== undefined)!;
  assert.ok(decode(fx.nanGrads[1][0]).some(Number.isNaN));
  assert.not.ok(decode(run.trace[0][0]).some(Number.isNaN), 'step 1 is finite');
  for (const step of [1, 2, 3, 4]) assert.ok(decode(run.trace[step][0]).some(Number.isNaN), `momentum carries the NaN into step ${step + 1}`);
});

// Saved after two steps and restored into a new optimizer, the run goes on as torch's did.
for (const name of ['sgd lr 0.05 momentum 0.9 nesterov', 'sgd lr 0.1 weight decay 0.2', 'adamw lr 0.05 betas (0.8, 0.99) eps 1e-6 weight decay 0.5']) {
  for (const packed of [false, true]) {
    test(`${name}${packed ? ', packed' : ''}: exportState after 2 steps, importState into a new optimizer, 3 more steps match PyTorch`, async () => {
      const run = fx.runs.find((r) => r.name === name)!;
      const { params, pack, setGrads } = setUp(E.cpu, packed);
      const first = optimizer(run, pack ?? params);
      for (const step of [0, 1]) {
        setGrads(run, step);
        first.step();
      }
      const slots = await first.exportState();
      first.dispose();
      const second = optimizer(run, pack ?? params);
      (second.importState as (s: typeof slots) => void)(slots);
      for (const step of [2, 3, 4]) {
        setGrads(run, step);
        second.step();
        for (const [i, p] of params.entries()) {
          assertClose(await values(p), decode(run.trace[step][i]), TOL, `${name}: step ${step + 1} param ${i} after importState`);
        }
      }
    });
  }
}

test('SGD.importState refuses slots that do not fit, naming the slot, and changes nothing', async () => {
  const p = E.tensor([1, 2, 3], [3], { requiresGrad: true });
  const opt = new E.SGD([p], { lr: 0.1, momentum: 0.9 });
  p.grad = E.tensor([1, 1, 1]);
  opt.step();
  const good = await opt.exportState();
  assertThrowsWith(() => opt.importState([{ step: 1, momentumBuffer: new Float32Array(2) }]), ['SGD.importState: slot 0', 'a momentum buffer of 2 values']);
  assertThrowsWith(() => opt.importState([{ step: 1, momentumBuffer: null }]), ['SGD.importState: slot 0', 'no momentum buffer', 'momentum 0.9']);
  assertThrowsWith(() => opt.importState([]), ['SGD.importState: 0 slots for 1 parameters']);
  assert.equal(await opt.exportState(), good);
});

test('SGD and AdamW refuse options torch refuses, naming the optimizer, the option and what it must be', () => {
  const p = E.tensor([1], [1], { requiresGrad: true });
  assertThrowsWith(() => new E.SGD([p], { lr: -0.1 }), ['SGD: lr must be a number ≥ 0', 'got -0.1']);
  assertThrowsWith(() => new E.SGD([p], { lr: Number.NaN }), ['SGD: lr must be a number ≥ 0', 'got NaN']);
  assertThrowsWith(() => new E.SGD([p], {} as E.SgdOptions), ['SGD: lr must be a number ≥ 0 (torch requires it too), got undefined']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, momentum: -0.5 }), ['SGD: momentum must be ≥ 0, got -0.5']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, weightDecay: -1 }), ['SGD: weightDecay must be ≥ 0, got -1']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, nesterov: true }), ['SGD: nesterov needs momentum > 0 and dampening 0', 'got momentum 0, dampening 0']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), ['SGD: nesterov needs', 'dampening 0.1']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, momentum: 0.9, dampening: Number.POSITIVE_INFINITY }), ['SGD: dampening must be a finite number']);
  assertThrowsWith(() => new E.SGD([p], { lr: 0.1, weight_decay: 0.1 } as unknown as E.SgdOptions), ["SGD: unknown option 'weight_decay'", 'weightDecay']);
  assertThrowsWith(() => new E.SGD([E.tensor([1])], { lr: 0.1 }), ['SGD: parameter', 'does not require grad']);
  assertThrowsWith(() => new E.AdamW([p], { weightDecay: -0.01 }), ['AdamW: invalid weight decay (must be ≥ 0) -0.01']);
  assertThrowsWith(() => new E.AdamW([p], { lr: -1 }), ['AdamW: invalid learning rate (must be ≥ 0) -1']);
  assertThrowsWith(() => new E.AdamW([p], { betas: [0.9, 1] }), ['AdamW: invalid beta2']);
  // Within torch's ranges nothing is refused: lr 0 (as torch), momentum without Nesterov, dampening without momentum.
  new E.SGD([p], { lr: 0, momentum: 0.5, dampening: 0.5 });
  assert.is(new E.AdamW([p]).weightDecay, 0.01, "AdamW's default weight decay is torch's");
});

test('AdamW decays the weights apart from the gradient: with a zero gradient p ← p·(1 − lr·λ), where Adam does not move', async () => {
  const lr = 0.1, wd = 0.5;
  const pw = E.tensor([2, -4], [2], { requiresGrad: true });
  const pa = E.tensor([2, -4], [2], { requiresGrad: true });
  const adamw = new E.AdamW([pw], { lr, weightDecay: wd });
  const adam = new E.Adam([pa], { lr });
  pw.grad = E.zeros([2]);
  pa.grad = E.zeros([2]);
  adamw.step();
  adam.step();
  assert.equal(await values(pw), [Math.fround(2 * Math.fround(1 - lr * wd)), Math.fround(-4 * Math.fround(1 - lr * wd))]);
  assert.equal(await values(pa), [2, -4]);
});

test('a disposed optimizer says so when used', () => {
  const p = E.tensor([1], [1], { requiresGrad: true });
  p.grad = E.tensor([1]);
  for (const opt of [new E.SGD([p], { lr: 0.1, momentum: 0.9 }), new E.AdamW([p]), new E.Adam([p])]) {
    opt.step();
    opt.dispose();
    opt.dispose(); // idempotent
    const name = opt instanceof E.SGD ? 'SGD' : opt instanceof E.AdamW ? 'AdamW' : 'Adam';
    assertThrowsWith(() => opt.step(), [`${name}.step: the optimizer was disposed`]);
  }
});

test.run();
