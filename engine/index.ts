// The engine's public API: tensors, ops, autograd, layers, optimisers, random numbers, devices.

export type { AdamHyper, Backend, Conv2dPlan, DType, HostArray, MemoryInfo, Storage } from './backend.js';
export { adamBiasCorrection } from './backend.js';
export { cpu, CpuBackend } from './cpu/backend.js';
export { defaultDevice, setDefaultDevice } from './device.js';
export { Tensor, type IntRange } from './tensor.js';
export { tensor, full, zeros, ones, randn, rand, randint, type CreateOptions } from './creation.js';
export { backward, noGrad, isGradEnabled } from './autograd.js';
export { tidy, keep } from './scope.js';
export { EngineError } from './errors.js';
export { add, sub, mul, div, neg, square, sqrt, relu, exp, silu, clamp } from './ops/elementwise.js';
export { sum, expand } from './ops/reduce.js';
export { mean } from './ops/mean.js';
export { concat, permute, reshape } from './ops/shape.js';
export { upsample2x } from './ops/resample.js';
export { groupNorm, type GroupNormOptions } from './ops/norm.js';
export { conv2d, im2col, type Conv2dOptions } from './ops/conv.js';
export { matmul, linear, type MatmulOptions, type LinearEpilogue } from './ops/matmul.js';
export { embedding } from './ops/embedding.js';
export { mseLoss, crossEntropy } from './ops/loss.js';
export { logSoftmax } from './ops/softmax.js';
export { Module, Linear, Conv2d, GroupNorm, Embedding, ReLU, type TensorData } from './nn.js';
export { Adam, AdamSnapshot, clipGradNorm, type AdamOptions, type AdamSlot } from './optim.js';
export { CONSTANT_LR, checkLrSchedule, lrFactor, type LrSchedule } from './lr-schedule.js';
export { WeightAverage, type WeightAverageOptions, type WeightAverageState } from './weight-average.js';
export { packedCopy, packedOffsets, packParameters, PackedParameters } from './packing.js';
export { Pacer } from './pacer.js';
export { Rng, philox4x32, permutationIndex, randomPermutation } from './random.js';
