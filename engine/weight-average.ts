// An exponential moving average of packed parameters (Polyak averaging as diffusion trainers
// use it: Ho et al.'s `ema_decay`, lucidrains' EMA, diffusers' EMAModel). After each optimizer
// step, every element of the average moves towards the weights:
//   avg ← d_u·avg + (1 − d_u)·w,   d_u = min(decay, (1 + u) / (10 + u))   (u = 1, 2, … updates)
// The warm-up of d_u (TensorFlow's ExponentialMovingAverage with num_updates) lets the average
// follow the weights early on, when they move fast and a decay of 0.999 would remember the
// random initialisation for thousands of steps; d_u reaches `decay` after (10·decay − 1)/(1 − decay)
// updates (~ 9 000 for 0.999). The average starts as a copy of the weights, lives on their
// device, and is updated there (Backend.averageInPlace, or a fused kernel from `takeUpdates`).

import { zeros } from './creation.js';
import { describe, EngineError } from './errors.js';
import type { PackedParameters } from './packing.js';
import { keep } from './scope.js';
import type { Tensor } from './tensor.js';

/** How a WeightAverage follows the weights: its decay and whether the decay warms up. */
export interface WeightAverageOptions {
  /** The decay d, in [0, 1): the average's memory is about 1 / (1 − d) updates. */
  decay: number;
  /** Warm the decay up as in the header (default true); false: d at every update. */
  warmup?: boolean;
}

/** A weight average as host data (checkpoints): its update count and one array per parameter. */
export interface WeightAverageState {
  readonly updates: number;
  readonly weights: readonly Float32Array[];
}

/**
 * An exponential moving average of packed parameters, kept on their device (see the header):
 * update() after each optimizer step; the average is a packed tensor laid out like the weights.
 */
export class WeightAverage {
  /** The decay d, in [0, 1). */
  readonly decay: number;
  /** Whether the decay warms up (see the header). */
  readonly warmup: boolean;
  /** Updates taken so far. */
  updates = 0;
  /** The average, flat and laid out like the packed weights (padding zero). */
  readonly average: Tensor;

  /**
   * An average of the packed parameters, starting as a copy of their weights. Throws an EngineError
   * for a decay outside [0, 1).
   */
  constructor(readonly packed: PackedParameters, options: WeightAverageOptions) {
    this.decay = options.decay;
    this.warmup = options.warmup ?? true;
    if (!(this.decay >= 0 && this.decay < 1)) throw new EngineError(`WeightAverage: decay must be in [0, 1), got ${this.decay}`);
    const { weights } = packed;
    this.average = keep(zeros(weights.shape, { device: weights.device }));
    weights.device.copy(this.average.storage, weights.storage);
  }

  /** d_u, the decay of update `u` (1, 2, …). */
  decayAt(u: number): number {
    return this.warmup ? Math.min(this.decay, (1 + u) / (10 + u)) : this.decay;
  }

  /** One update, after an optimizer step. */
  update(): void {
    this.updates++;
    const { weights } = this.packed;
    weights.device.averageInPlace(this.average.storage, weights.storage, this.decayAt(this.updates));
  }

  /**
   * For code that updates the average in its own kernel (a fused training step): the decays of
   * the next `count` updates, which are counted as taken.
   */
  takeUpdates(count: number): number[] {
    if (!Number.isInteger(count) || count < 0) throw new EngineError(`WeightAverage.takeUpdates: count must be a non-negative integer, got ${count}`);
    const first = this.updates;
    this.updates += count;
    return Array.from({ length: count }, (_, i) => this.decayAt(first + i + 1));
  }

  /**
   * Runs `fn` with the average in the packed weights (to sample or save the averaged model, as
   * torch_ema's average_parameters()), then puts the weights back, whatever `fn` does.
   */
  async withAverage<T>(fn: () => Promise<T> | T): Promise<T> {
    const { weights } = this.packed;
    const device = weights.device;
    const raw = keep(zeros(weights.shape, { device }));
    device.copy(raw.storage, weights.storage);
    device.copy(weights.storage, this.average.storage);
    try {
      return await fn();
    } finally {
      device.copy(weights.storage, raw.storage);
      raw.dispose();
    }
  }

  /** Puts the average into the packed weights for good (the end of training: the model samples with it from then on). */
  adopt(): void {
    this.packed.weights.device.copy(this.packed.weights.storage, this.average.storage);
  }

  /**
   * The update count and the average, one array per parameter, copied to the host (to save and
   * resume).
   */
  async exportState(): Promise<WeightAverageState> {
    const flat = (await this.average.toArray()) as Float32Array;
    const { params, offsets } = this.packed;
    return { updates: this.updates, weights: params.map((p, i) => flat.slice(offsets[i], offsets[i] + p.size)) };
  }

  /** Restores what exportState returned; every array is checked before anything changes. */
  importState(state: WeightAverageState): void {
    const { params, offsets, total } = this.packed;
    if (!Number.isInteger(state.updates) || state.updates < 0) throw new EngineError(`WeightAverage.importState: updates must be a non-negative integer, got ${state.updates}`);
    if (state.weights.length !== params.length) throw new EngineError(`WeightAverage.importState: ${state.weights.length} arrays for ${params.length} parameters`);
    state.weights.forEach((w, i) => {
      if (w.length !== params[i].size) throw new EngineError(`WeightAverage.importState: array ${i} has ${w.length} values, ${describe(params[i], 'parameter')} ${params[i].size}`);
    });
    const flat = new Float32Array(total);
    state.weights.forEach((w, i) => flat.set(w, offsets[i]));
    this.average.device.write(this.average.storage, flat);
    this.updates = state.updates;
  }

  /** A device copy of the average and its count: `restore` puts them back; dispose the copy after. */
  snapshot(): { restore: () => void; dispose: () => void } {
    const saved = keep(zeros(this.average.shape, { device: this.average.device }));
    saved.device.copy(saved.storage, this.average.storage);
    const updates = this.updates;
    return {
      restore: () => {
        this.average.device.copy(this.average.storage, saved.storage);
        this.updates = updates;
      },
      dispose: () => saved.dispose(),
    };
  }

  /** Frees the average. */
  dispose(): void {
    this.average.dispose();
  }
}
