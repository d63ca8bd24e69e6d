// Which engine a device gets: fused (ddpm/fused/: a training step in 3–4 compiled kernels, a
// run of reverse steps in 1) on WebGPU, eager (one kernel per op, engine/) elsewhere.

import type * as E from '../../engine/index.js';
import { WebGpuBackend } from '../../engine/webgpu/index.js';
import type { EngineName } from '../runner.js';

export { ENGINE_NAMES, type EngineName } from '../runner.js';

/**
 * The engine a device gets unless told otherwise: fused on WebGPU, eager elsewhere — and on
 * SwiftShader (Chromium's software adapter), whose workgroup barriers are costly: there the eager
 * engine trained 19.7 steps/s against the fused one's 10.5 and sampled 1 000 points × 100 steps in
 * 12.5 s against 22.7 s (headless Chromium 156 on 2 cores).
 */
export function defaultEngine(device: E.Backend): EngineName {
  if (!(device instanceof WebGpuBackend)) return 'eager';
  return device.adapter.architecture === 'swiftshader' ? 'eager' : 'fused';
}

/** The WebGPU backend the fused engine needs, or a clear error. */
export function fusedBackend(device: E.Backend, what: string): WebGpuBackend {
  if (!(device instanceof WebGpuBackend)) {
    throw new Error(`${what}: the fused engine runs on WebGPU only (device '${device.name}'); use the eager engine`);
  }
  return device;
}
