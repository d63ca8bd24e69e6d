// Matrix products: matmul with optional transposed operands, and the fused linear layer
// y = x·Wᵀ + b with W stored [out, in] as PyTorch stores it, optionally followed (in the same
// kernel) by + table[indices] (a per-row embedding) and ReLU.
//
// Gradients of C = op(A)·op(B), where op transposes when asked:
//   ∂L/∂op(A) = G·op(B)ᵀ      ∂L/∂op(B) = op(A)ᵀ·G
// and a transposed operand takes the transpose of that, which is again a matmul with flags:
//   A plain:      dA = G·op(B)ᵀ  → matmul(G, B, {transB: !transB})
//   A transposed: dA = op(B)·Gᵀ  → matmul(B, G, {transA: transB, transB: true})
//   B plain:      dB = op(A)ᵀ·G  → matmul(A, G, {transA: !transA})
//   B transposed: dB = Gᵀ·op(A)  → matmul(G, A, {transA: true, transB: transA})

import { record } from '../autograd.js';
import { describe, expectFloat, expectSameDevice, fail } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkIndices } from './embedding.js';
import { sum } from './reduce.js';

/** Which operands of matmul and bmm are read transposed. */
export interface MatmulOptions {
  /** Use Aᵀ: a is stored [k, m]. */
  transA?: boolean;
  /** Use Bᵀ: b is stored [n, k]. */
  transB?: boolean;
}

/**
 * The matrix product a·b (either operand transposed when options ask), with its gradient. Throws an
 * EngineError for operands that are not 2-D float32 tensors on one device, or whose inner sizes
 * differ.
 * op(a): [m,k], op(b): [k,n] → [m,n]
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  return product('matmul', a, b, options);
}

/**
 * op(a): [N, m, k], op(b): [N, k, n] → [N, m, n]: N independent products (torch.bmm), op
 * transposing the last two axes when asked.
 */
export function bmm(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  return product('bmm', a, b, options);
}

/** matmul and bmm: one product on the last two axes (a stack of them for bmm), with one gradient rule (above). */
function product(op: 'matmul' | 'bmm', a: Tensor, b: Tensor, options: MatmulOptions): Tensor {
  const transA = options.transA ?? false, transB = options.transB ?? false;
  expectFloat(op, a, 'a');
  expectFloat(op, b, 'b');
  expectSameDevice(op, { a, b });
  const stacked = op === 'bmm';
  if (stacked ? a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] : a.rank !== 2 || b.rank !== 2) {
    fail(op, `${stacked ? 'expected stacks [N, ·, ·] of the same N' : 'expected 2-D operands'}, got ${describe(a, 'a')} and ${describe(b, 'b')}`);
  }
  const lead = stacked ? [a.shape[0]] : [];
  const [ar, ac] = a.shape.slice(-2), [br, bc] = b.shape.slice(-2);
  const [m, ka] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (ka !== kb) {
    fail(op, `inner dimensions differ: op(a) is [${[...lead, m, ka].join(',')}] and op(b) is [${[...lead, kb, n].join(',')}] ` +
      `(from ${describe(a, 'a')}${transA ? ' transposed' : ''} and ${describe(b, 'b')}${transB ? ' transposed' : ''})`);
  }
  const plan = { ...(stacked ? { batch: a.shape[0] } : {}), m, n, k: ka, transA, transB };
  const out = new Tensor(a.device.matmul(a.storage, b.storage, plan), [...lead, m, n]);
  const again = (x: Tensor, y: Tensor, o: MatmulOptions): Tensor => product(op, x, y, o);
  return record(out, op, [a, b], (g) => [
    transA ? again(b, g, { transA: transB, transB: true }) : again(g, b, { transB: !transB }),
    transB ? again(g, a, { transA: true, transB: transA }) : again(a, g, { transA: !transA }),
  ]);
}

/** What linear adds to its product in the same kernel: rows of a table, then a ReLU. */
export interface LinearEpilogue {
  /** Adds table[indices[i]] to row i: table [rows, out], indices [B] int32. */
  addRows?: { table: Tensor; indices: Tensor };
  /** Applies max(·, 0) last. */
  relu?: boolean;
}

/**
 * A dense layer's forward pass, x·Wᵀ + b, with the epilogue's rows and ReLU fused into the one
 * kernel, and its gradients. Throws an EngineError when the shapes do not fit (listed below) or the
 * tensors are on different devices.
 * x: [B, in], weight: [out, in], bias: [out], table: [rows, out], indices: [B] → [B, out]
 *   y = relu?(x·Wᵀ + b + table[indices]) in one kernel
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor, epilogue: LinearEpilogue = {}): Tensor {
  expectFloat('linear', x, 'x');
  expectFloat('linear', weight, 'weight');
  expectSameDevice('linear', bias ? { x, weight, bias } : { x, weight });
  if (weight.rank !== 2) fail('linear', `expected weight [out, in], got ${describe(weight, 'weight')}`);
  const [outFeatures, inFeatures] = weight.shape;
  if (x.rank !== 2 || x.shape[1] !== inFeatures) {
    fail('linear', `expected x [B, ${inFeatures}] for ${describe(weight, 'weight')}, got ${describe(x, 'x')}`);
  }
  const batch = x.shape[0];
  if (bias) {
    expectFloat('linear', bias, 'bias');
    if (bias.rank !== 1 || bias.shape[0] !== outFeatures) {
      fail('linear', `expected bias [${outFeatures}] for ${describe(weight, 'weight')}, got ${describe(bias, 'bias')}`);
    }
  }
  const rows = epilogue.addRows;
  if (rows) {
    const { table, indices } = rows;
    expectFloat('linear', table, 'table');
    expectSameDevice('linear', { x, table, indices });
    if (table.rank !== 2 || table.shape[1] !== outFeatures) {
      fail('linear', `expected an embedding table [rows, ${outFeatures}] to add, got ${describe(table, 'table')}`);
    }
    if (indices.dtype !== 'int32' || indices.rank !== 1 || indices.shape[0] !== batch) {
      fail('linear', `expected int32 indices [${batch}] (one per row of x), got ${describe(indices, 'indices')}`);
    }
    checkIndices('linear', indices, table);
  }
  const relu = epilogue.relu ?? false;
  const plan = {
    m: batch, n: outFeatures, k: inFeatures, transA: false, transB: true, bias: bias?.storage,
    rowAdd: rows ? { table: rows.table.storage, idx: rows.indices.storage } : undefined, relu,
  };
  const out = new Tensor(x.device.matmul(x.storage, weight.storage, plan), [batch, outFeatures]);
  const inputs = [x, weight, ...(bias ? [bias] : []), ...(rows ? [rows.table] : [])];
  return record(out, 'linear', inputs, (g) => {
    // Through the ReLU first: the gradient flows where the output is positive.
    const gz = relu ? new Tensor(x.device.reluBackward(g.storage, out.storage), g.shape) : g;
    const grads: (Tensor | null)[] = [
      matmul(gz, weight),              // dx = G·W        [B,out]·[out,in]
      matmul(gz, x, { transA: true }), // dW = Gᵀ·x       [out,B]·[B,in]
    ];
    if (bias) grads.push(sum(gz, 0));  // db = Σ_rows G   [out]
    if (rows) {                        // dTable[r] = Σ_{i: indices[i]=r} G[i]
      grads.push(new Tensor(x.device.scatterAdd(gz.storage, rows.indices.storage, rows.table.shape[0], outFeatures), rows.table.shape));
    }
    return grads;
  });
}
