// GPU-vs-CPU parity, run inside the page: a few kernels on this browser's WebGPU adapter against
// the CPU reference backend, on the same inputs, at awkward shapes (primes, not a tile
// multiple); the random draws; and the fused engine's compiled kernels against the eager engine
// (one kernel per op, the kernels just checked) on the same adapter. Rule per output:
// |a − ref| ≤ atol + rtol·|ref| (ref: the CPU, or the eager engine), with atol growing with the number of terms summed (the GPU
// accumulates in float32, the CPU in float64), as in test/engine/op-runners.ts and test/ddpm/fused.test.ts.
//
// Why the fused engine is compared with the eager GPU path and not with the CPU: its normal
// draws (Box–Muller) use cos, sin and log, which WGSL lets an adapter compute only roughly
// (cos and sin within 2^-11). SwiftShader's draws differ from the CPU's by up to 9e-4 (lavapipe's
// by 3e-5), and a few Adam steps, whose first updates are ±lr whatever the gradient's size, turn
// that into parameter differences near lr. Both GPU engines draw the same numbers.

import * as E from '../engine/index.js';
import { makeDataset } from '../ddpm/points/data.js';
import { MLPDiffusion } from '../ddpm/points/model.js';
import { sample } from '../ddpm/sample.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import type { CheckResult } from './protocol.js';

const RTOL = 1e-5;
/** The absolute tolerance for a sum of k terms of unit size. */
const atolFor = (k: number): number => 2e-6 * k + 1e-6;

/** Compares `actual` with `reference` element by element: |a − r| ≤ atol + rtol·|r| (NaN fails). */
export function compareOutputs(name: string, actual: Float32Array, reference: Float32Array, atol: number, rtol = RTOL): CheckResult {
  if (actual.length !== reference.length) throw new Error(`${name}: ${actual.length} values against ${reference.length}`);
  let maxError = 0;
  let ok = true;
  for (let i = 0; i < reference.length; i++) {
    const err = Math.abs(actual[i] - reference[i]);
    if (!(err <= atol + rtol * Math.abs(reference[i]))) ok = false;
    if (Number.isNaN(err)) maxError = NaN; // and stays NaN
    else if (err > maxError) maxError = err;
  }
  const rule = atol === 0 && rtol === 0 ? 'bit for bit'
    : atol === 0 ? `≤ ${rtol.toExponential(0)}·|ref|`
    : rtol === 0 ? `≤ ${atol.toExponential(1)}`
    : `≤ ${atol.toExponential(1)} + ${rtol.toExponential(0)}·|ref|`;
  return { name, maxError, rule, ok, elements: reference.length };
}

type Outputs = Record<string, Float32Array>;
/** atol, or [atol, rtol]. */
type Rule = number | [number, number];

/** Runs `make` on both devices and compares every output it returns. */
async function onBoth(gpu: E.Backend, make: (device: E.Backend) => Record<string, E.Tensor>, rules: Record<string, Rule>, label: string): Promise<CheckResult[]> {
  const read = async (device: E.Backend): Promise<Outputs> => {
    const tensors = E.tidy(() => make(device)); // frees the inputs and intermediates
    const out: Outputs = {};
    for (const [key, t] of Object.entries(tensors)) out[key] = (await t.toArray()) as Float32Array;
    for (const t of Object.values(tensors)) t.dispose();
    return out;
  };
  const [g, c] = [await read(gpu), await read(E.cpu)];
  return Object.keys(c).map((key) => {
    const [atol, rtol] = typeof rules[key] === 'number' ? [rules[key], RTOL] : rules[key];
    return compareOutputs(`${label}: ${key}`, g[key], c[key], atol, rtol);
  });
}

/**
 * Linear + bias + ReLU fused, forward and backward; a column sum; an embedding with repeated
 * rows; uniform and normal draws; the fused engine against the eager one.
 */
export async function kernelCheck(gpu: E.Backend): Promise<CheckResult[]> {
  const rng = new E.Rng(7);
  const [B, K, N] = [37, 129, 61];
  const x = rng.normal(B * K), w = rng.normal(N * K, 0, 0.1), b = rng.normal(N), g = rng.normal(B * N);
  const linearCase = await onBoth(gpu, (device) => {
    const on = { device, requiresGrad: true };
    const xt = E.tensor(x, [B, K], on), wt = E.tensor(w, [N, K], on), bt = E.tensor(b, [N], on);
    const out = E.linear(xt, wt, bt, { relu: true });
    E.sum(E.mul(out, E.tensor(g, [B, N], { device }))).backward();
    return { 'y [37,61]': out, 'dL/dx [37,129]': xt.grad!, 'dL/dW [61,129]': wt.grad!, 'dL/db [61]': bt.grad! };
  }, { 'y [37,61]': atolFor(K), 'dL/dx [37,129]': atolFor(N), 'dL/dW [61,129]': atolFor(B), 'dL/db [61]': atolFor(B) },
  'linear + ReLU, [37,129]·[129,61]ᵀ');

  const rows = 10_007;
  const column = rng.normal(rows * 3);
  const sumCase = await onBoth(gpu, (device) => ({ 'Σ rows [3]': E.sum(E.tensor(column, [rows, 3], { device }), 0) }),
    { 'Σ rows [3]': atolFor(rows) }, 'sum of [10007,3] over rows');

  const [T, H, M] = [13, 67, 101];
  const table = rng.normal(T * H), indices = rng.randint(M, 0, T), up = rng.normal(M * H);
  const embeddingCase = await onBoth(gpu, (device) => {
    const tt = E.tensor(table, [T, H], { device, requiresGrad: true });
    const rowsOut = E.embedding(E.tensor(indices, [M], { device, dtype: 'int32' }), tt);
    E.sum(E.mul(rowsOut, E.tensor(up, [M, H], { device }))).backward();
    return { 'rows [101,67]': rowsOut, 'dL/dtable [13,67]': tt.grad! };
  }, { 'rows [101,67]': 0, 'dL/dtable [13,67]': atolFor(M) }, 'embedding, 101 rows of [13,67]');

  // Uniform draws are integer arithmetic: bit for bit. Normal ones within what WGSL allows cos
  // and sin (2^-11) times the radius (at most 5.8 for 24-bit uniforms), plus log's 2^-21: 3e-3.
  const n = 1 << 20;
  const drawsCase = await onBoth(gpu, (device) => ({
    'uniform [1048576]': E.rand([n], new E.Rng(42), { device }),
    'normal [1048576]': E.randn([n], new E.Rng(42), { device }),
  }), { 'uniform [1048576]': [0, 0], 'normal [1048576]': [3e-3, 0] }, 'random draws');

  return [...linearCase, ...sumCase, ...embeddingCase, ...drawsCase, ...await fusedEngineCheck(gpu)];
}

/**
 * The fused engine (ddpm/fused/) against the eager engine, both on this adapter, from the same
 * weights and seed: one epoch of 451 points in batches of 128 (the last one 67), then DDIM.
 */
async function fusedEngineCheck(gpu: E.Backend): Promise<CheckResult[]> {
  const schedule = makeSchedule('linear', 100);
  const data = makeDataset('s-curve', 451, 0).map((v) => v * 10);
  const runs: { loss: Float32Array; weights: Float32Array; samples: Float32Array }[] = [];
  for (const engine of ['fused', 'eager'] as const) {
    const device = gpu;
    const model = new MLPDiffusion(100, new E.Rng(5), { device });
    const trainer = new Trainer(model, schedule, data, { seed: 3 }, device, { engine });
    const loss = Float32Array.from(await trainer.runEpochs(1));
    trainer.dispose();
    const parts = await Promise.all(model.parameters().map(async (p) => (await p.toArray()) as Float32Array));
    const weights = new Float32Array(parts.reduce((n, a) => n + a.length, 0));
    parts.reduce((at, a) => { weights.set(a, at); return at + a.length; }, 0);
    const x = await sample(model, schedule, device, { sampler: 'ddim', sampleSteps: 10, n: 257, rng: new E.Rng(9), engine });
    runs.push({ loss, weights, samples: (await x.toArray()) as Float32Array });
    x.dispose();
    for (const p of model.parameters()) p.dispose();
  }
  const [fused, eager] = runs;
  return [
    compareOutputs('fused vs eager engine, 4 training steps: epoch loss', fused.loss, eager.loss, 1e-5, 1e-4),
    compareOutputs(`fused vs eager engine, 4 training steps: ${eager.weights.length} parameters`, fused.weights, eager.weights, 2e-5, 1e-4),
    compareOutputs('fused vs eager engine, DDIM 10 steps: 257 points', fused.samples, eager.samples, 1e-4, 1e-3),
  ];
}
