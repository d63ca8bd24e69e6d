// The eager engine (runner.ts): every op of a step is its own kernel (engine/), so it runs any
// NoisePredictor on any device; it is the reference the fused engine is checked against.
//   training  each batch uploaded from the host; the batch losses summed on the device and read
//             once an epoch; with a signal or progress wanted, paced step by step (engine/pacer.ts:
//             the device never runs more than a few ms ahead), so a stop lands between two steps
//   sampling  each reverse step a few tensor ops in a tidy scope; nothing read back; with a
//             signal, paced step by step and a stop point after each

import * as E from '../engine/index.js';
import { diffusionLoss } from './loss.js';
import type { NoisePredictor } from './noise-predictor.js';
import { applyReverseStep } from './reverse-step.js';
import type { DiffusionEngine, EpochOptions, EpochRunner, ReverseRun, ReverseRunner, TrainingRun } from './runner.js';

class EagerEpochs implements EpochRunner {
  /** One for the run, so that even one-step epochs yield every few ms. */
  private readonly pacer: E.Pacer;

  constructor(private readonly training: TrainingRun) {
    this.pacer = new E.Pacer(training.device);
  }

  async runEpochs(count: number, completed: (losses: readonly number[]) => void, options: EpochOptions): Promise<void> {
    for (let i = 0; i < count && !options.signal?.aborted; i++) {
      const loss = await this.epoch(options);
      if (loss !== null) completed([loss]);
    }
  }

  /** One shuffled pass over the data: its mean batch loss, or null when stopped part-way (and undone). */
  private async epoch({ signal, onProgress }: EpochOptions): Promise<number | null> {
    const { model, tables, data, device, rng, params, opt, average, stepsPerEpoch } = this.training;
    const { batch, clip } = this.training.settings;
    const dim = model.dataDim;
    const n = data.length / dim;
    const pacer = signal !== undefined || onProgress !== undefined ? this.pacer : null;
    const start = { rngOffset: rng.offset, snapshot: signal ? this.training.snapshot() : null };
    const order = rng.permutation(n);
    let total: E.Tensor | null = null;
    let batches = 0;
    try {
      for (let first = 0; first < n; first += batch) {
        if (signal?.aborted) {
          await pacer!.drain();
          start.snapshot!.restore();
          rng.offset = start.rngOffset;
          total?.dispose();
          return null;
        }
        const rows = order.subarray(first, Math.min(first + batch, n));
        const x0host = new Float32Array(dim * rows.length);
        rows.forEach((r, i) => x0host.set(data.subarray(dim * r, dim * (r + 1)), dim * i));
        const previous: E.Tensor | null = total;
        total = E.tidy(() => {
          const x0 = E.tensor(x0host, [rows.length, dim], { device });
          const loss = diffusionLoss(model, tables, x0, rng);
          opt.zeroGrad();
          loss.backward();
          E.clipGradNorm(params, clip);
          opt.step();
          average?.update();
          return previous ? E.add(previous, loss.detach()) : loss.detach();
        });
        previous?.dispose();
        batches++;
        if (pacer) {
          await pacer.step();
          if (batches > 1) onProgress?.(this.training.epoch + (batches - 1) / stepsPerEpoch);
        }
      }
      const loss = (await total!.item()) / batches;
      total!.dispose();
      return loss;
    } finally {
      start.snapshot?.dispose();
    }
  }

  dispose(): void {}
}

class EagerReverse implements ReverseRunner {
  x: E.Tensor;
  private done = 0;
  private readonly pacer: E.Pacer | null;

  constructor(private readonly reverse: ReverseRun) {
    this.x = reverse.x;
    this.pacer = reverse.signal ? new E.Pacer(reverse.device) : null;
  }

  async advance(end: number): Promise<void> {
    const { model, device, rng, steps, signal } = this.reverse;
    const [n] = this.x.shape;
    for (; this.done < end; this.done++) {
      const step = steps[this.done];
      const x = this.x;
      const next = E.noGrad(() => E.tidy(() => {
        const eps = model.forward(x, E.full([n], step.t, { dtype: 'int32', device }));
        const z = E.randn([n, model.dataDim], rng, { device });
        return applyReverseStep(step, x, eps, z);
      }));
      x.dispose();
      this.x = E.keep(next);
      if (this.pacer) {
        await this.pacer.step();
        signal!.throwIfAborted();
      }
    }
  }

  dispose(): void {}
}

export const EAGER: DiffusionEngine = {
  name: 'eager',
  refuses: (_model: NoisePredictor) => null,
  epochs: (run) => new EagerEpochs(run),
  reverse: (run) => new EagerReverse(run),
};
