// generate (ddpm/generate.ts), the sampling the CLI and the page share: a seed names the points
// (the stream Rng(seed, 2), in data units), and frames come evenly spaced from x_T to x_0 — ten
// by default, every step on request, none when asked for none — each equal to the points the
// sampler had at that step.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../engine/index.js';
import type { ModelConfig } from '../ddpm/config.js';
import { generate, type Frame } from '../ddpm/generate.js';
import { MLPDiffusion } from '../ddpm/model.js';
import { sample } from '../ddpm/sample.js';
import { makeSchedule } from '../ddpm/schedules.js';

const config: ModelConfig = {
  model: 'MLPDiffusion', numSteps: 30, hidden: 16, schedule: 'linear', dataset: 's-curve', dataScale: 4, sampler: 'ddpm', preset: 'custom',
};
const model = new MLPDiffusion(config.numSteps, new E.Rng(1), { hidden: config.hidden, device: E.cpu });

/** Every step's x (data units) from sample() itself, with the stream generate promises. */
async function everyStep(seed: number): Promise<Float32Array[]> {
  const xs: Float32Array[] = [];
  const x = await sample(model, makeSchedule(config.schedule, config.numSteps), E.cpu, {
    sampler: 'ddpm', n: 7, rng: new E.Rng(seed, 2),
    onStep: async (x) => { xs.push(((await x.toArray()) as Float32Array).map((v) => v / config.dataScale)); },
  });
  x.dispose();
  return xs;
}

test('the points are sample() with Rng(seed, 2), divided by the data scale', async () => {
  const steps = await everyStep(5);
  const { points, frames } = await generate(model, config, E.cpu, { sampler: 'ddpm', n: 7, seed: 5, frames: 0 });
  assert.equal(Array.from(points), Array.from(steps.at(-1)!));
  assert.is(frames.length, 0);
  const other = await generate(model, config, E.cpu, { sampler: 'ddpm', n: 7, seed: 6, frames: 0 });
  assert.not.equal(Array.from(other.points), Array.from(points), 'another seed, other points');
});

test('frames: ten by default, evenly spaced from x_T to x_0; every step with Infinity', async () => {
  const steps = await everyStep(5);
  const seen: Frame[] = [];
  const ten = await generate(model, config, E.cpu, { sampler: 'ddpm', n: 7, seed: 5, onFrame: (f) => { seen.push(f); } });
  assert.is(ten.frames.length, 10);
  assert.equal(seen, ten.frames, 'onFrame saw each frame');
  assert.equal([ten.frames[0].i, ten.frames[0].t], [0, config.numSteps], 'x_T first');
  assert.equal([ten.frames[9].i, ten.frames[9].t], [30, 0], 'x_0 last');
  const gaps = ten.frames.slice(1).map((f, k) => f.i - ten.frames[k].i);
  assert.ok(Math.max(...gaps) - Math.min(...gaps) <= 1, `evenly spaced: ${gaps.join(', ')}`);
  for (const f of ten.frames) assert.equal(Array.from(f.points), Array.from(steps[f.i]), `frame at step ${f.i}`);

  const all = await generate(model, config, E.cpu, { sampler: 'ddim', steps: 6, n: 7, seed: 5, frames: Infinity });
  assert.equal(all.frames.map((f) => f.i), [0, 1, 2, 3, 4, 5, 6]);
  assert.ok(all.frames.every((f) => f.count === 6));
});

test.run();
