// Matmul throughput of each available backend at the diffusion workload's shapes and a few
// square sizes: median GFLOP/s over repeated runs after a warm-up.
//
//   npm run bench            # full
//   npm run bench -- --quick

import * as E from '../engine/index.js';
import { tryWebGpu } from '../engine/webgpu/index.js';

interface Case {
  label: string;
  m: number;
  n: number;
  k: number;
  transA?: boolean;
  transB?: boolean;
}

const cases: Case[] = [
  { label: 'layer 1 fwd  [128,2]·[128,2]ᵀ', m: 128, n: 128, k: 2, transB: true },
  { label: 'hidden fwd   [128,128]·[128,128]ᵀ', m: 128, n: 128, k: 128, transB: true },
  { label: 'hidden dW    [128,128]ᵀ·[128,128]', m: 128, n: 128, k: 128, transA: true },
  { label: 'sampling fwd [10000,128]·[128,128]ᵀ', m: 10000, n: 128, k: 128, transB: true },
  { label: 'square 256³', m: 256, n: 256, k: 256 },
  { label: 'square 512³', m: 512, n: 512, k: 512 },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeCase(device: E.Backend, c: Case, repeats: number): Promise<number> {
  const rng = new E.Rng(0);
  const a = E.randn(c.transA ? [c.k, c.m] : [c.m, c.k], rng, { device });
  const b = E.randn(c.transB ? [c.n, c.k] : [c.k, c.n], rng, { device });
  // One sample: `inner` products recorded back to back, then one readback (which waits for the
  // device), so a GPU's per-submit latency is spread over several kernels.
  const inner = 5;
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
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push(await run());
  a.dispose();
  b.dispose();
  return (2 * c.m * c.n * c.k) / (median(times) / 1000) / 1e9;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const repeats = quick ? 3 : 9;
  const devices: E.Backend[] = [E.cpu];
  const { backend: gpu, reason } = await tryWebGpu();
  if (gpu) devices.push(gpu);
  for (const d of devices) console.log(`${d.name}: ${d.describe()}`);
  if (!gpu) console.log(`webgpu: not measured (${reason})`);
  console.log(`\nmatmul GFLOP/s, median of ${repeats} samples after a warm-up${gpu ? '; ratio = webgpu / cpu, same run' : ''}`);
  console.log(`${'shape'.padEnd(40)}${devices.map((d) => d.name.padStart(10)).join('')}${gpu ? '     ratio' : ''}`);
  for (const c of cases) {
    const rates: number[] = [];
    for (const d of devices) rates.push(await timeCase(d, c, repeats));
    const ratio = gpu ? `${(rates[1] / rates[0]).toFixed(2).padStart(9)}×` : '';
    console.log(`${c.label.padEnd(40)}${rates.map((r) => r.toFixed(3).padStart(10)).join('')}${ratio}`);
  }
  process.exit(0); // a WebGPU device would keep Node's event loop alive
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
