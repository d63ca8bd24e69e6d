// The engine's internal entry: what its own tests, the benchmark and fused programs built on the
// engine (ddpm/fused/) use and users need not — the pieces of a fused optimizer step, the
// counter-based random bits. It is not in package.json's
// exports (test/project/package.test.ts checks that); users have engine/index.ts
// ('wgpu-diffusion') and engine/webgpu/index.ts ('wgpu-diffusion/webgpu').

export { adamBiasCorrection, type AdamHyper } from './backend.js';
export { checkLrSchedule, lrFactor } from './lr-schedule.js';
export { packedCopy, packedOffsets } from './packing.js';
export { permutationIndex, philox4x32, randomPermutation } from './random.js';
