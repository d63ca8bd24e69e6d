// Choosing a device: 'cpu', 'webgpu', or 'auto' (WebGPU when an adapter exists, else the CPU).

import type { Backend } from '../backend.js';
import { cpu } from '../cpu/backend.js';
import { requestWebGpu, tryWebGpu } from './device.js';

export type DeviceChoice = 'auto' | 'cpu' | 'webgpu';

export { DAWN_OPTIONS, requestWebGpu, tryWebGpu } from './device.js';
export { isCpuDriver, WebGpuBackend } from './backend.js';
export { CPU_DRIVER_KERNEL, DEFAULT_GPU_KERNEL, MATMUL_KERNELS, matmulKernel, MatmulTuner, shapeClass, type MatmulKernel } from './matmul-kernels.js';
export { Program, type ProgramSpec } from './program.js';
/** The Philox-4x32-10 WGSL functions the engine's random kernels use, for a Program's code. */
export { default as philoxWgsl } from '../../shaders/philox.wgsl.js';
export { KernelProfiler, profilingUnavailable, type KernelTime, type ProfileReport } from './profiler.js';
export { checkUniformStruct, uniformBlock, uniformStruct, wgslStructFields, writeUniform, type ScalarType, type StructFields, type UniformStruct,
  type UniformValues } from './uniforms.js';
export { bindStorages, checkStorageBindings, storageBindings, wgslStorageBindings, type Access, type BoundStorage, type StorageBindings,
  type StorageName } from './bindings.js';
export { checkOpCodes, opCodeName, opCodes, wgslConstants, type OpCodes } from './op-codes.js';

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
