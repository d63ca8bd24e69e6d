// The TensorFlow.js peer: the same workload written with tfjs ops — MLPDiffusion (PyTorch's
// init), antithetic timesteps, q_sample, the ε-MSE loss, clip_grad_norm_(1.0), Adam 1e-3 — on
// its CPU backend and on its WebGPU backend over the same Dawn adapter as ours. Each is run at
// its best, as measured: on the CPU backend the embedding is a one-hot matmul (tf.gather's
// gradient is several times slower there); on WebGPU it is tf.gather. The global gradient norm is
// summed pairwise: tf.addN over 11 tensors binds more storage buffers than tfjs-webgpu asks the
// adapter for, and its command buffers would be dropped silently — the device's error scope is
// checked after the timed work, so such a run fails instead of reporting wrong numbers.
// Loading it is the caller's: bench/tfjs-load.ts in Node (`ddpm bench`), bench/page/tfjs-browser.ts
// in the browser (bench.html); this file runs in both.

import { makeDataset } from '../ddpm/points/data.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { matmulRate, median, type MatmulCase } from './matmul.js';
import type { EngineResult } from './ours.js';

// ---- the part of TensorFlow.js's API this peer uses -----------------------------------------
// Declared here, so that the repository type-checks without the peer installed (it is not in
// the default install: `npm run bench:peers` adds it under bench/peers/).

/** A tfjs tensor or variable, as far as this file uses one. */
interface TfTensor {
  dispose(): void;
  data(): Promise<ArrayLike<number>>;
  slice(begin: number, size: number): TfTensor;
  expandDims(axis: number): TfTensor;
  toFloat(): TfTensor;
}
type TfInput = TfTensor | number;
type TfBinary = (a: TfInput, b: TfInput) => TfTensor;
interface TfOptimizer {
  applyGradients(grads: Record<string, TfTensor>): void;
  dispose(): void;
}
export interface Tf {
  version: { tfjs: string };
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  backend(): { device?: GPUDevice };
  tidy<T extends TfTensor>(fn: () => T): T;
  keep<T extends TfTensor>(t: T): T;
  dispose(tensors: TfTensor[]): void;
  variable(initial: TfTensor): TfTensor;
  tensor1d(values: ArrayLike<number>, dtype?: 'float32' | 'int32'): TfTensor;
  tensor2d(values: ArrayLike<number>, shape: [number, number]): TfTensor;
  scalar(value: number, dtype?: 'float32' | 'int32'): TfTensor;
  fill(shape: number[], value: number, dtype?: 'float32' | 'int32'): TfTensor;
  randomUniform(shape: number[], min: number, max: number): TfTensor;
  randomUniformInt(shape: number[], min: number, max: number): TfTensor;
  randomNormal(shape: number[]): TfTensor;
  oneHot(indices: TfTensor, depth: number): TfTensor;
  gather(x: TfTensor, indices: TfTensor): TfTensor;
  concat(tensors: TfTensor[]): TfTensor;
  matMul(a: TfTensor, b: TfTensor, transposeA?: boolean, transposeB?: boolean): TfTensor;
  add: TfBinary; sub: TfBinary; mul: TfBinary; div: TfBinary; minimum: TfBinary;
  relu(x: TfTensor): TfTensor;
  sqrt(x: TfTensor): TfTensor;
  square(x: TfTensor): TfTensor;
  sum(x: TfTensor): TfTensor;
  mean(x: TfTensor): TfTensor;
  variableGrads(f: () => TfTensor, variables: TfTensor[]): { value: TfTensor; grads: Record<string, TfTensor> };
  train: { adam(lr: number, beta1: number, beta2: number, eps: number): TfOptimizer };
  util: { createShuffledIndices(n: number): Uint32Array };
}

const T = 100, HIDDEN = 128, BATCH = 128;

interface Model {
  weights: TfTensor[];
  biases: TfTensor[];
  embeddings: TfTensor[];
}

function makeModel(tf: Tf): Model {
  const linear = (fanIn: number, fanOut: number): [TfTensor, TfTensor] => {
    const bound = 1 / Math.sqrt(fanIn);
    return [tf.variable(tf.randomUniform([fanIn, fanOut], -bound, bound)), tf.variable(tf.randomUniform([fanOut], -bound, bound))];
  };
  const layers = [linear(2, HIDDEN), linear(HIDDEN, HIDDEN), linear(HIDDEN, HIDDEN), linear(HIDDEN, 2)];
  return {
    weights: layers.map(([w]) => w),
    biases: layers.map(([, b]) => b),
    embeddings: [0, 1, 2].map(() => tf.variable(tf.randomNormal([T, HIDDEN]))),
  };
}

// x: [B, 2], t: [B] int32 → ε: [B, 2]
function forward(tf: Tf, m: Model, x: TfTensor, t: TfTensor, oneHot: boolean): TfTensor {
  const tOneHot = oneHot ? tf.oneHot(t, T).toFloat() : null;
  let h = x;
  for (let i = 0; i < 3; i++) {
    const emb = tOneHot ? tf.matMul(tOneHot, m.embeddings[i]) : tf.gather(m.embeddings[i], t);
    h = tf.relu(tf.add(tf.add(tf.matMul(h, m.weights[i]), m.biases[i]), emb));
  }
  return tf.add(tf.matMul(h, m.weights[3]), m.biases[3]);
}

/** A turn of the event loop: setImmediate in Node, a zero timeout where there is none (a browser). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * tfjs's run of the workload (training steps/s over timed blocks after a warm-up, then the
 * sampling time), as ours is timed in bench/ours.ts; on 'webgpu' the device's validation errors
 * void the run.
 */
export async function benchTfjs(tf: Tf, backend: 'cpu' | 'webgpu',
  options: { warmup: number; steps: number; repeats: number; sampleN: number; sampleRepeats: number; signal?: AbortSignal }): Promise<EngineResult> {
  // A stop request is checked after every step; on the CPU backend (seconds a step, and no
  // awaits of its own) the loop also yields to the event loop there, so that it is heard.
  const checkStop = async (): Promise<void> => {
    if (backend === 'cpu') await yieldToEventLoop();
    options.signal?.throwIfAborted();
  };
  const oneHot = backend === 'cpu';
  const schedule = makeSchedule('sigmoid', T);
  const data = tf.tensor2d(makeDataset('s-curve', 10_000, 0), [10_000, 2]);
  const sqrtAb = tf.tensor1d(schedule.sqrtAlphasBar), sqrtOneMinusAb = tf.tensor1d(schedule.sqrtOneMinusAlphasBar);
  const model = makeModel(tf);
  const variables = [...model.weights, ...model.biases, ...model.embeddings];
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const device = backend === 'webgpu' ? tf.backend().device ?? null : null;
  device?.pushErrorScope('validation');

  let cursor = 10_000;
  let order = tf.tensor1d(new Int32Array(0), 'int32');
  const step = (): TfTensor => {
    if (cursor + BATCH > 10_000) {
      order.dispose();
      order = tf.keep(tf.tensor1d(Int32Array.from(tf.util.createShuffledIndices(10_000)), 'int32'));
      cursor = 0;
    }
    const first = cursor;
    cursor += BATCH;
    return tf.tidy(() => {
      const x0 = tf.gather(data, order.slice(first, BATCH));
      const half = tf.randomUniformInt([BATCH / 2], 0, T);
      const t = tf.concat([half, tf.sub(tf.scalar(T - 1, 'int32'), half)]);
      const noise = tf.randomNormal([BATCH, 2]);
      const x = tf.add(tf.mul(x0, tf.gather(sqrtAb, t).expandDims(1)), tf.mul(noise, tf.gather(sqrtOneMinusAb, t).expandDims(1)));
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(noise, forward(tf, model, x, t, oneHot)))), variables);
      // clip_grad_norm_(1.0): the global norm summed pairwise, coef = min(1, 1 / (norm + 1e-6))
      let total = tf.scalar(0);
      for (const g of Object.values(grads)) total = tf.add(total, tf.sum(tf.square(g)));
      const coef = tf.minimum(1, tf.div(1, tf.add(tf.sqrt(total), 1e-6)));
      optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, coef)])));
      return value;
    });
  };

  for (let i = 0; i < options.warmup; i++) {
    const loss = step();
    // tfjs queues its GPU work: read the last warm-up loss back, so that the first timed block
    // does not also pay for the warm-up's steps still in flight.
    if (i === options.warmup - 1) await loss.data();
    loss.dispose();
    await checkStop();
  }
  const rates: number[] = [];
  let loss = NaN;
  for (let r = 0; r < options.repeats; r++) {
    let total = tf.scalar(0);
    const t0 = performance.now();
    for (let i = 0; i < options.steps; i++) {
      const l = step();
      const next = tf.add(total, l);
      total.dispose();
      l.dispose();
      total = next;
      if (backend === 'cpu') await checkStop();
    }
    loss = (await total.data())[0] / options.steps; // the readback waits for the device
    rates.push(options.steps / ((performance.now() - t0) / 1000));
    total.dispose();
    options.signal?.throwIfAborted();
  }

  const sampleOnce = async (n: number): Promise<number> => {
    const t0 = performance.now();
    let x = tf.randomNormal([n, 2]);
    for (let t = T - 1; t >= 0; t--) {
      const next = tf.tidy(() => {
        const eps = forward(tf, model, x, tf.fill([n], t, 'int32'), oneHot);
        const b = schedule.f64.betas[t], ab = schedule.f64.alphasBar[t];
        const mean = tf.div(tf.sub(x, tf.mul(eps, b / Math.sqrt(1 - ab))), Math.sqrt(1 - b));
        return tf.add(mean, tf.mul(tf.randomNormal([n, 2]), Math.sqrt(b)));
      });
      x.dispose();
      x = next;
      if (backend === 'cpu') await checkStop();
    }
    await x.data();
    options.signal?.throwIfAborted();
    x.dispose();
    return (performance.now() - t0) / 1000;
  };
  const times: number[] = [];
  if (options.sampleRepeats > 0) await sampleOnce(Math.min(1000, options.sampleN)); // warm-up
  for (let i = 0; i < options.sampleRepeats; i++) times.push(await sampleOnce(options.sampleN));

  if (device) {
    const error = await device.popErrorScope();
    if (error) throw new Error(`tfjs-webgpu: the device reported '${error.message}': its results are void`);
  }
  tf.dispose([data, sqrtAb, sqrtOneMinusAb, order, ...variables]);
  optimizer.dispose();
  return { trainStepsPerSecond: median(rates), sampleSeconds: times.length > 0 ? median(times) : NaN, loss, lossAfterSteps: options.warmup + options.repeats * options.steps };
}

/** tfjs's matMul at a case's shape, timed as ours are (matmulRate, bench/matmul.ts): GFLOP/s. */
export async function tfjsMatmul(tf: Tf, c: MatmulCase, repeats: number): Promise<number> {
  const a = tf.randomNormal(c.transA ? [c.k, c.m] : [c.m, c.k]);
  const b = tf.randomNormal(c.transB ? [c.n, c.k] : [c.k, c.n]);
  const gflops = await matmulRate(c, repeats, () => {
    const out = tf.matMul(a, b, c.transA ?? false, c.transB ?? false);
    return { dispose: () => out.dispose(), read: () => out.data() };
  });
  tf.dispose([a, b]);
  return gflops;
}
