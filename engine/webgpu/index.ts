// The WebGPU backend's public API ('wgpu-diffusion/webgpu'): choosing a device — 'cpu', 'webgpu',
// or 'auto' (WebGPU when an adapter exists, else the CPU) — the backend itself, and timing kernels
// on the GPU. What the engine's tests, the benchmark and fused programs use besides is internal.ts.

import type { Backend } from '../backend.js';
import { cpu } from '../cpu/backend.js';
import { requestWebGpu, tryWebGpu } from './device.js';

/**
 * Which device selectDevice gives: the CPU reference, WebGPU (an error when no adapter exists), or
 * 'auto' (WebGPU when an adapter exists, else the CPU).
 */
export type DeviceChoice = 'auto' | 'cpu' | 'webgpu';

export { DAWN_OPTIONS, requestWebGpu, tryWebGpu } from './device.js';
export { isCpuDriver, WebGpuBackend } from './backend.js';
export { KernelProfiler, profilingUnavailable, type KernelTime, type ProfileReport } from './profiler.js';

/**
 * The backend for a choice, and a line saying what was chosen and why; with 'auto' and no
 * adapter, `fallbackReason` says why WebGPU was not taken.
 */
export async function selectDevice(choice: DeviceChoice): Promise<{ device: Backend; note: string; fallbackReason?: string }> {
  if (choice === 'cpu') return { device: cpu, note: `device: ${cpu.describe()}` };
  if (choice === 'webgpu') {
    const device = await requestWebGpu();
    return { device, note: `device: ${device.describe()}` };
  }
  const { backend, reason } = await tryWebGpu();
  if (backend) return { device: backend, note: `device (auto): ${backend.describe()}` };
  return { device: cpu, note: `device (auto): ${cpu.describe()} — no WebGPU: ${reason}`, fallbackReason: reason };
}
