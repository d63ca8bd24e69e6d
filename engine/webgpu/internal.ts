// The WebGPU backend's internal entry: what the engine's tests, the benchmark and fused programs
// built on the engine (ddpm/fused/) use and users need not — the matmul kernels and their tuner,
// Program (a WGSL module's kernels run from a host loop), and the declarations of a kernel's
// contract with its WGSL (uniform structs, storage bindings, op codes, all by name). Not in
// package.json's exports; users have engine/webgpu/index.ts ('wgpu-diffusion/webgpu').

export { cpuDriverKernel, DEFAULT_GPU_KERNEL, MATMUL_KERNELS, matmulKernel, matmulKernelsFor, MatmulTuner, shapeClass, type MatmulKernel, type MatmulShape } from './matmul-kernels.js';
export { Program, type ProgramSpec } from './program.js';
/** The Philox-4x32-10 WGSL functions the engine's random kernels use, for a Program's code. */
export { default as philoxWgsl } from '../../shaders/philox.wgsl.js';
export { checkUniformStruct, uniformBlock, uniformStruct, wgslStructFields, writeUniform, type ScalarType, type StructFields, type UniformStruct,
  type UniformValues } from './uniforms.js';
export { bindStorages, checkStorageBindings, storageBindings, wgslStorageBindings, type Access, type BoundStorage, type StorageBindings,
  type StorageName } from './bindings.js';
export { checkOpCodes, opCodeName, opCodes, wgslConstants, type OpCodes } from './op-codes.js';
