// Tensor methods with PyTorch's names: `x.matmul(w).add(b).relu()` where the free functions read
// `E.relu(E.add(E.matmul(x, w), b))`. Each method is the free function of the same name with the
// tensor as its first argument — same checks, same gradient, same kernel. They are attached to
// Tensor's prototype here, and declared on it by the interface merged below, rather than written
// in tensor.ts: the ops import tensor.ts, and tensor.ts importing them back would add loops to
// the one the engine has (tensor ⇄ autograd). engine/index.ts imports this file, so every program
// that imports the engine has the methods.

import { attention } from './ops/attention.js';
import { conv2d, type Conv2dOptions } from './ops/conv.js';
import { add, clamp, div, exp, mul, neg, relu, silu, sqrt, square, sub, type Operand } from './ops/elementwise.js';
import { embedding } from './ops/embedding.js';
import { crossEntropy, mseLoss } from './ops/loss.js';
import { bmm, linear, matmul, type LinearEpilogue, type MatmulOptions } from './ops/matmul.js';
import { mean } from './ops/mean.js';
import { groupNorm, type GroupNormOptions } from './ops/norm.js';
import { expand, sum } from './ops/reduce.js';
import { upsample2x } from './ops/resample.js';
import { permute, reshape } from './ops/shape.js';
import { logSoftmax } from './ops/softmax.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    add(other: Operand): Tensor;
    sub(other: Operand): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    neg(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    relu(): Tensor;
    exp(): Tensor;
    silu(): Tensor;
    clamp(bounds: { min?: number; max?: number }): Tensor;
    /** Σ over every element, or over `dim` (removed, or kept as 1 with keepdim). */
    sum(dim?: number, keepdim?: boolean): Tensor;
    mean(dim?: number, keepdim?: boolean): Tensor;
    expand(shape: readonly number[]): Tensor;
    reshape(shape: readonly number[]): Tensor;
    permute(dims: readonly number[]): Tensor;
    /** dim0 and dim1 swapped: a permute. */
    transpose(dim0: number, dim1: number): Tensor;
    matmul(other: Tensor, options?: MatmulOptions): Tensor;
    bmm(other: Tensor, options?: MatmulOptions): Tensor;
    /** this·weightᵀ + bias (this [B, in], weight [out, in]), as torch.nn.functional.linear. */
    linear(weight: Tensor, bias?: Tensor, epilogue?: LinearEpilogue): Tensor;
    /** Rows of `weight` picked by this int32 tensor of indices, as torch.nn.functional.embedding(this, weight). */
    embedding(weight: Tensor): Tensor;
    logSoftmax(): Tensor;
    mseLoss(target: Tensor): Tensor;
    /** These logits [B, C] against int32 labels [B]. */
    crossEntropy(labels: Tensor): Tensor;
    conv2d(weight: Tensor, bias?: Tensor, options?: Conv2dOptions): Tensor;
    groupNorm(groups: number, weight?: Tensor | null, bias?: Tensor | null, options?: GroupNormOptions): Tensor;
    upsample2x(): Tensor;
    /** softmax(this·kᵀ·scale)·v over each sequence of a stack: this is q. */
    attention(k: Tensor, v: Tensor, options?: { scale?: number }): Tensor;
  }
}

/** The transposition of two axes as a permutation (negative axes count from the end). */
function swapped(rank: number, dim0: number, dim1: number): number[] {
  const dims = Array.from({ length: rank }, (_, i) => i);
  const [a, b] = [dim0 < 0 ? dim0 + rank : dim0, dim1 < 0 ? dim1 + rank : dim1];
  [dims[a], dims[b]] = [dims[b], dims[a]];
  return dims;
}

const methods: ThisType<Tensor> & Partial<Record<keyof Tensor, unknown>> = {
  add(other: Operand) { return add(this, other); },
  sub(other: Operand) { return sub(this, other); },
  mul(other: Operand) { return mul(this, other); },
  div(other: Operand) { return div(this, other); },
  neg() { return neg(this); },
  square() { return square(this); },
  sqrt() { return sqrt(this); },
  relu() { return relu(this); },
  exp() { return exp(this); },
  silu() { return silu(this); },
  clamp(bounds: { min?: number; max?: number }) { return clamp(this, bounds); },
  sum(dim?: number, keepdim?: boolean) { return sum(this, dim, keepdim); },
  mean(dim?: number, keepdim?: boolean) { return mean(this, dim, keepdim); },
  expand(shape: readonly number[]) { return expand(this, shape); },
  reshape(shape: readonly number[]) { return reshape(this, shape); },
  permute(dims: readonly number[]) { return permute(this, dims); },
  transpose(dim0: number, dim1: number) { return permute(this, swapped(this.rank, dim0, dim1)); },
  matmul(other: Tensor, options?: MatmulOptions) { return matmul(this, other, options); },
  bmm(other: Tensor, options?: MatmulOptions) { return bmm(this, other, options); },
  linear(weight: Tensor, bias?: Tensor, epilogue?: LinearEpilogue) { return linear(this, weight, bias, epilogue); },
  embedding(weight: Tensor) { return embedding(this, weight); },
  logSoftmax() { return logSoftmax(this); },
  mseLoss(target: Tensor) { return mseLoss(this, target); },
  crossEntropy(labels: Tensor) { return crossEntropy(this, labels); },
  conv2d(weight: Tensor, bias?: Tensor, options?: Conv2dOptions) { return conv2d(this, weight, bias, options); },
  groupNorm(groups: number, weight?: Tensor | null, bias?: Tensor | null, options?: GroupNormOptions) {
    return groupNorm(this, groups, weight, bias, options);
  },
  upsample2x() { return upsample2x(this); },
  attention(k: Tensor, v: Tensor, options?: { scale?: number }) { return attention(this, k, v, options); },
};

for (const [name, method] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true });
}
