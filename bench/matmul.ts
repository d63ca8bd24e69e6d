// Matmul throughput: GFLOP/s of one backend at the diffusion workload's shapes and at square
// sizes, the median over repeated samples after a warm-up. Used by `ddpm bench`.

import * as E from '../engine/index.js';

export interface MatmulCase {
  label: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

export const MATMUL_CASES: readonly MatmulCase[] = [
  { label: 'layer 1 fwd [128,2]·[128,2]ᵀ', m: 128, n: 128, k: 2, transB: true },
  { label: 'hidden fwd [128,128]·[128,128]ᵀ', m: 128, n: 128, k: 128, transB: true },
  { label: 'hidden dW [128,128]ᵀ·[128,128]', m: 128, n: 128, k: 128, transA: true },
  { label: 'sampling fwd [10000,128]·[128,128]ᵀ', m: 10000, n: 128, k: 128, transB: true },
  { label: 'square 128³', m: 128, n: 128, k: 128 },
  { label: 'square 512³', m: 512, n: 512, k: 512 },
  { label: 'square 1024³', m: 1024, n: 1024, k: 1024 },
  { label: 'square 4096³', m: 4096, n: 4096, k: 4096 },
];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** 2·m·n·k / time, in GFLOP/s. One sample records `inner` products back to back, then reads once. */
export async function measureMatmul(device: E.Backend, c: MatmulCase, repeats: number): Promise<number> {
  const rng = new E.Rng(0);
  const a = E.randn(c.transA ? [c.k, c.m] : [c.m, c.k], rng, { device });
  const b = E.randn(c.transB ? [c.n, c.k] : [c.k, c.n], rng, { device });
  const inner = c.m * c.n * c.k > 1e9 ? 1 : 5;
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    let out = E.matmul(a, b, { transA: c.transA, transB: c.transB });
    for (let i = 1; i < inner; i++) {
      out.dispose();
      out = E.matmul(a, b, { transA: c.transA, transB: c.transB });
    }
    await out.toArray();
    const ms = (performance.now() - t0) / inner;
    out.dispose();
    return ms;
  };
  await run(); // warm-up: pipelines, buffers
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await run());
  a.dispose();
  b.dispose();
  return (2 * c.m * c.n * c.k) / (median(times) / 1000) / 1e9;
}
