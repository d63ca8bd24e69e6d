// 2-D convolution (NCHW, as torch.nn.functional.conv2d with groups = 1), made of three ops the
// engine has: the input's windows copied into rows (im2col), one matmul with the weight, and a
// permute back to channels-first. im2col on the matmul kernels, rather than a direct or an
// implicit-GEMM kernel: the product — all the arithmetic — runs on the tuned matmul (and its
// fused bias epilogue) as it is, and the backward needs no new kernel but im2col's adjoint:
//   cols = im2col(x)                       [B·OH·OW, C·KH·KW]
//   y2   = cols · W2ᵀ + b                  [B·OH·OW, O]        W2 = W viewed [O, C·KH·KW]
//   y    = permute(y2 as [B, OH·OW, O])    [B, O, OH, OW]
// ∂L/∂x = col2im(∂L/∂cols), ∂L/∂W and ∂L/∂b come from the matmul's rule (engine/ops/matmul.ts).
// The price is the cols buffer: KH·KW times the input (9× for 3 × 3).

import { record } from '../autograd.js';
import type { Conv2dPlan } from '../backend.js';
import { describe, expectFloat, expectSameDevice, fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { linear } from './matmul.js';
import { permute, reshape } from './shape.js';

export interface Conv2dOptions {
  /** The window's step, the same along both axes (default 1). */
  stride?: number;
  /** Zeros added on every side (default 0). */
  padding?: number;
}

/** The plan of a convolution of x [B, C, H, W] by a KH × KW window, checked. */
function conv2dPlan(op: string, x: Tensor, kernelH: number, kernelW: number, options: Conv2dOptions): Conv2dPlan {
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
  return { batch, channels, height, width, kernelH, kernelW, stride, padding, outH, outW };
}

// x: [B, C, H, W] → [B·OH·OW, C·KH·KW]; row (b, oh, ow) holds the window at (oh·S − P, ow·S − P), zeros outside x
export function im2col(x: Tensor, kernelH: number, kernelW: number, options: Conv2dOptions = {}): Tensor {
  expectFloat('im2col', x, 'x');
  for (const [name, k] of [['kernelH', kernelH], ['kernelW', kernelW]] as const) {
    if (!Number.isInteger(k) || k < 1) fail('im2col', `${name} must be a positive integer, got ${k}`);
  }
  const plan = conv2dPlan('im2col', x, kernelH, kernelW, options);
  const { batch, channels, outH, outW } = plan;
  const out = new Tensor(x.device.im2col(x.storage, plan), [batch * outH * outW, channels * kernelH * kernelW]);
  return record(out, 'im2col', [x], (g) => [new Tensor(x.device.col2im(g.storage, plan), x.shape)]);
}

// x: [B, C, H, W], weight: [O, C, KH, KW], bias: [O] → [B, O, OH, OW]
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
  const plan = conv2dPlan('conv2d', x, kernelH, kernelW, options);
  const { batch, outH, outW } = plan;
  const cols = im2col(x, kernelH, kernelW, options);
  const rows = linear(cols, reshape(weight, [outChannels, inChannels * kernelH * kernelW]), bias); // [B·OH·OW, O]
  return reshape(permute(reshape(rows, [batch, outH * outW, outChannels]), [0, 2, 1]), [batch, outChannels, outH, outW]);
}
