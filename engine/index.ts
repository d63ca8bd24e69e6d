// The engine's public API ('wgpu-diffusion'): tensors, ops, autograd, layers, optimisers (Adam, AdamW, SGD), random
// numbers, devices. What the engine's tests, the benchmark and fused programs use besides is
// internal.ts.

export type {
  ArgOp, AxisIndexPlan, Backend, Conv2dPlan, DType, GroupNormGrads, GroupNormOperands, GroupNormPlan, HostArray, MemoryInfo, Storage,
} from './backend.js';
export { cpu, CpuBackend } from './cpu/backend.js';
export { defaultDevice, setDefaultDevice } from './device.js';
export { Tensor, type IntRange } from './tensor.js';
import './tensor-methods.js'; // x.add(y).relu() …: the ops as Tensor methods, PyTorch's names
export { tensor, full, zeros, ones, randn, rand, randint, type CreateOptions } from './creation.js';
export { backward, noGrad, isGradEnabled } from './autograd.js';
export { tidy, keep } from './scope.js';
export { memory, type DeviceMemory, type Memory } from './memory.js';
export { EngineError } from './errors.js';
export {
  add, sub, mul, div, neg, square, sqrt, relu, exp, silu, clamp, log, abs, sigmoid, tanh, sin, cos, pow,
  eq, ne, lt, le, gt, ge, where,
} from './ops/elementwise.js';
export { sum, expand } from './ops/reduce.js';
export { mean } from './ops/mean.js';
export { concat, permute, reshape } from './ops/shape.js';
export { gather, indexSelect, narrow, slice, stack } from './ops/indexing.js';
export { max, min, argmax, argmin, type ValuesAndIndices } from './ops/extrema.js';
export { upsample2x } from './ops/resample.js';
export { groupNorm, type GroupNormOptions } from './ops/norm.js';
export { conv2d, type Conv2dOptions } from './ops/conv.js';
export { matmul, bmm, linear, type MatmulOptions, type LinearEpilogue } from './ops/matmul.js';
export { embedding } from './ops/embedding.js';
export { mseLoss, crossEntropy } from './ops/loss.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { attention } from './ops/attention.js';
export { Module, Linear, Conv2d, GroupNorm, Embedding, ReLU, SiLU, Sequential, type Layer, type TensorData } from './nn.js';
export { Adam, AdamW, AdamSnapshot, clipGradNorm, type AdamOptions, type AdamSlot } from './optim.js';
export { SGD, type SgdOptions, type SgdSlot } from './sgd.js';
export { CONSTANT_LR, type LrSchedule } from './lr-schedule.js';
export { WeightAverage, type WeightAverageOptions, type WeightAverageState } from './weight-average.js';
export { packParameters, PackedParameters } from './packing.js';
export { Pacer } from './pacer.js';
export { Rng } from './random.js';
