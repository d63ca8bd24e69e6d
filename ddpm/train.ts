// Training (SPEC §5): every epoch shuffles the data and walks it in batches (the last one may be
// short or odd); each step is the tutorial's: loss, zero_grad, backward, clip_grad_norm_(1.0),
// Adam step. Batches are uploaded from the host; nothing is read back inside an epoch: the
// batch losses are summed on the device and read once per epoch.

import * as E from '../engine/index.js';
import { DiffusionTables, diffusionLoss } from './loss.js';
import type { MLPDiffusion } from './model.js';
import type { Schedule } from './schedules.js';

export interface TrainOptions {
  epochs: number;
  batch?: number;
  lr?: number;
  clip?: number;
  /** Seeds the shuffles, timesteps and noise (the model is seeded where it is built). */
  seed: number;
  device: E.Backend;
  onEpoch?: (info: EpochInfo) => void;
}

export interface EpochInfo {
  epoch: number;
  epochs: number;
  /** Mean of the batch losses of this epoch. */
  loss: number;
  steps: number;
  stepsPerSecond: number;
  elapsedSeconds: number;
}

/** A uniformly random permutation of 0 … n−1 (Fisher–Yates). */
export function permutation(n: number, rng: E.Rng): Int32Array {
  const p = Int32Array.from({ length: n }, (_, i) => i);
  const u = rng.uniform(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(u[i] * (i + 1)));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

export async function train(model: MLPDiffusion, schedule: Schedule, data: Float32Array, options: TrainOptions): Promise<number[]> {
  const { epochs, device } = options;
  const batch = options.batch ?? 128;
  const n = data.length / 2;
  if (!Number.isInteger(epochs) || epochs < 0) throw new Error(`train: epochs must be a non-negative integer, got ${epochs}`);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`train: batch must be a positive integer, got ${batch}`);
  const tables = new DiffusionTables(schedule, device);
  const params = model.parameters();
  const opt = new E.Adam(params, { lr: options.lr ?? 1e-3 });
  const clip = options.clip ?? 1.0;
  const rng = new E.Rng(options.seed, 1);
  const losses: number[] = [];
  const start = performance.now();
  let steps = 0;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = permutation(n, rng);
    let total: E.Tensor | null = null;
    let batches = 0;
    for (let first = 0; first < n; first += batch) {
      const rows = order.subarray(first, Math.min(first + batch, n));
      const x0host = new Float32Array(2 * rows.length);
      rows.forEach((r, i) => { x0host[2 * i] = data[2 * r]; x0host[2 * i + 1] = data[2 * r + 1]; });
      const previous: E.Tensor | null = total;
      total = E.tidy(() => {
        const x0 = E.tensor(x0host, [rows.length, 2], { device });
        const loss = diffusionLoss(model, tables, x0, rng);
        opt.zeroGrad();
        loss.backward();
        E.clipGradNorm(params, clip);
        opt.step();
        return previous ? E.add(previous, loss.detach()) : loss.detach();
      });
      previous?.dispose();
      batches++;
      steps++;
    }
    const loss = total ? (await total.item()) / batches : NaN;
    total?.dispose();
    losses.push(loss);
    const elapsed = (performance.now() - start) / 1000;
    options.onEpoch?.({ epoch, epochs, loss, steps, stepsPerSecond: steps / elapsed, elapsedSeconds: elapsed });
  }
  tables.sqrtAlphasBar.dispose();
  tables.sqrtOneMinusAlphasBar.dispose();
  return losses;
}
