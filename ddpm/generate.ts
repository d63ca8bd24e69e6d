// Drawing samples from a model as a user sees them: in data units (divided by the config's data
// scale), from a seed (the sampling stream Rng(seed, 2), the same in the CLI and in the browser
// page, so a seed names the same points everywhere), with evenly spaced frames of the reverse
// process x_T … x_0 read back along the way.

import { Rng, type Backend } from '../engine/index.js';
import type { ModelConfig } from './config.js';
import type { NoisePredictor } from './model.js';
import { sample, type SampleOptions } from './sample.js';
import { makeSchedule } from './schedules.js';

export interface Frame {
  /** The timestep just taken (T for x_T). */
  t: number;
  /** Step i of count (0 for x_T). */
  i: number;
  count: number;
  /** [n, dataDim] in data units. */
  points: Float32Array;
}

export interface GenerateOptions extends Omit<SampleOptions, 'rng' | 'onStep'> {
  seed: number;
  /** How many frames to read back, evenly spaced from x_T to x_0 (default 10; 0 for none; at most every step). */
  frames?: number;
  /** Called with each frame as it is read back (before the next step runs). */
  onFrame?: (frame: Frame) => void | Promise<void>;
  /** Called after every step (for progress). */
  onStep?: (i: number, count: number) => void;
}

export interface Generated {
  /** [n, dataDim], in data units. */
  points: Float32Array;
  frames: Frame[];
  seconds: number;
}

/** What sampling needs of a model's config: its schedule, T and the scale the network sees data at. */
export type SamplingConfig = Pick<ModelConfig, 'schedule' | 'numSteps' | 'dataScale'>;

/** Samples n points; keeps `frames` frames of the reverse process. */
export async function generate(model: NoisePredictor, config: SamplingConfig, device: Backend, options: GenerateOptions): Promise<Generated> {
  const { seed, frames: wanted = 10, onFrame, onStep, ...sampleOptions } = options;
  const schedule = makeSchedule(config.schedule, config.numSteps);
  const frames: Frame[] = [];
  const toData = (a: Float32Array): Float32Array => a.map((v) => v / config.dataScale);
  const start = performance.now();
  // Without frames or progress, no step needs looking at (the fused sampler then records the
  // whole loop at once).
  const look = wanted > 0 || onStep !== undefined;
  const x = await sample(model, schedule, device, {
    ...sampleOptions,
    rng: new Rng(seed, 2),
    onStep: !look ? undefined : async (x, { i, count, t }) => {
      // Frame k of `wanted` sits at step round(k·count / (wanted − 1)).
      const last = Math.min(wanted, count + 1) - 1;
      const k = Math.round((i * last) / count);
      if (last > 0 && Math.round((k * count) / last) === i) {
        const frame = { t, i, count, points: toData((await x.toArray()) as Float32Array) };
        frames.push(frame);
        await onFrame?.(frame);
      }
      onStep?.(i, count);
    },
  });
  const points = toData((await x.toArray()) as Float32Array);
  x.dispose();
  return { points, frames, seconds: (performance.now() - start) / 1000 };
}
