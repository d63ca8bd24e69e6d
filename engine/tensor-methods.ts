// Tensor methods with PyTorch's names: `x.matmul(w).add(b).relu()` where the free functions read
// `E.relu(E.add(E.matmul(x, w), b))`. Each method is the free function of the same name with the
// tensor as its first argument — same checks, same gradient, same kernel. They are attached to
// Tensor's prototype here, and declared on it by the interface merged below, rather than written
// in tensor.ts: the ops import tensor.ts, and tensor.ts importing them back would add loops to
// the one the engine has (tensor ⇄ autograd). engine/index.ts imports this file, so every program
// that imports the engine has the methods.

import { attention } from './ops/attention.js';
import { conv2d, type Conv2dOptions } from './ops/conv.js';
import { abs, add, clamp, cos, div, eq, exp, ge, gt, le, log, lt, mul, ne, neg, pow, relu, sigmoid, silu, sin, sqrt, square, sub, tanh, where,
  type Operand } from './ops/elementwise.js';
import { embedding } from './ops/embedding.js';
import { argmax, argmin, max, min, type ValuesAndIndices } from './ops/extrema.js';
import { gather, indexSelect, narrow, slice } from './ops/indexing.js';
import { crossEntropy, mseLoss } from './ops/loss.js';
import { bmm, linear, matmul, type LinearEpilogue, type MatmulOptions } from './ops/matmul.js';
import { mean } from './ops/mean.js';
import { groupNorm, type GroupNormOptions } from './ops/norm.js';
import { expand, sum } from './ops/reduce.js';
import { upsample2x } from './ops/resample.js';
import { permute, reshape } from './ops/shape.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import { normalizeDim } from './shape.js';
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
    log(): Tensor;
    abs(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    /** this ** p for a host number p. */
    pow(p: number): Tensor;
    /** Comparisons: float32 1 where it holds, 0 where not (no gradient flows through them). */
    eq(other: Operand): Tensor;
    ne(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    /** this where `condition` holds, `other` elsewhere: torch's x.where(condition, y). */
    where(condition: Tensor, other: Operand): Tensor;
    clamp(bounds: { min?: number; max?: number }): Tensor;
    /** Σ over every element, or over `dim` (removed, or kept as 1 with keepdim). */
    sum(dim?: number, keepdim?: boolean): Tensor;
    mean(dim?: number, keepdim?: boolean): Tensor;
    /** The largest entry along `dim` and where it is (torch.max(x, dim)). */
    max(dim: number, keepdim?: boolean): ValuesAndIndices;
    min(dim: number, keepdim?: boolean): ValuesAndIndices;
    argmax(dim: number, keepdim?: boolean): Tensor;
    argmin(dim: number, keepdim?: boolean): Tensor;
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
    softmax(dim?: number): Tensor;
    logSoftmax(dim?: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    /** this[start:end:step] along `dim`, Python's rules. */
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    indexSelect(dim: number, index: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
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

/** The transposition of two axes of x as a permutation (negative axes count from the end). */
function swapped(x: Tensor, dim0: number, dim1: number): number[] {
  const dims = Array.from({ length: x.rank }, (_, i) => i);
  const [a, b] = [normalizeDim('transpose', x, 'x', dim0), normalizeDim('transpose', x, 'x', dim1)];
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
  log() { return log(this); },
  abs() { return abs(this); },
  sigmoid() { return sigmoid(this); },
  tanh() { return tanh(this); },
  sin() { return sin(this); },
  cos() { return cos(this); },
  pow(p: number) { return pow(this, p); },
  eq(other: Operand) { return eq(this, other); },
  ne(other: Operand) { return ne(this, other); },
  lt(other: Operand) { return lt(this, other); },
  le(other: Operand) { return le(this, other); },
  gt(other: Operand) { return gt(this, other); },
  ge(other: Operand) { return ge(this, other); },
  where(condition: Tensor, other: Operand) { return where(condition, this, other); },
  clamp(bounds: { min?: number; max?: number }) { return clamp(this, bounds); },
  sum(dim?: number, keepdim?: boolean) { return sum(this, dim, keepdim); },
  mean(dim?: number, keepdim?: boolean) { return mean(this, dim, keepdim); },
  max(dim: number, keepdim?: boolean) { return max(this, dim, keepdim); },
  min(dim: number, keepdim?: boolean) { return min(this, dim, keepdim); },
  argmax(dim: number, keepdim?: boolean) { return argmax(this, dim, keepdim); },
  argmin(dim: number, keepdim?: boolean) { return argmin(this, dim, keepdim); },
  expand(shape: readonly number[]) { return expand(this, shape); },
  reshape(shape: readonly number[]) { return reshape(this, shape); },
  permute(dims: readonly number[]) { return permute(this, dims); },
  transpose(dim0: number, dim1: number) { return permute(this, swapped(this, dim0, dim1)); },
  matmul(other: Tensor, options?: MatmulOptions) { return matmul(this, other, options); },
  bmm(other: Tensor, options?: MatmulOptions) { return bmm(this, other, options); },
  linear(weight: Tensor, bias?: Tensor, epilogue?: LinearEpilogue) { return linear(this, weight, bias, epilogue); },
  embedding(weight: Tensor) { return embedding(this, weight); },
  softmax(dim?: number) { return softmax(this, dim); },
  logSoftmax(dim?: number) { return logSoftmax(this, dim); },
  narrow(dim: number, start: number, length: number) { return narrow(this, dim, start, length); },
  slice(dim: number, start?: number, end?: number, step?: number) { return slice(this, dim, start, end, step); },
  indexSelect(dim: number, index: Tensor) { return indexSelect(this, dim, index); },
  gather(dim: number, index: Tensor) { return gather(this, dim, index); },
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
