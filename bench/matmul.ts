// Matmul throughput: GFLOP/s of one backend at the diffusion workload's shapes and at square
// sizes, the median over repeated samples after a warm-up. Used by `ddpm bench`. On WebGPU the
// warm-up also lets the matmul tuner time its kernels for the shape (engine/webgpu/
// matmul-kernels.ts) before the timed samples, and the kernel it chose is reported.

import * as E from '../engine/index.js';
import { WebGpuBackend } from '../engine/webgpu/index.js';
import type { MatmulKernel } from '../engine/webgpu/internal.js';

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
  { label: 'square 2048³', m: 2048, n: 2048, k: 2048 },
  { label: 'square 4096³', m: 4096, n: 4096, k: 4096 },
  { label: 'square 8192³', m: 8192, n: 8192, k: 8192 },
];

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** A product a column has recorded: freed after, read to wait for it. */
export interface RecordedProduct {
  dispose(): void;
  read(): Promise<unknown>;
}

/**
 * The timing every column of the matmul table shares: 2·m·n·k / time in GFLOP/s, the median of
 * `repeats` samples after a warm-up (`afterWarmUp` then runs), a sample `inner` products
 * recorded back to back (one above 10⁹ multiply-adds) and one readback.
 */
export async function matmulRate(c: MatmulCase, repeats: number, product: () => RecordedProduct,
  afterWarmUp?: () => Promise<void>): Promise<number> {
  const inner = c.m * c.n * c.k > 1e9 ? 1 : 5;
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    let out = product();
    for (let i = 1; i < inner; i++) {
      out.dispose();
      out = product();
    }
    await out.read();
    const ms = (performance.now() - t0) / inner;
    out.dispose();
    return ms;
  };
  await run(); // warm-up: pipelines, buffers
  await afterWarmUp?.();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await run());
  return (2 * c.m * c.n * c.k) / (median(times) / 1000) / 1e9;
}

/**
 * Our matmul at a case on one backend (matmulRate), and the WebGPU kernel that ran (null on the
 * CPU); on WebGPU the tuner's timings for the shape settle after the warm-up.
 */
export async function measureMatmul(device: E.Backend, c: MatmulCase, repeats: number): Promise<{ gflops: number; kernel: string | null }> {
  const rng = new E.Rng(0);
  const a = E.randn(c.transA ? [c.k, c.m] : [c.m, c.k], rng, { device });
  const b = E.randn(c.transB ? [c.n, c.k] : [c.k, c.n], rng, { device });
  const tuner = device instanceof WebGpuBackend ? device.matmulTuner : null;
  const gflops = await matmulRate(c, repeats, () => {
    const out = E.matmul(a, b, { transA: c.transA, transB: c.transB });
    return { dispose: () => out.dispose(), read: () => out.toArray() };
  }, tuner ? () => tuner.settled() : undefined);
  a.dispose();
  b.dispose();
  const kernel = tuner ? tuner.choose({ m: c.m, n: c.n, k: c.k, transA: c.transA ?? false, transB: c.transB ?? false }).name : null;
  return { gflops, kernel };
}

/** The matmul table: GFLOP/s by column ('webgpu', 'cpu', 'webgpu <kernel>') and shape, and the tuner's kernel per shape. */
export interface MatmulTable {
  gflops: Record<string, Record<string, number>>;
  /** The kernel the WebGPU backend chose for each shape. */
  kernels: Record<string, string>;
  /** Peers whose timing failed, and why. */
  failed: Record<string, string>;
}

/**
 * Products this small are always timed: their rate is bound by launch and readback (one slow
 * sample of a 65 kFLOP product reads as 0.01 GFLOP/s), so it cannot rule out the next case. At
 * 10⁷ FLOP even the CPU reference (~0.3 GFLOP/s) takes ~30 ms a product.
 */
export const ALWAYS_TIMED_FLOP = 1e7;

/**
 * Every case on each backend, smallest first; a case above ALWAYS_TIMED_FLOP whose estimated
 * time (its FLOPs at the best rate seen so far on that column) exceeds `maxSeconds` per product
 * is left out, so a slow backend stops where a sample would take minutes. With `eachKernel`, the WebGPU backend also
 * runs every matmul kernel forced in turn, a column each; `peers` are more columns (a peer's
 * matmul at a case, in GFLOP/s), `wholePeers` columns timed all at once (a Python peer, which
 * applies the same rule itself). The Python peers run first, before our GPU work. `onCell` hears
 * of each cell as it starts (gflops null) and as it is measured.
 */
export async function measureMatmulTable(backends: readonly E.Backend[], options: { repeats: number; maxSeconds: number;
  eachKernel: boolean; signal: AbortSignal; peers?: readonly MatmulPeer[]; wholePeers?: readonly WholeMatmulPeer[];
  onCell?: (column: string, c: MatmulCase, gflops: number | null) => void }): Promise<MatmulTable> {
  const table: MatmulTable = { gflops: {}, kernels: {}, failed: {} };
  const ours = (backend: E.Backend, kernel: MatmulKernel | null): MatmulPeer['measure'] => async (c) => {
    if (!(backend instanceof WebGpuBackend)) return (await measureMatmul(backend, c, options.repeats)).gflops;
    backend.matmulTuner.forced = kernel;
    try {
      const r = await measureMatmul(backend, c, options.repeats);
      if (r.kernel !== null && kernel === null) table.kernels[c.label] = r.kernel;
      return r.gflops;
    } finally {
      backend.matmulTuner.forced = null;
    }
  };
  const columns: MatmulPeer[] = [
    ...backends.flatMap((backend) => [
      { name: backend.name, measure: ours(backend, null) },
      ...(options.eachKernel && backend instanceof WebGpuBackend
        ? backend.matmulTuner.kernels.map((kernel) => ({ name: `${backend.name} ${kernel.name}`, measure: ours(backend, kernel) })) : []),
    ]),
    ...(options.peers ?? []),
  ];
  for (const peer of options.wholePeers ?? []) {
    if (options.signal.aborted) return table;
    try {
      table.gflops[peer.name] = await peer.measureAll(MATMUL_CASES);
    } catch (e) {
      if (options.signal.aborted) return table;
      table.failed[peer.name] = e instanceof Error ? e.message : String(e);
    }
  }
  for (const { name, measure } of columns) {
    const column: Record<string, number> = {};
    table.gflops[name] = column;
    let best = 0;
    for (const c of MATMUL_CASES) {
      if (options.signal.aborted) return table;
      const flop = 2 * c.m * c.n * c.k;
      if (flop > ALWAYS_TIMED_FLOP && best > 0 && flop / (best * 1e9) > options.maxSeconds) continue;
      options.onCell?.(name, c, null);
      column[c.label] = await measure(c);
      options.onCell?.(name, c, column[c.label]);
      best = Math.max(best, column[c.label]);
    }
  }
  return table;
}

/** A column of the matmul table: its name and how it times a case (GFLOP/s). */
export interface MatmulPeer {
  name: string;
  measure: (c: MatmulCase) => Promise<number>;
}

/** A column timed by a peer over every case at once (one Python process): GFLOP/s by label. */
export interface WholeMatmulPeer {
  name: string;
  measureAll: (cases: readonly MatmulCase[]) => Promise<Record<string, number>>;
}
