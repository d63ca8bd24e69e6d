// 2-D convolution (NCHW, as torch.nn.functional.conv2d with groups = 1): one kernel forward and
// one per gradient, each an implicit GEMM that reads the image where it lies (shaders/conv.wgsl,
// conv-tiled.wgsl on GPUs, conv-subgroup.wgsl on CPU drivers with subgroups of 8; the CPU twin, engine/cpu/conv.ts, sums the definitions):
//   y   = conv2d(x, W) + b               [B, O, OH, OW]
//   ∂L/∂x = conv2dInputGrad(∂L/∂y, W)    [B, C, H, W]     (computed only when x needs it)
//   ∂L/∂W = conv2dWeightGrad(∂L/∂y, x)   [O, C, KH, KW]
//   ∂L/∂b = Σ_{b,oh,ow} ∂L/∂y            [O]
// No rows buffer: an im2col lowering would copy the input KH·KW times (9× for 3 × 3) for every
// convolution, forward and backward.

import { record } from '../autograd.js';
import type { Conv2dPlan } from '../backend.js';
import { describe, expectFloat, expectSameDevice, fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { sum } from './reduce.js';
import { reshape } from './shape.js';

/** conv2d's stride and zero padding, the same along both axes. */
export interface Conv2dOptions {
  /** The window's step, the same along both axes (default 1). */
  stride?: number;
  /** Zeros added on every side (default 0). */
  padding?: number;
}

/** The plan of a convolution of x [B, C, H, W] by O windows of KH × KW, checked. */
function conv2dPlan(op: string, x: Tensor, outChannels: number, kernelH: number, kernelW: number, options: Conv2dOptions): Conv2dPlan {
  const stride = options.stride ?? 1, padding = options.padding ?? 0;
  if (!Number.isInteger(stride) || stride < 1) fail(op, `stride must be a positive integer, got ${stride}`);
  if (!Number.isInteger(padding) || padding < 0) fail(op, `padding must be a non-negative integer, got ${padding}`);
  if (x.rank !== 4) fail(op, `expected an input [B, C, H, W], got ${describe(x, 'x')}`);
  const [batch, channels, height, width] = x.shape;
  const outH = Math.floor((height + 2 * padding - kernelH) / stride) + 1;
  const outW = Math.floor((width + 2 * padding - kernelW) / stride) + 1;
  if (outH < 1 || outW < 1) {
    fail(op, `a ${kernelH}×${kernelW} window does not fit in ${describe(x, 'x')} with padding ${padding}`);
  }
  return { batch, channels, height, width, outChannels, kernelH, kernelW, stride, padding, outH, outW };
}

/**
 * A 2-D convolution (cross-correlation, as torch.nn.functional.conv2d), NCHW, with its gradients;
 * OH = ⌊(H + 2·padding − KH) / stride⌋ + 1, OW alike. Throws an EngineError when the shapes do not
 * fit or the tensors are on different devices.
 * x: [B, C, H, W], weight: [O, C, KH, KW], bias: [O] → [B, O, OH, OW]
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor, options: Conv2dOptions = {}): Tensor {
  expectFloat('conv2d', x, 'x');
  expectFloat('conv2d', weight, 'weight');
  expectSameDevice('conv2d', bias ? { x, weight, bias } : { x, weight });
  if (weight.rank !== 4) fail('conv2d', `expected a weight [O, C, KH, KW], got ${describe(weight, 'weight')}`);
  const [outChannels, inChannels, kernelH, kernelW] = weight.shape;
  if (x.rank === 4 && x.shape[1] !== inChannels) {
    fail('conv2d', `${describe(x, 'x')} has ${x.shape[1]} channels but ${describe(weight, 'weight')} takes ${inChannels}`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outChannels)) {
    fail('conv2d', `expected a bias [${outChannels}] for ${describe(weight, 'weight')}, got ${describe(bias, 'bias')}`);
  }
  const plan = conv2dPlan('conv2d', x, outChannels, kernelH, kernelW, options);
  const { batch, outH, outW } = plan;
  const device = x.device;
  const out = new Tensor(device.conv2d(x.storage, weight.storage, bias ? bias.storage : null, plan), [batch, outChannels, outH, outW]);
  return record(out, 'conv2d', bias ? [x, weight, bias] : [x, weight], (g) => [
    x.requiresGrad ? new Tensor(device.conv2dInputGrad(g.storage, weight.storage, plan), x.shape) : null,
    weight.requiresGrad ? new Tensor(device.conv2dWeightGrad(g.storage, x.storage, plan), weight.shape) : null,
    ...(bias ? [bias.requiresGrad ? sum(sum(reshape(g, [batch, outChannels, outH * outW]), 2), 0) : null] : []),
  ]);
}
