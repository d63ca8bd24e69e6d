// The jax-js peer (@jax-js/jax: JAX's API in JavaScript, compiled to Wasm or WebGPU kernels): the
// same workload as bench/tfjs.ts and bench/jax_ddpm.py — MLPDiffusion (PyTorch's init),
// antithetic timesteps, q_sample, the ε-MSE loss, clip_grad_norm_(1.0), Adam 1e-3, batch 128 —
// with the whole training step (draws, gathers, value-and-grad, clipping, Adam) one `jit` call,
// synced every step (jax-js's advice; letting an epoch's steps queue up was ~10× slower). Sampling
// is the tutorial's sampler, one jitted call per timestep. Its WebGPU backend runs on the same Dawn
// GPU object as ours (navigator.gpu, set by `ddpm bench`).
//
// jax-js owns arrays by reference count: every call consumes its array arguments, so an array used
// twice is passed as `a.ref` the first time (its README, "Reference counting").

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataset } from '../ddpm/points/data.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { median, type MatmulCase } from './matmul.js';
import type { EngineResult } from './ours.js';
import { importPeer } from './tfjs-load.js';

// ---- the part of jax-js's API this peer uses -------------------------------------------------
// Declared here, so that the repository type-checks without the peer installed.

/** A jax-js array, as far as this file uses one. */
interface JaxArray {
  readonly ref: JaxArray;
  dispose(): void;
  data(): Promise<ArrayLike<number>>;
  reshape(shape: number[]): JaxArray;
  add(other: JaxArray | number): JaxArray;
  sub(other: JaxArray | number): JaxArray;
  mul(other: JaxArray | number): JaxArray;
  div(other: JaxArray | number): JaxArray;
}
type Jitted<A extends unknown[], R> = ((...args: A) => R) & { dispose(): void };
interface Jax {
  init(...devices: string[]): Promise<string[]>;
  defaultDevice(device?: string): string;
  blockUntilReady<T>(x: T): Promise<T>;
  jit<A extends unknown[], R>(f: (...args: A) => R): Jitted<A, R>;
  valueAndGrad<A extends unknown[]>(f: (...args: A) => JaxArray): (...args: A) => [JaxArray, A[0]];
  numpy: {
    array(values: ArrayLike<number>, opts?: { dtype?: unknown }): JaxArray;
    int32: unknown;
    take(a: JaxArray, indices: JaxArray, axis: number): JaxArray;
    matmul(a: JaxArray, b: JaxArray): JaxArray;
    concatenate(xs: JaxArray[], axis?: number): JaxArray;
    square(x: JaxArray): JaxArray;
    sqrt(x: JaxArray): JaxArray;
    sum(x: JaxArray): JaxArray;
    mean(x: JaxArray): JaxArray;
    minimum(a: JaxArray | number, b: JaxArray | number): JaxArray;
    reciprocal(x: JaxArray): JaxArray;
    transpose(x: JaxArray): JaxArray;
  };
  nn: { relu(x: JaxArray): JaxArray };
  random: {
    key(seed: number): JaxArray;
    uniform(key: JaxArray, shape: number[], opts: { minval: number; maxval: number }): JaxArray;
    normal(key: JaxArray, shape: number[]): JaxArray;
    randint(key: JaxArray, opts: { minval: number; maxval: number; shape: number[] }): JaxArray;
  };
}

/** How to add the jax-js peer, for the line that says it was skipped. */
export const JAXJS_INSTALL_HINT = 'jax-js is not in the default install: add it with `npm run bench:peers` in a checkout ' +
  '(installs bench/peers/), or `npm install @jax-js/jax` beside this package';

const T = 100, HIDDEN = 128, BATCH = 128, N_POINTS = 10_000;

/**
 * Loads jax-js and starts its backend, made the default device. On 'webgpu' it finds the GPU
 * through navigator.gpu (Dawn's, shared with our engine), and its WebGPU module also reads
 * navigator.userAgent, which Node 20 lacks. Only the backend asked for is started: a bare init()
 * probes every backend, and on Node 20 its WebGPU probe fails on the missing navigator.
 */
export async function loadJaxjs(backend: 'wasm' | 'webgpu', root: string): Promise<{ jax: Jax; version: string }> {
  if (backend === 'webgpu') {
    const g = globalThis as { navigator?: { gpu?: GPU; userAgent?: string } };
    if (!g.navigator?.gpu) throw new Error('jax-js-webgpu needs a WebGPU adapter (navigator.gpu)');
    // Node ≥ 21 has a read-only navigator with its own userAgent; Node 20 has none.
    if (!g.navigator.userAgent) Object.defineProperty(g.navigator, 'userAgent', { value: `Node.js/${process.version}`, configurable: true });
  }
  const jax = await importPeer('@jax-js/jax', root, JAXJS_INSTALL_HINT) as Jax;
  const started = await jax.init(backend);
  if (!started.includes(backend)) throw new Error(`jax-js could not start its ${backend} backend (started: ${started.join(', ') || 'none'})`);
  jax.defaultDevice(backend);
  // Its package.json is not among its exports: read where bench/peers installs it.
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(join(root, 'bench', 'peers', 'node_modules', '@jax-js', 'jax', 'package.json'), 'utf8')) as { version: string }).version;
  } catch { /* a user's own install: the version is only reported */ }
  return { jax, version };
}

/** The parameters, flat: the four weights [in, out], the four biases, the three embeddings [T, HIDDEN]. */
type Params = JaxArray[];
const W = (i: number) => i, B = (i: number) => 4 + i, E = (i: number) => 8 + i;

function makeParams(jax: Jax, seed: number): Params {
  const sizes = [[2, HIDDEN], [HIDDEN, HIDDEN], [HIDDEN, HIDDEN], [HIDDEN, 2]];
  let k = seed;
  const uniform = (shape: number[], fanIn: number) =>
    jax.random.uniform(jax.random.key(k++), shape, { minval: -1 / Math.sqrt(fanIn), maxval: 1 / Math.sqrt(fanIn) });
  return [
    ...sizes.map(([i, o]) => uniform([i, o], i)),
    ...sizes.map(([i, o]) => uniform([o], i)),
    ...[0, 1, 2].map(() => jax.random.normal(jax.random.key(k++), [T, HIDDEN])),
  ];
}

// x: [b, 2], t: [b] int32 → ε: [b, 2]. Consumes p, x and t.
function forward(jax: Jax, p: Params, x: JaxArray, t: JaxArray): JaxArray {
  const np = jax.numpy;
  let h = x;
  for (let i = 0; i < 3; i++) {
    const emb = np.take(p[E(i)], i < 2 ? t.ref : t, 0);
    h = jax.nn.relu(np.matmul(h, p[W(i)]).add(p[B(i)]).add(emb));
  }
  return np.matmul(h, p[W(3)]).add(p[B(3)]);
}

export async function benchJaxjs(jax: Jax,
  options: { warmup: number; steps: number; repeats: number; sampleN: number; sampleRepeats: number; signal?: AbortSignal }): Promise<EngineResult> {
  const np = jax.numpy;
  const schedule = makeSchedule('sigmoid', T);
  const data = np.array(Float32Array.from(makeDataset('s-curve', N_POINTS, 0))).reshape([N_POINTS, 2]);
  const sqrtAb = np.array(Float32Array.from(schedule.sqrtAlphasBar));
  const sqrtOneMinusAb = np.array(Float32Array.from(schedule.sqrtOneMinusAlphasBar));
  let params = makeParams(jax, 1);
  let m = params.map((p) => p.ref.mul(0)), v = params.map((p) => p.ref.mul(0));
  const [beta1, beta2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];

  const lossFn = (p: Params, x0: JaxArray, t: JaxArray, noise: JaxArray, sa: JaxArray, soa: JaxArray): JaxArray => {
    const x = x0.mul(np.take(sa, t.ref, 0).reshape([BATCH, 1])).add(noise.ref.mul(np.take(soa, t.ref, 0).reshape([BATCH, 1])));
    return np.mean(np.square(noise.sub(forward(jax, p, x, t))));
  };
  // One step: (params, Adam's m and v, data, the batch's indices, two keys, the schedule, Adam's
  // bias corrections 1/(1-β^k)) → the new params, m, v and the loss.
  const step = jax.jit((p: Params, m: Params, v: Params, data: JaxArray, idx: JaxArray, kt: JaxArray, ke: JaxArray,
    sa: JaxArray, soa: JaxArray, c1: JaxArray, c2: JaxArray): [Params, Params, Params, JaxArray] => {
    const x0 = np.take(data, idx, 0);
    const half = jax.random.randint(kt, { minval: 0, maxval: T, shape: [BATCH / 2] });
    const t = np.concatenate([half.ref, half.mul(-1).add(T - 1)]);
    const noise = jax.random.normal(ke, [BATCH, 2]);
    const [loss, grads] = jax.valueAndGrad(lossFn)(p.map((a) => a.ref), x0, t, noise, sa, soa);
    // clip_grad_norm_(1.0): coef = min(1, 1 / (‖g‖ + 1e-6)) over all the gradients together
    let total = np.sum(np.square(grads[0].ref));
    for (const g of grads.slice(1)) total = total.add(np.sum(np.square(g.ref)));
    const coef = np.minimum(1, np.reciprocal(np.sqrt(total).add(1e-6)));
    // Adam (PyTorch's): m ← β1·m + (1-β1)·g; v ← β2·v + (1-β2)·g²; p ← p - lr·m̂ / (√v̂ + ε)
    const newP: Params = [], newM: Params = [], newV: Params = [];
    for (let i = 0; i < p.length; i++) {
      const g = grads[i].mul(coef.ref);
      const mi = m[i].mul(beta1).add(g.ref.mul(1 - beta1));
      const vi = v[i].mul(beta2).add(np.square(g).mul(1 - beta2));
      const update = mi.ref.mul(c1.ref).mul(lr).div(np.sqrt(vi.ref.mul(c2.ref)).add(eps));
      newP.push(p[i].sub(update)); newM.push(mi); newV.push(vi);
    }
    coef.dispose(); c1.dispose(); c2.dispose();
    return [newP, newM, newV, loss];
  });

  // The batches: a fresh shuffle whenever fewer than a batch are left, as tfjs's peer does.
  // Each draw gets a fresh key from a counter (random.key(seed++)): cheaper than splitting a key
  // outside the jitted step, and independent enough for a benchmark.
  let cursor = N_POINTS, order: Int32Array = new Int32Array(0), count = 0, seed = 1000;
  const shuffle = (): Int32Array => {
    const a = Int32Array.from({ length: N_POINTS }, (_, i) => i);
    for (let i = N_POINTS - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
    return a;
  };
  const runStep = async (): Promise<JaxArray> => {
    if (cursor + BATCH > N_POINTS) { order = shuffle(); cursor = 0; }
    const idx = np.array(order.subarray(cursor, cursor + BATCH), { dtype: np.int32 });
    cursor += BATCH;
    count++;
    const c1 = np.array([1 / (1 - beta1 ** count)]).reshape([]), c2 = np.array([1 / (1 - beta2 ** count)]).reshape([]);
    const [p, m1, v1, loss] = step(params, m, v, data.ref, idx, jax.random.key(seed++), jax.random.key(seed++), sqrtAb.ref, sqrtOneMinusAb.ref, c1, c2);
    params = p; m = m1; v = v1;
    await jax.blockUntilReady(loss); // synced every step: jax-js's advice, and its fastest here
    options.signal?.throwIfAborted();
    return loss;
  };

  for (let i = 0; i < options.warmup; i++) (await runStep()).dispose();
  const rates: number[] = [];
  let loss = NaN;
  for (let r = 0; r < options.repeats; r++) {
    const losses: JaxArray[] = [];
    const t0 = performance.now();
    for (let i = 0; i < options.steps; i++) losses.push(await runStep());
    rates.push(options.steps / ((performance.now() - t0) / 1000));
    let sum = 0;
    for (const l of losses) sum += (await l.data())[0]; // (data() consumes the array) after the clock
    loss = sum / options.steps;
  }

  // Sampling: x ← (x - ε·β/√(1-ᾱ)) / √(1-β) + √β·z, one jitted call per timestep (its
  // coefficients are arguments, so one compilation serves all 100).
  const sampleStep = jax.jit((p: Params, x: JaxArray, t: JaxArray, z: JaxArray, epsScale: JaxArray, meanScale: JaxArray, noiseScale: JaxArray): JaxArray => {
    const eps = forward(jax, p, x.ref, t);
    return x.sub(eps.mul(epsScale)).mul(meanScale).add(z.mul(noiseScale));
  });
  const sampleOnce = async (n: number): Promise<number> => {
    const t0 = performance.now();
    let x = jax.random.normal(jax.random.key(seed++), [n, 2]);
    for (let t = T - 1; t >= 0; t--) {
      const b = schedule.f64.betas[t], ab = schedule.f64.alphasBar[t];
      const scalar = (value: number) => np.array([value]).reshape([]);
      x = sampleStep(params.map((a) => a.ref), x, np.array(new Int32Array(n).fill(t), { dtype: np.int32 }),
        jax.random.normal(jax.random.key(seed++), [n, 2]), scalar(b / Math.sqrt(1 - ab)), scalar(1 / Math.sqrt(1 - b)), scalar(Math.sqrt(b)));
    }
    await x.data();
    options.signal?.throwIfAborted();
    return (performance.now() - t0) / 1000;
  };
  const times: number[] = [];
  if (options.sampleRepeats > 0) await sampleOnce(Math.min(1000, options.sampleN)); // warm-up (compiles)
  for (let i = 0; i < options.sampleRepeats; i++) times.push(await sampleOnce(options.sampleN));

  step.dispose(); sampleStep.dispose();
  for (const a of [...params, ...m, ...v, data, sqrtAb, sqrtOneMinusAb]) a.dispose();
  return { trainStepsPerSecond: median(rates), sampleSeconds: times.length > 0 ? median(times) : NaN, loss, lossAfterSteps: options.warmup + options.repeats * options.steps };
}

/**
 * jax-js's matmul at a case's shape: GFLOP/s, the median of `repeats` products, each read back
 * before the next starts. Not matmulRate's back-to-back products (bench/matmul.ts): jax-js's
 * arrays are lazy, and a product disposed before it is read is never computed, so timing five
 * and reading one would count four that did not run.
 */
export async function jaxjsMatmul(jax: Jax, c: MatmulCase, repeats: number): Promise<number> {
  const np = jax.numpy;
  const a = jax.random.normal(jax.random.key(1), c.transA ? [c.k, c.m] : [c.m, c.k]);
  const b = jax.random.normal(jax.random.key(2), c.transB ? [c.n, c.k] : [c.k, c.n]);
  const product = jax.jit((a: JaxArray, b: JaxArray): JaxArray =>
    np.matmul(c.transA ? np.transpose(a) : a, c.transB ? np.transpose(b) : b));
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    await product(a.ref, b.ref).data(); // data() consumes the array
    return performance.now() - t0;
  };
  await once(); // warm-up: compiling the product
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await once());
  const gflops = (2 * c.m * c.n * c.k) / (median(times) / 1000) / 1e9;
  product.dispose(); a.dispose(); b.dispose();
  return gflops;
}
