// The limit model: how long the workload's arithmetic and dispatches would take if every matmul
// ran at the best rate measured on the adapter and every dispatch cost what an empty one does.
// A step measured within a small factor of this has little left to gain from fusing kernels or
// cutting host work; far from it, the kernels or the host are the problem.
//   FLOPs of MLPDiffusion (widths 2 → H → H → H → 2) on B rows, forward: 2·B·(2H + 2H² + 2H);
//   a training step adds the backward pass (weight gradients: as much again; input gradients:
//   the same less the first layer's), so ≈ 3× the forward.

import * as E from '../engine/index.js';
import type { WebGpuBackend } from '../engine/webgpu/index.js';
import { median } from './matmul.js';

/** Multiply-adds ×2 of one forward pass of MLPDiffusion on `rows` rows. */
export function forwardFlops(rows: number, hidden = 128): number {
  return 2 * rows * (2 * hidden + 2 * hidden * hidden + 2 * hidden);
}

/** Forward, weight gradients and input gradients (the first layer needs none). */
export function trainStepFlops(batch = 128, hidden = 128): number {
  return 2 * forwardFlops(batch, hidden) + (forwardFlops(batch, hidden) - 2 * batch * 2 * hidden);
}

/** Seconds per dispatch of a kernel with almost nothing to do (4 elements), recorded back to back. */
export async function emptyDispatchSeconds(device: WebGpuBackend, count = 400): Promise<number> {
  const x = E.zeros([4], { device });
  const run = async (): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) device.release(device.scalar('mul', x.storage, 1));
    await device.sync();
    return (performance.now() - t0) / 1000 / count;
  };
  await run();
  const times = [await run(), await run(), await run()];
  x.dispose();
  return median(times);
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
