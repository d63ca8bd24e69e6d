// GPU-vs-CPU parity, run inside the page: a few kernels on this browser's WebGPU adapter against
// the CPU reference backend, on the same inputs, at awkward shapes (primes, not a tile
// multiple). Rule per output: |gpu − cpu| ≤ atol + rtol·|cpu|, with atol growing with the number
// of terms summed (the GPU accumulates in float32, the CPU in float64), as in test/parity.test.ts.

import * as E from '../engine/index.js';
import type { CheckResult } from './protocol.js';

const RTOL = 1e-5;
/** The absolute tolerance for a sum of k terms of unit size. */
const atolFor = (k: number): number => 2e-6 * k + 1e-6;

export function compareOutputs(name: string, gpu: Float32Array, cpu: Float32Array, atol: number, rtol = RTOL): CheckResult {
  if (gpu.length !== cpu.length) throw new Error(`${name}: the GPU gave ${gpu.length} values, the CPU ${cpu.length}`);
  let maxError = 0;
  let ok = true;
  for (let i = 0; i < cpu.length; i++) {
    const err = Math.abs(gpu[i] - cpu[i]);
    if (!(err <= atol + rtol * Math.abs(cpu[i]))) ok = false; // NaN fails too
    if (!(err <= maxError)) maxError = err;
  }
  const rule = atol > 0 ? `≤ ${atol.toExponential(1)} + ${rtol.toExponential(0)}·|cpu|` : `≤ ${rtol.toExponential(0)}·|cpu|`;
  return { name, maxError, rule, ok, elements: cpu.length };
}

type Outputs = Record<string, Float32Array>;

/** Runs `make` on both devices and compares every output it returns. */
async function onBoth(gpu: E.Backend, make: (device: E.Backend) => Record<string, E.Tensor>, atol: Record<string, number>, label: string): Promise<CheckResult[]> {
  const read = async (device: E.Backend): Promise<Outputs> => {
    const tensors = E.tidy(() => make(device)); // frees the inputs and intermediates
    const out: Outputs = {};
    for (const [key, t] of Object.entries(tensors)) out[key] = (await t.toArray()) as Float32Array;
    for (const t of Object.values(tensors)) t.dispose();
    return out;
  };
  const [g, c] = [await read(gpu), await read(E.cpu)];
  return Object.keys(c).map((key) => compareOutputs(`${label}: ${key}`, g[key], c[key], atol[key]));
}

/** Linear + bias + ReLU fused, forward and backward; a column sum; an embedding with repeated rows. */
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

  return [...linearCase, ...sumCase, ...embeddingCase];
}
