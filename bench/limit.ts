// The limit model, built from parts measured on the adapter: how long the workload would take if
// its arithmetic ran at the FLOP rate its own shapes reach and each of its dependent dispatches
// cost only what an empty dependent dispatch costs inside a replayed program:
//   limit = FLOPs / rate + dispatches × dependent dispatch
//   rate: GPU time (timestamps) of our matmul kernel at the step's shapes — [128,128]·[128,128]ᵀ
//         (the hidden layers' forward and input gradients) and [128,128]ᵀ·[128,128] (their weight
//         gradients) for training, [10000,128]·[128,128]ᵀ for sampling; without timestamps,
//         wall time of the same products recorded back to back (host time included: a weaker bound)
//   dependent dispatch: a 1-thread kernel that reads and writes the same word, replayed through
//         engine/webgpu/program.ts (as the fused engine is), 4 to a step, wall time per dispatch
// A step measured close to this has little left to gain from fusing or cutting host work; an
// engine measured faster than it shows the model's parts are not a floor (printed as such).
//   FLOPs of MLPDiffusion (widths 2 → H → H → H → 2) on B rows, forward: 2·B·(2H + 2H² + 2H);
//   a training step adds the backward pass (weight gradients: as much again; input gradients:
//   the same less the first layer's), so ≈ 3× the forward.

import * as E from '../engine/index.js';
import { KernelProfiler, profilingUnavailable, type WebGpuBackend } from '../engine/webgpu/index.js';
import { Program, storageBindings, uniformStruct } from '../engine/webgpu/internal.js';
import { median, type MatmulCase } from './matmul.js';

/** Multiply-adds ×2 of one forward pass of MLPDiffusion on `rows` rows. */
export function forwardFlops(rows: number, hidden = 128): number {
  return 2 * rows * (2 * hidden + 2 * hidden * hidden + 2 * hidden);
}

/** Forward, weight gradients and input gradients (the first layer needs none). */
export function trainStepFlops(batch = 128, hidden = 128): number {
  return 2 * forwardFlops(batch, hidden) + (forwardFlops(batch, hidden) - 2 * batch * 2 * hidden);
}

const DEPENDENT_WGSL = `
struct Consts { words: u32 }
struct Step { index: u32 }
@group(0) @binding(0) var<uniform> c: Consts;
@group(0) @binding(1) var<uniform> s: Step;
@group(0) @binding(2) var<storage, read_write> B: array<f32>;
// Each dispatch reads what the one before wrote: the driver must order them.
@compute @workgroup_size(1) fn bump() { B[0] = B[0] + 1.0; }
`;

/** Wall seconds per dispatch of an empty dependent kernel replayed through a Program, 4 a step. */
export async function dependentDispatchSeconds(gpu: WebGpuBackend, steps = 500): Promise<number> {
  const word = E.zeros([4], { device: gpu });
  const program = new Program(gpu, {
    label: 'dependent dispatch', code: DEPENDENT_WGSL,
    constants: uniformStruct('Consts', { words: 'u32' }), constantValues: { words: 4 },
    step: uniformStruct('Step', { index: 'u32' }),
    bindings: storageBindings(2, { B: 'read_write' }), storages: { B: word.storage }, kernels: { bump: [1, 1] },
  });
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    program.run(steps, ['bump', 'bump', 'bump', 'bump'], (i) => ({ index: i }));
    await gpu.sync();
    return (performance.now() - t0) / 1000 / (4 * steps);
  };
  await run();
  const times = [await run(), await run(), await run()];
  const counted = (await word.toArray())[0];
  program.destroy();
  word.dispose();
  if (counted !== 4 * 4 * steps) throw new Error(`dependent dispatch: the kernel counted ${counted}, expected ${4 * 4 * steps}`);
  return median(times);
}

export interface ShapeRate {
  gflops: number;
  /** 'gpu timestamps' or 'wall time (host included)'. */
  timedBy: string;
}

/** The FLOP rate our matmul kernel reaches at `cases` together (total FLOPs over total time). */
export async function shapeRate(gpu: WebGpuBackend, cases: readonly MatmulCase[], repeats = 20): Promise<ShapeRate> {
  const rng = new E.Rng(0);
  const operands = cases.map((c) => ({
    c, a: E.randn(c.transA ? [c.k, c.m] : [c.m, c.k], rng, { device: gpu }), b: E.randn(c.transB ? [c.n, c.k] : [c.k, c.n], rng, { device: gpu }),
  }));
  const flops = repeats * cases.reduce((s, c) => s + 2 * c.m * c.n * c.k, 0);
  const once = async (): Promise<void> => {
    for (let r = 0; r < repeats; r++) {
      for (const { c, a, b } of operands) E.matmul(a, b, { transA: c.transA, transB: c.transB }).dispose();
    }
    await gpu.sync();
  };
  await once(); // warm-up: pipelines, pooled buffers
  let result: ShapeRate;
  if (profilingUnavailable(gpu) === null) {
    const profiler = new KernelProfiler(gpu);
    gpu.recorder.setProfiler(profiler);
    try {
      await once();
    } finally {
      gpu.recorder.setProfiler(null);
    }
    const report = await profiler.read();
    profiler.destroy();
    const ns = [...report.kernels].filter(([name]) => name.startsWith('matmul')).reduce((s, [, k]) => s + k.nanoseconds, 0);
    result = { gflops: flops / ns, timedBy: 'gpu timestamps' };
  } else {
    const t0 = performance.now();
    await once();
    result = { gflops: flops / ((performance.now() - t0) * 1e6), timedBy: 'wall time (host included)' };
  }
  for (const { a, b } of operands) {
    a.dispose();
    b.dispose();
  }
  return result;
}

export interface LimitModel {
  seconds: number;
  computeSeconds: number;
  dispatchSeconds: number;
}

export function limitOf(flops: number, dispatches: number, gflops: number, dispatchSeconds: number): LimitModel {
  const computeSeconds = flops / (gflops * 1e9);
  const dispatchTotal = dispatches * dispatchSeconds;
  return { seconds: computeSeconds + dispatchTotal, computeSeconds, dispatchSeconds: dispatchTotal };
}
