// Access to the WebGPU backend for tests. With an adapter, returns it. Without one: under CI
// (CI=true) that is a failure — the GPU suites must run there; elsewhere the GPU tests are
// registered as skipped (uvu counts them) and a loud banner says why.

import { test } from 'uvu';
import { tryWebGpu } from '../engine/webgpu/device.js';
import type { WebGpuBackend } from '../engine/webgpu/backend.js';

let cached: Promise<{ backend: WebGpuBackend | null; reason: string }> | null = null;

export async function gpuForTests(): Promise<WebGpuBackend | null> {
  cached ??= tryWebGpu();
  const { backend, reason } = await cached;
  if (backend) return backend;
  if (process.env.CI === 'true') {
    test('WebGPU adapter is available (required under CI=true)', () => {
      throw new Error(reason);
    });
    return null;
  }
  const line = '!'.repeat(78);
  console.warn(`\n${line}\n!! GPU TESTS SKIPPED: ${reason}\n${line}\n`);
  return null;
}

/** test() when the GPU is there, test.skip() (counted as skipped) when it is not. */
export function gpuTest(gpu: WebGpuBackend | null): typeof test | typeof test.skip {
  return gpu ? test : test.skip;
}
