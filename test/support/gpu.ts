// Access to the WebGPU backend for tests. With an adapter, returns it. Without one: under CI
// (CI=true) that is a failure — the GPU suites must run there; elsewhere the GPU tests are
// registered as skipped (uvu counts them) and a loud banner says why (support/optional.ts).

import type { test } from 'uvu';
import { tryWebGpu } from '../../engine/webgpu/device.js';
import type { WebGpuBackend } from '../../engine/webgpu/backend.js';
import { needs } from './optional.js';

let cached: Promise<{ backend: WebGpuBackend | null; reason: string }> | null = null;

export async function gpuForTests(): Promise<WebGpuBackend | null> {
  cached ??= tryWebGpu();
  const { backend, reason } = await cached;
  if (!backend) needs('GPU', reason);
  return backend;
}

/** test() when the GPU is there, test.skip() (counted as skipped) when it is not. */
export function gpuTest(gpu: WebGpuBackend | null): typeof test | typeof test.skip {
  return needs('GPU', gpu ? null : 'no WebGPU adapter');
}
