// Elementwise ops with their gradients: add/sub/mul/div between tensors (NumPy broadcasting:
// bias rows [N] against [B,N], per-row scalars [B,1] against [B,N]) or with a host number,
// the unary maps neg, square, sqrt, relu, exp, silu, log, abs, sigmoid, tanh, sin, cos, clamp,
// pow with a host exponent, the comparisons eq/ne/lt/le/gt/ge (no gradient) and where.

import { record } from '../autograd.js';
import type { BinaryOp, CompareOp, ScalarOp, UnaryOp } from '../backend.js';
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
      default: throw new Error(`${op}: a comparison has no gradient`); // compare() records none
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
      default: throw new Error(`${op}: recorded by its own op`); // pow() and compare()
    }
  });
}

function operands(op: string, a: Operand, b: Operand): void {
  for (const [role, v] of [['a', a], ['b', b]] as const) if (typeof v !== 'number') expectTensor(op, v, `${role} (a Tensor or a number)`);
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) fail(op, 'at least one operand must be a Tensor');
}

/**
 * a + b elementwise, with NumPy broadcasting (bias rows [N] against [B, N], per-row [B, 1] against
 * [B, N]) or with a host number on either side; the gradient is summed back to each operand's
 * shape. Throws an EngineError unless at least one operand is a float32 tensor, when the shapes do
 * not broadcast or the tensors are on different devices.
 */
export function add(a: Operand, b: Operand): Tensor {
  operands('add', a, b);
  if (typeof b === 'number') return scalarOp('add', a as Tensor, b);
  if (typeof a === 'number') return scalarOp('add', b, a);
  return binaryOp('add', a, b);
}

/** a − b elementwise, broadcasting as add does (a host number on either side). */
export function sub(a: Operand, b: Operand): Tensor {
  operands('sub', a, b);
  if (typeof b === 'number') return scalarOp('add', a as Tensor, -b);
  if (typeof a === 'number') return scalarOp('rsub', b, a);
  return binaryOp('sub', a, b);
}

/** a · b elementwise, broadcasting as add does (a host number on either side). */
export function mul(a: Operand, b: Operand): Tensor {
  operands('mul', a, b);
  if (typeof b === 'number') return scalarOp('mul', a as Tensor, b);
  if (typeof a === 'number') return scalarOp('mul', b, a);
  return binaryOp('mul', a, b);
}

/**
 * a / b elementwise, broadcasting as add does (a host number on either side): IEEE's results for a
 * zero divisor (±Inf, NaN for 0/0).
 */
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
      case 'log': return [div(g, x)];
      // ∂|x|/∂x = sign(x), 0 at 0 (and at NaN, PyTorch 1.13's sign): g·sign(x)
      case 'abs': return [mul(g, new Tensor(x.device.unary('sign', x.storage), x.shape))];
      // σ' = σ·(1 − σ), from the output s: g·(1 − s)·s, PyTorch's order of products
      case 'sigmoid': return [mul(mul(g, sub(1, out)), out)];
      // tanh' = 1 − tanh², from the output: g·(1 − out²)
      case 'tanh': return [mul(g, sub(1, square(out)))];
      case 'sin': return [mul(g, cos(x))];
      case 'cos': return [mul(g, neg(sin(x)))];
      case 'sign': return [new Tensor(x.device.full(x.size, 0, 'float32'), x.shape)]; // flat: 0 (PyTorch's too)
    }
  });
}

/** −x elementwise. */
export const neg = (x: Tensor): Tensor => unaryOp('neg', x);
/** x² elementwise; its gradient is 2x. */
export const square = (x: Tensor): Tensor => unaryOp('square', x);
/** √x elementwise: NaN below 0; its gradient is 1 / (2√x). */
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', x);
/** max(x, 0) elementwise; the gradient passes where the output is positive. */
export const relu = (x: Tensor): Tensor => unaryOp('relu', x);
/** e^x elementwise; its gradient is the output. */
export const exp = (x: Tensor): Tensor => unaryOp('exp', x);
/** SiLU (swish): x·σ(x), the U-Net's activation. */
export const silu = (x: Tensor): Tensor => unaryOp('silu', x);
/** The natural logarithm: NaN below 0, −Inf at 0 (PyTorch's, IEEE's). */
export const log = (x: Tensor): Tensor => unaryOp('log', x);
/** |x|; its gradient is sign(x), 0 at 0 (PyTorch's). */
export const abs = (x: Tensor): Tensor => unaryOp('abs', x);
/** σ(x) = 1 / (1 + e^(−x)): 0 at −Inf, 1 at +Inf. */
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', x);
/** tanh(x) elementwise: −1 at −Inf, 1 at +Inf; its gradient is 1 − tanh². */
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', x);
/** sin(x), x in radians: NaN at ±Inf. */
export const sin = (x: Tensor): Tensor => unaryOp('sin', x);
/** cos(x), x in radians: NaN at ±Inf. */
export const cos = (x: Tensor): Tensor => unaryOp('cos', x);

// ---- power -------------------------------------------------------------------------------

/**
 * x^p for a host number p (PyTorch's `x ** p`), with C's pow at the edges: a negative x has a
 * real power only for an integer p (NaN otherwise), 0^p is +Inf for p < 0, x^0 = 1 (NaN too);
 * p = 0.5 and −0.5 are √x and 1/√x, as PyTorch computes them (so (−Inf)^0.5 is NaN, (−0)^−0.5 −Inf).
 * The gradient is p·x^(p−1), and 0 everywhere for p = 0 (as PyTorch's pow_backward).
 * x: S, p: number → out: S
 */
export function pow(x: Tensor, p: number): Tensor {
  expectFloat('pow', x, 'x');
  if (typeof p !== 'number') fail('pow', `expected the exponent p to be a number (x ** p), got ${describeOperand(p)}`);
  if (!Number.isFinite(p)) fail('pow', `the exponent p must be finite, got ${p}`);
  const out = new Tensor(x.device.scalar('pow', x.storage, p), x.shape);
  return record(out, 'pow', [x], (g) => {
    if (p === 0) return [new Tensor(x.device.full(x.size, 0, 'float32'), x.shape)];
    return [mul(g, mul(pow(x, p - 1), p))]; // g·(p·x^(p−1))
  });
}

const describeOperand = (v: unknown): string =>
  v instanceof Tensor ? `a tensor ${JSON.stringify(v.shape)}` : Array.isArray(v) ? 'an array' : `${typeof v} ${String(v)}`;

// ---- comparisons -------------------------------------------------------------------------

/** c ⋚ x is x ⋚' c with the relation mirrored. */
const MIRRORED: Readonly<Record<CompareOp, CompareOp>> = { eq: 'eq', ne: 'ne', lt: 'gt', le: 'ge', gt: 'lt', ge: 'le' };

// a: A, b: B (broadcastable, or a number) → out: broadcast(A, B) of 1/0, recording no gradient
function compare(op: CompareOp, a: Operand, b: Operand): Tensor {
  operands(op, a, b);
  if (typeof b === 'number') return compareScalar(op, a as Tensor, b, 'a');
  if (typeof a === 'number') {
    expectFloat(op, b, 'b'); // named as called
    return compareScalar(MIRRORED[op], b, a, 'b');
  }
  expectFloat(op, a, 'a');
  expectFloat(op, b, 'b');
  expectSameDevice(op, { a, b });
  const outShape = broadcastShapes(op, a.shape, b.shape);
  const plan = { outShape, aStrides: broadcastStrides(a.shape, outShape), bStrides: broadcastStrides(b.shape, outShape) };
  return new Tensor(a.device.binary(op, a.storage, b.storage, plan), outShape);
}

// x: S, c: any number (±Inf and NaN compare as IEEE says) → out: S of 1/0
function compareScalar(op: CompareOp, x: Tensor, c: number, role: string): Tensor {
  expectFloat(op, x, role);
  return new Tensor(x.device.scalar(op, x.storage, c), x.shape);
}

// The engine has float32 and int32 tensors only, so a comparison gives float32 1/0 where PyTorch
// gives bool; like PyTorch's bool result it carries no gradient. A NaN on either side compares
// false (ne: true). A number on either side is rounded to float32 first, as PyTorch rounds it.
/** a == b elementwise (broadcasting; a number on either side): float32 1 where equal, else 0; no gradient. */
export const eq = (a: Operand, b: Operand): Tensor => compare('eq', a, b);
/** a != b elementwise: float32 1/0 (1 where either is NaN); no gradient. */
export const ne = (a: Operand, b: Operand): Tensor => compare('ne', a, b);
/** a < b elementwise: float32 1/0; no gradient. */
export const lt = (a: Operand, b: Operand): Tensor => compare('lt', a, b);
/** a <= b elementwise: float32 1/0; no gradient. */
export const le = (a: Operand, b: Operand): Tensor => compare('le', a, b);
/** a > b elementwise: float32 1/0; no gradient. */
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', a, b);
/** a >= b elementwise: float32 1/0; no gradient. */
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', a, b);

// ---- where -------------------------------------------------------------------------------

/**
 * a where cond holds, else b (torch.where): cond is a float32 tensor, true where nonzero (a
 * comparison's 1/0; NaN counts as true, as bool(NaN) does); a and b are tensors or numbers (any
 * number, ±Inf and NaN included); the three broadcast together. A select, not a blend, so the
 * side not taken never leaks its NaN/±Inf. Gradients: g where cond holds to a, where not to b
 * (each summed back to its shape); none to cond.
 * cond: C, a: A, b: B → out: broadcast(C, A, B)
 */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (!(cond instanceof Tensor)) fail('where', `expected cond to be a tensor, got ${describeOperand(cond)}`);
  expectFloat('where', cond, 'cond');
  const lift = (v: Operand, role: string): Tensor => {
    if (v instanceof Tensor) return v;
    if (typeof v !== 'number') fail('where', `expected ${role} to be a tensor or a number, got ${describeOperand(v)}`);
    return new Tensor(cond.device.full(1, v, 'float32'), []);
  };
  const [ta, tb] = [lift(a, 'a'), lift(b, 'b')];
  expectFloat('where', ta, 'a');
  expectFloat('where', tb, 'b');
  expectSameDevice('where', { cond, a: ta, b: tb });
  const outShape = broadcastShapes('where', broadcastShapes('where', cond.shape, ta.shape), tb.shape);
  const plan = {
    outShape, condStrides: broadcastStrides(cond.shape, outShape),
    aStrides: broadcastStrides(ta.shape, outShape), bStrides: broadcastStrides(tb.shape, outShape),
  };
  const out = new Tensor(cond.device.where(cond.storage, ta.storage, tb.storage, plan), outShape);
  return record(out, 'where', [ta, tb], (g) => [sumTo(where(cond, g, 0), ta.shape), sumTo(where(cond, 0, g), tb.shape)]);
}

