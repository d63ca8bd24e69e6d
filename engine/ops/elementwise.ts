// Elementwise ops with their gradients: add/sub/mul/div between tensors (NumPy broadcasting:
// bias rows [N] against [B,N], per-row scalars [B,1] against [B,N]) or with a host number,
// and the unary maps neg, square, sqrt, relu, exp, silu, clamp.

import { record } from '../autograd.js';
import type { BinaryOp, ScalarOp, UnaryOp } from '../backend.js';
import { expectFloat, expectSameDevice, expectTensor, fail } from '../errors.js';
import { broadcastShapes, broadcastStrides } from '../shape.js';
import { Tensor } from '../tensor.js';
import { sumTo } from './reduce.js';

export type Operand = Tensor | number;

// ---- tensor ∘ tensor ---------------------------------------------------------------------

// a: A, b: B (broadcastable) → out: broadcast(A, B)
function binaryOp(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  expectFloat(op, a, 'a');
  expectFloat(op, b, 'b');
  expectSameDevice(op, { a, b });
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const plan = { outShape, aStrides: broadcastStrides(a.shape, outShape), bStrides: broadcastStrides(b.shape, outShape) };
  const out = new Tensor(a.device.binary(op, a.storage, b.storage, plan), outShape);
  return record(out, op, [a, b], (g) => {
    switch (op) {
      case 'add': return [sumTo(g, a.shape), sumTo(g, b.shape)];
      case 'sub': return [sumTo(g, a.shape), sumTo(neg(g), b.shape)];
      case 'mul': return [sumTo(mul(g, b), a.shape), sumTo(mul(g, a), b.shape)];
      // ∂(a/b)/∂b = −a/b² = −out/b
      case 'div': return [sumTo(div(g, b), a.shape), sumTo(neg(div(mul(g, out), b)), b.shape)];
    }
  });
}

// ---- tensor ∘ host number ----------------------------------------------------------------

// x: S, c: number → out: S
function scalarOp(op: ScalarOp, x: Tensor, c: number): Tensor {
  expectFloat(op === 'rsub' ? 'sub' : op === 'rdiv' ? 'div' : op, x, 'x');
  if (!Number.isFinite(c)) fail(op, `the scalar operand must be finite, got ${c}`);
  const out = new Tensor(x.device.scalar(op, x.storage, c), x.shape);
  return record(out, `${op} scalar`, [x], (g) => {
    switch (op) {
      case 'add': return [g];
      case 'rsub': return [neg(g)];
      case 'mul': return [mul(g, c)];
      case 'div': return [div(g, c)];
      case 'rdiv': return [neg(div(mul(g, out), x))]; // ∂(c/x)/∂x = −c/x² = −out/x
      case 'min': return [new Tensor(x.device.clampBackward(g.storage, x.storage, -Infinity, c), x.shape)];
      case 'max': return [new Tensor(x.device.clampBackward(g.storage, x.storage, c, Infinity), x.shape)];
    }
  });
}

function operands(op: string, a: Operand, b: Operand): void {
  for (const [role, v] of [['a', a], ['b', b]] as const) if (typeof v !== 'number') expectTensor(op, v, `${role} (a Tensor or a number)`);
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) fail(op, 'at least one operand must be a Tensor');
}

export function add(a: Operand, b: Operand): Tensor {
  operands('add', a, b);
  if (typeof b === 'number') return scalarOp('add', a as Tensor, b);
  if (typeof a === 'number') return scalarOp('add', b, a);
  return binaryOp('add', a, b);
}

export function sub(a: Operand, b: Operand): Tensor {
  operands('sub', a, b);
  if (typeof b === 'number') return scalarOp('add', a as Tensor, -b);
  if (typeof a === 'number') return scalarOp('rsub', b, a);
  return binaryOp('sub', a, b);
}

export function mul(a: Operand, b: Operand): Tensor {
  operands('mul', a, b);
  if (typeof b === 'number') return scalarOp('mul', a as Tensor, b);
  if (typeof a === 'number') return scalarOp('mul', b, a);
  return binaryOp('mul', a, b);
}

export function div(a: Operand, b: Operand): Tensor {
  operands('div', a, b);
  if (typeof b === 'number') return scalarOp('div', a as Tensor, b);
  if (typeof a === 'number') return scalarOp('rdiv', b, a);
  return binaryOp('div', a, b);
}

/** Limits x to [min, max]; the gradient passes where min ≤ x ≤ max (PyTorch's clamp). */
export function clamp(x: Tensor, bounds: { min?: number; max?: number }): Tensor {
  const { min, max } = bounds;
  if (min === undefined && max === undefined) fail('clamp', 'give min, max or both');
  if (min !== undefined && max !== undefined && min > max) fail('clamp', `min ${min} is greater than max ${max}`);
  let out = x;
  if (min !== undefined) out = scalarOp('max', out, min);
  if (max !== undefined) out = scalarOp('min', out, max);
  return out;
}

// ---- unary -------------------------------------------------------------------------------

// x: S → out: S
function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  expectFloat(op, x, 'x');
  const out = new Tensor(x.device.unary(op, x.storage), x.shape);
  return record(out, op, [x], (g) => {
    switch (op) {
      case 'neg': return [neg(g)];
      case 'square': return [mul(g, mul(x, 2))];
      case 'sqrt': return [div(g, mul(out, 2))];
      case 'relu': return [new Tensor(x.device.reluBackward(g.storage, out.storage), x.shape)];
      case 'exp': return [mul(g, out)];
      case 'silu': return [new Tensor(x.device.siluBackward(g.storage, x.storage), x.shape)];
    }
  });
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
export const square = (x: Tensor): Tensor => unaryOp('square', x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** SiLU (swish): x·σ(x), the U-Net's activation. */
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);

