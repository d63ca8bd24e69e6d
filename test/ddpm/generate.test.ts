// generate (ddpm/generate.ts), the sampling the CLI and the page share: a seed names the points
// (the stream Rng(seed, 2), in data units), and frames come evenly spaced from x_T to x_0 — ten
// by default, every step on request, none when asked for none — each equal to the points the
// sampler had at that step; many samples come in batches of one stream, and a signal stops
// sampling between steps. The loss and the samplers take any NoisePredictor: a network over
// 5-wide points trains and samples [n, 5]; the fused engine refuses it, and engineFor says which
// engine a run gets.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { samplingConfig, type ModelConfig } from '../../ddpm/points/config.js';
import { generate, type Frame } from '../../ddpm/generate.js';
import { engineFor, ENGINES } from '../../ddpm/engines.js';
import { DiffusionTables, diffusionLoss } from '../../ddpm/loss.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import type { NoisePredictor } from '../../ddpm/noise-predictor.js';
import { sample } from '../../ddpm/sample.js';
import { ENGINE_NAMES } from '../../ddpm/runner.js';
import { makeSchedule } from '../../ddpm/schedules.js';

const config: ModelConfig = {
  model: 'MLPDiffusion', timesteps: 30, hidden: 16, schedule: 'linear', dataset: 's-curve', dataScale: 4, sampler: 'ddpm', preset: 'custom',
};
const model = new MLPDiffusion(config.timesteps, new E.Rng(1), { hidden: config.hidden, device: E.cpu });
const sampling = samplingConfig(config);

/** Every step's x (data units) from sample() itself, with the stream generate promises. */
async function everyStep(seed: number): Promise<Float32Array[]> {
  const xs: Float32Array[] = [];
  const x = await sample(model, makeSchedule(config.schedule, config.timesteps), E.cpu, {
    sampler: 'ddpm', n: 7, rng: new E.Rng(seed, 2),
    onStep: async (x) => { xs.push(((await x.toArray()) as Float32Array).map((v) => v / config.dataScale)); },
  });
  x.dispose();
  return xs;
}

test('the points are sample() with Rng(seed, 2), divided by the data scale', async () => {
  const steps = await everyStep(5);
  const { points, frames } = await generate(model, sampling, E.cpu, { sampler: 'ddpm', n: 7, seed: 5, frames: 0 });
  assert.equal(Array.from(points), Array.from(steps.at(-1)!));
  assert.is(frames.length, 0);
  const other = await generate(model, sampling, E.cpu, { sampler: 'ddpm', n: 7, seed: 6, frames: 0 });
  assert.not.equal(Array.from(other.points), Array.from(points), 'another seed, other points');
});

test('frames: ten by default, evenly spaced from x_T to x_0; every step with Infinity', async () => {
  const steps = await everyStep(5);
  const seen: Frame[] = [];
  const ten = await generate(model, sampling, E.cpu, { sampler: 'ddpm', n: 7, seed: 5, onFrame: (f) => { seen.push(f); } });
  assert.is(ten.frames.length, 10);
  assert.equal(seen, ten.frames, 'onFrame saw each frame');
  assert.equal([ten.frames[0].i, ten.frames[0].t], [0, config.timesteps], 'x_T first');
  assert.equal([ten.frames[9].i, ten.frames[9].t], [30, 0], 'x_0 last');
  const gaps = ten.frames.slice(1).map((f, k) => f.i - ten.frames[k].i);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `evenly spaced: ${gaps.join(', ')}`);
  for (const f of ten.frames) assert.equal(Array.from(f.points), Array.from(steps[f.i]), `frame at step ${f.i}`);

  const all = await generate(model, sampling, E.cpu, { sampler: 'ddim', sampleSteps: 6, n: 7, seed: 5, frames: Infinity });
  assert.equal(all.frames.map((f) => f.i), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(all.frames.every((f) => f.count === 6));
});

test('any NoisePredictor: a 5-wide network gets a loss with gradients and samples [n, 5]; fused refuses it', async () => {
  const layer = new E.Linear(5, 5, new E.Rng(2), { device: E.cpu });
  const table = new E.Embedding(10, 5, new E.Rng(3), { device: E.cpu });
  const net: NoisePredictor = { timesteps: 10, dataDim: 5, flopPerSample: 2 * 25, forward: (x, t) => E.add(layer.forward(x), table.forward(t)) };
  const schedule = makeSchedule('linear', 10);
  const loss = diffusionLoss(net, new DiffusionTables(schedule, E.cpu), E.randn([6, 5], new E.Rng(4), { device: E.cpu }), new E.Rng(5));
  loss.backward();
  assert.ok(Number.isFinite(await loss.item()));
  assert.ok((await layer.weight.grad!.toArray()).some((g) => g !== 0), 'gradients reach the network');
  assert.throws(() => diffusionLoss(net, new DiffusionTables(schedule, E.cpu), E.zeros([6, 2], { device: E.cpu }), new E.Rng(5)),
    /expected x0 \[B, 5\] for the model, got \[6, 2\]/);
  const x = await sample(net, schedule, E.cpu, { sampler: 'ddim', sampleSteps: 4, n: 3, rng: new E.Rng(6) });
  assert.equal(x.shape, [3, 5]);
  let message = '';
  await sample(net, schedule, E.cpu, { sampler: 'ddpm', n: 3, rng: new E.Rng(6), engine: 'fused' }).catch((e: Error) => { message = e.message; });
  assert.match(message, 'the fused engine runs MLPDiffusion only');
});

test('engineFor: eager on the CPU and for a network the fused engine refuses; fused refused for it by name; an unknown engine refused', () => {
  const net: NoisePredictor = { timesteps: 10, dataDim: 5, flopPerSample: 50, forward: (x) => x };
  assert.is(engineFor(undefined, model, E.cpu, 'sample').name, 'eager');
  assert.is(engineFor(undefined, net, E.cpu, 'sample').name, 'eager');
  assert.is(engineFor('eager', net, E.cpu, 'sample').name, 'eager');
  assert.throws(() => engineFor('fused', net, E.cpu, 'train'), /^train: the fused engine runs MLPDiffusion only; use the eager engine$/);
  assert.throws(() => engineFor('turbo' as never, model, E.cpu, 'sample'), /sample: unknown engine 'turbo' \(expected fused or eager\)/);
  assert.equal(Object.keys(ENGINES).sort(), [...ENGINE_NAMES].sort());
});

test('many samples come in batches from one stream: the first batch is what a run of that many gives', async () => {
  const seen: string[] = [];
  const batched = await generate(model, sampling, E.cpu, {
    sampler: 'ddim', sampleSteps: 3, n: 10, seed: 5, batch: 4, onStep: (i, count, batch, batches) => seen.push(`${batch}/${batches}:${i}/${count}`),
  });
  assert.is(batched.points.length, 20);
  assert.equal(seen.filter((s) => s.endsWith(':3/3')), ['1/3:3/3', '2/3:3/3', '3/3:3/3'], 'progress through every batch');
  assert.is(seen[0], '1/3:0/3', 'progress from the first batch on');
  const four = await generate(model, sampling, E.cpu, { sampler: 'ddim', sampleSteps: 3, n: 4, seed: 5 });
  assert.equal(Array.from(batched.points.subarray(0, 8)), Array.from(four.points), 'batch 1 = the first 4 points alone');
  assert.ok(batched.frames.every((f) => f.points.length === 8), 'frames are the first batch\'s');
  assert.not.equal(Array.from(batched.points.subarray(8, 16)), Array.from(four.points), 'later batches draw on');
  assert.ok(batched.points.every(Number.isFinite));
  const whole = await generate(model, sampling, E.cpu, { sampler: 'ddim', sampleSteps: 3, n: 10, seed: 5, batch: 4 });
  assert.equal(Array.from(whole.points), Array.from(batched.points), 'the same points every time');
});

test('a signal stops sampling between steps with its reason', async () => {
  const controller = new AbortController();
  const reason = new Error('stop here');
  let steps = 0;
  try {
    await generate(model, sampling, E.cpu, {
      sampler: 'ddpm', n: 7, seed: 5, signal: controller.signal, onStep: () => { if (++steps === 3) controller.abort(reason); },
    });
    assert.unreachable('sampling went on');
  } catch (e) {
    assert.is(e, reason);
  }
  assert.ok(steps <= 4, `stopped after ${steps} steps of ${config.timesteps}`);
});

test.run();
