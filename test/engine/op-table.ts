// The op table: every differentiable op of the engine, one row each, run by the shared runners
// of op-runners.ts (ops.test.ts makes the tests): (1) PyTorch's forward and every input gradient,
// (2) central differences, (3) GPU vs CPU on awkward shapes (1, odd, primes, not a tile
// multiple) and the workload's ([128,2], [128,128], [10000,128]), (4) GPU vs CPU with NaN and ±Inf
// in the inputs (and vs PyTorch where its fixture has them), (5) bad inputs refused by name.
// The tolerance rules are op-runners.ts's; a row states its own only where it must, and why.
//
// Adding an op: add its case to test/fixtures/make_fixtures.py and run `npm run fixtures`; then
// one row here: `op`, `call` (its tensors by the fixture's names, its parameters), `torch` (the
// fixture's file and key), and what else applies — `gpu` shapes, `nonfinite` inputs, `errors`.
// A row's finite PyTorch cases are also its central-difference and GPU-vs-CPU cases unless it
// lists its own. ops.test.ts fails while an op engine/index.ts exports from engine/ops/ has no row.

import * as E from '../../engine/index.js';
import type { Tolerance } from '../support/helpers.js';
import {
  convGpuMatchesCpuAcrossTiles, convMatchesDefinition, convNonFiniteReachesItsWindows, embeddingSumsDuplicates, expNonFiniteAsTorch, fusedEpilogueEqualsOps,
  groupNormFusedEqualsComposition, groupNormNaNStaysInItsGroup, groupNormWorkgroupsAgree, groupNormWithoutWeightOrBias, maxGradientGoesToTheReturnedPosition, permuteIsTorchPermute,
  positionsMatchTorch, siluNonFiniteAsTorch,
} from './op-checks.js';
import {
  awayFromZero, floats, ints, positive, sizeOf, spiked, spread, sprinkled, type Draws, type HostTensor,
} from './op-inputs.js';
import { optional, row, type BadInput, type OpCase, type OpRow } from './op-row.js';
import { EXACT, terms } from './op-runners.js';

// ---- the inputs several rows share ------------------------------------------------------------

/** Elementwise ops on the workload's [10000,2] and a prime length; `make` turns a normal draw into the op's domain. */
const elementwiseCases = <P extends object>(params: P, make = (x: HostTensor) => x, label = ''): OpCase<P>[] =>
  [[10000, 2], [7]].map((shape) => ({ name: `${label}[${shape}]`, params, k: 0, inputs: (d) => ({ x: make(d.normal(...shape)) }) }));

/** The same with NaN, +Inf, −Inf at every other element, on [1], [7], [13,3], [10000,2], and again with specials in the upstream gradient. */
const nonFiniteElementwise = <P extends object>(params: P, label = ''): OpCase<P>[] =>
  [[1], [7], [13, 3], [10000, 2]].flatMap((shape) => [false, true].map((nonFiniteSeed) => ({
    name: `${label}[${shape}]${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`, params, k: 0, nonFiniteSeed,
    inputs: (d: Draws) => ({ x: sprinkled(d.normal(...shape)) }),
  })));

const BROADCAST_PAIRS: [number[], number[]][] = [
  [[128, 2], [2]], [[10000, 128], [128]], [[128, 128], [128, 1]], [[1], [37, 3]], [[2, 3, 4, 5], [3, 1, 5]], [[11], [11]],
];

/** add, sub, mul, div: broadcasting up to rank 4, and with NaN/±Inf (every 5th of a, every 7th of b from the 4th). */
function broadcastRow(op: 'add' | 'sub' | 'mul' | 'div', errors?: BadInput[]): OpRow {
  const k = (sa: number[], sb: number[]): number => Math.max(...sa, ...sb) ** 2;
  return row({
    op, errors,
    call: (t) => E[op](t.a, t.b),
    torch: [{ file: 'torch_ops.json', key: op }],
    gpu: BROADCAST_PAIRS.map(([sa, sb]) => ({
      name: `[${sa}] ∘ [${sb}]`, k: k(sa, sb),
      inputs: (d) => ({ a: d.normal(...sa), b: op === 'div' ? awayFromZero(d.normal(...sb)) : d.normal(...sb) }),
    })),
    // (the workload's [10000,128] ∘ [128] is left to the finite checks: its NaN cases are [128,128]'s)
    nonfinite: BROADCAST_PAIRS.filter(([sa]) => sa[0] !== 10000).flatMap(([sa, sb]) => [false, true].map((nonFiniteSeed) => ({
      name: `[${sa}] ∘ [${sb}]${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`, k: k(sa, sb), nonFiniteSeed,
      inputs: (d: Draws) => ({ a: sprinkled(d.normal(...sa), 5, 0), b: sprinkled(awayFromZero(d.normal(...sb)), 7, 3) }),
    }))),
  });
}

/** x ∘ c and c ∘ x: on |x| + 0.1 (finite), and with NaN/±Inf. */
function scalarRow(op: string, c: number, call: (x: E.Tensor, c: number) => E.Tensor, errors?: BadInput[]): OpRow {
  return row<{ c: number }>({
    op, errors,
    call: (t, p) => call(t.x, p.c),
    torch: [{ file: 'torch_ops.json', key: op }],
    gpu: elementwiseCases({ c }, positive, `c = ${c}: `),
    nonfinite: nonFiniteElementwise({ c }, `c = ${c}: `),
  });
}

/** Where the math ops' awkward-shape draws live: log and pow need x > 0, abs stays off its kink. */
const MATH_DOMAIN: Readonly<Record<string, (x: HostTensor) => HostTensor>> = {
  log: positive, abs: awayFromZero, sigmoid: (x) => x, tanh: (x) => x, sin: (x) => x, cos: (x) => x,
};

/** A normal draw rounded to halves, so comparisons meet ties (equal values) often. */
const ties = (x: HostTensor): HostTensor => ({ shape: x.shape, data: x.data.map((v) => Math.round(v * 2) / 2) as Float32Array });

/** where's cond, a and b shapes: all three broadcasting, the workload's sizes, a prime, rank 4. */
const WHERE_SHAPES: [number[], number[], number[]][] = [
  [[128, 1], [128, 128], [128]], [[10000, 2], [2], [10000, 1]], [[7], [7], [7]], [[1], [37, 3], [3]], [[2, 1, 4, 5], [3, 1, 5], [2, 3, 4, 1]],
];

const REDUCTIONS: [number[], number | undefined][] = [
  [[10000, 128], 0], [[10000, 128], 1], [[10000, 128], undefined], [[128, 128], 0], [[1], undefined], [[3, 257, 5], 1], [[13], 0],
];
const reductionName = (shape: number[], axis: number | undefined): string => `[${shape}] axis ${axis ?? 'all'}`;
const reducedLength = (shape: number[], axis: number | undefined): number => (axis === undefined ? sizeOf(shape) : shape[axis]);

/**
 * Reductions with NaN/±Inf: spread NaN/+Inf/−Inf, then a +Inf and a −Inf side by side (they cancel
 * to NaN where they meet); and +Inf only, −Inf only (the workload's [10000,128]: mixed only).
 */
function nonFiniteReductions(keepdim: boolean | undefined, nonFiniteSeed: boolean): OpCase<{ axis?: number; keepdim?: boolean }>[] {
  return REDUCTIONS.flatMap(([shape, axis]) => {
    const size = sizeOf(shape), k = reducedLength(shape, axis);
    const mixed = (d: Draws): HostTensor => spiked(d.normal(...shape), [...spread(size, 6), Math.floor(size / 2) + 1, Math.floor(size / 2) + 2],
      [NaN, Infinity, -Infinity, NaN, Infinity, -Infinity, Infinity, -Infinity]);
    const oneSign = (v: number) => (d: Draws): HostTensor => spiked(d.normal(...shape), spread(size, 2), [v]);
    const kinds: [string, (d: Draws) => HostTensor][] = [['mixed', mixed], ['+Inf only', oneSign(Infinity)], ['−Inf only', oneSign(-Infinity)]];
    return kinds.slice(0, size > 100000 ? 1 : 3).map(([kind, make]) => ({
      name: `${reductionName(shape, axis)}${keepdim ? ', keepdim' : ''} (${kind})`, params: { axis, keepdim }, k, nonFiniteSeed, inputs: (d: Draws) => ({ x: make(d) }),
    }));
  });
}

const MATMUL_SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 7, 3], [5, 1, 9], [7, 13, 5], [31, 17, 2], [33, 65, 31], [128, 128, 2], [128, 128, 128], [10000, 2, 128],
];
const TRANSPOSES: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

/** Every matmul shape in every transpose form, a [m,k] (or [k,m]) times b [k,n] (or [n,k]). */
const matmulCases = (shapes: [number, number, number][], spike: (a: HostTensor, b: HostTensor, m: number, n: number, k: number) => [HostTensor, HostTensor]) =>
  shapes.flatMap(([m, n, k]) => TRANSPOSES.map(([transA, transB]): OpCase<{ transA: boolean; transB: boolean }> => ({
    name: `m=${m} n=${n} k=${k}${transA ? ' Aᵀ' : ''}${transB ? ' Bᵀ' : ''}`, params: { transA, transB }, k: Math.max(m, n, k),
    inputs: (d) => {
      const [a, b] = spike(transA ? d.normal(k, m) : d.normal(m, k), transB ? d.normal(n, k) : d.normal(k, n), m, n, k);
      return { a, b };
    },
  })));

/** The linear layer's NaN/±Inf inputs: specials in x, W, b and the table; k = max(batch, in). */
function nonFiniteLinear(batch: number, inF: number, outF: number): OpCase<{ relu?: boolean }>[] {
  const k = Math.max(batch, inF), shapes = `x [${batch},${inF}], W [${outF},${inF}]`;
  const x = (d: Draws): HostTensor => spiked(d.normal(batch, inF), spread(batch * inF, 3));
  const weight = (d: Draws): HostTensor => spiked(d.normal(outF, inF), spread(outF * inF, 1), [NaN]);
  const bias = (d: Draws): HostTensor => spiked(d.normal(outF), spread(outF, 1), [Infinity]);
  const fused = (d: Draws): Record<string, HostTensor> => ({
    x: x(d), weight: weight(d), bias: bias(d), table: spiked(d.normal(7, outF), spread(7 * outF, 3), [-Infinity, NaN, Infinity]), indices: d.ints(batch, 7),
  });
  return [
    { name: `relu(x·Wᵀ + b + table[t]) ${shapes}`, params: { relu: true }, k, inputs: fused },
    { name: `relu(x·Wᵀ + b + table[t]) ${shapes} + NaN/Inf seed`, params: { relu: true }, k, nonFiniteSeed: true, inputs: fused },
    { name: `relu(x·Wᵀ + b) ${shapes}`, params: { relu: true }, k, inputs: (d) => ({ x: x(d), weight: weight(d), bias: bias(d) }) },
    { name: `x·Wᵀ + b ${shapes} + NaN/Inf seed`, k, nonFiniteSeed: true, inputs: (d) => ({ x: x(d), weight: weight(d), bias: bias(d) }) },
    // Pre-activations that are exactly NaN/±Inf while the product is finite: the epilogue alone.
    { name: `relu(x·Wᵀ + b) ${shapes}, specials in b only`, params: { relu: true }, k,
      inputs: (d) => ({ x: d.normal(batch, inF), weight: d.normal(outF, inF), bias: sprinkled(d.normal(outF)) }) },
  ];
}

/** Rows of logits with NaN/±Inf: the rows PyTorch's NaN fixture has, one column, and random rows with a few specials. */
const LOGITS_WITH_SPECIALS: { name: string; shape: [number, number]; make: (d: Draws) => HostTensor }[] = [
  { name: '[9,3] (the rows of PyTorch\'s NaN fixture)', shape: [9, 3], make: () => floats([9, 3], [
    NaN, 1, 2, Infinity, 1, 2, -Infinity, 1, 2, Infinity, Infinity, 1, -Infinity, -Infinity, -Infinity, Infinity, -Infinity, 0, 1, 2, 3,
    -Infinity, -Infinity, 0, 1, NaN, -Infinity]) },
  { name: '[5,1]', shape: [5, 1], make: () => floats([5, 1], [NaN, Infinity, -Infinity, 2.5, -0.5]) },
  { name: '[37,11]', shape: [37, 11], make: (d) => spiked(d.normal(37, 11), spread(37 * 11, 6)) },
  { name: '[3,257]', shape: [3, 257], make: (d) => spiked(d.normal(3, 257), spread(3 * 257, 2), [-Infinity]) },
];

// ---- bad inputs -------------------------------------------------------------------------------

const zeros = (shape: number[]): E.Tensor => E.zeros(shape);
const named = (shape: number[], name: string): E.Tensor => E.tensor(new Float32Array(sizeOf(shape)), shape, { name });
const indices = (values: number[]): E.Tensor => E.tensor(values, [values.length], { dtype: 'int32' });
const IMAGES = (): E.Tensor => named([2, 3, 4, 4], 'images');
const SCORES = (): E.Tensor => named([4, 3], 'scores');

// ---- ops over a dim and indexing ops (torch_ops_dims.json) -------------------------------------

const DIMS = 'torch_ops_dims.json';
const intsOf = (shape: number[], high: number, d: Draws): HostTensor => ({ shape, data: d.ints(sizeOf(shape), high).data });

/** max or min: the values' row ({ values, indices }'s indices are its check's). */
const extremaRow = (op: 'max' | 'min'): OpRow => row<{ dim: number; keepdim?: boolean }>({
  op, call: (t, p) => E[op](t.x, p.dim, p.keepdim).values,
  torch: [{ file: DIMS, key: op }],
  // Central differences need no ties within h: normal draws, not the fixture's ties.
  gradcheck: [{ name: 'x [4,6] dim 1', draws: [3, 2], params: { dim: 1 }, inputs: (d) => ({ x: d.normal(4, 6) }) },
    { name: 'x [3,5,2] dim 0, keepdim', draws: [3, 3], params: { dim: 0, keepdim: true }, inputs: (d) => ({ x: d.normal(3, 5, 2) }) }],
  gpuTol: () => EXACT, // a pick and a scatter of single values: bit for bit
  gpu: [[[10000, 128], 0], [[10000, 128], 1], [[3, 257, 5], 1], [[13], 0], [[2, 3, 1, 7], 3]].map(([shape, dim]) => ({
    name: `[${shape}] dim ${dim}`, params: { dim: dim as number }, inputs: (d: Draws) => ({ x: d.normal(...(shape as number[])) }),
  })),
  nonfinite: [[[13, 3], 0], [[13, 3], 1], [[3, 257, 5], 1]].map(([shape, dim]) => ({
    name: `[${shape}] dim ${dim} + NaN/Inf seed`, params: { dim: dim as number }, k: 0, nonFiniteSeed: true,
    inputs: (d: Draws) => ({ x: sprinkled(d.normal(...(shape as number[])), 5) }),
  })),
  errors: [
    { what: 'a dim out of range', call: () => E[op](SCORES(), -3), says: [`${op}: dim -3 is out of range`, "'scores' [4,3] float32", 'expected a dim in [-2, 1]'] },
    { what: 'int32 input', call: () => E[op](indices([1, 2]), 0), says: [op, 'float32'] },
  ],
  checks: [positionsMatchTorch(op, (x, dim, keepdim) => E[op](x, dim, keepdim).indices), ...(op === 'max' ? [maxGradientGoesToTheReturnedPosition] : [])],
});

/** argmax or argmin: int32 positions, no gradient; checked against PyTorch's max/min indices. */
const argRow = (op: 'argmax' | 'argmin', key: 'max' | 'min'): OpRow => row({
  op, call: (t) => E[op](t.x, 0),
  withoutTorch: `int32 positions without a gradient: its check holds them to torch.${key}(x, dim).indices`,
  errors: [{ what: 'a dim out of range', call: () => E[op](SCORES(), 5), says: [`${op}: dim 5 is out of range`, "'scores' [4,3] float32"] }],
  checks: [positionsMatchTorch(key, (x, dim, keepdim) => E[op](x, dim, keepdim))],
});

const DIM_ROWS: OpRow[] = [
  row<{ dim: number }>({
    op: 'softmax', call: (t, p) => E.softmax(t.x, p.dim),
    torch: [{ file: DIMS, key: 'softmax' }],
    gpuTol: (c) => terms(Math.max(...c.inputs.x)),
    gpu: [{ name: '[3,257,5] dim 1', k: 257, params: { dim: 1 }, inputs: (d) => ({ x: d.normal(3, 257, 5) }) }],
    nonfinite: LOGITS_WITH_SPECIALS.map(({ name, shape, make }) => ({ name: `${name} dim 0`, k: shape[0], params: { dim: 0 }, inputs: (d: Draws) => ({ x: make(d) }) })),
    errors: [{ what: 'a dim out of range', call: () => E.softmax(SCORES(), 2), says: ['softmax', 'dim 2 is out of range', "'scores' [4,3]"] }],
  }),
  extremaRow('max'), extremaRow('min'), argRow('argmax', 'max'), argRow('argmin', 'min'),
  row<{ dim: number; start: number; length: number }>({
    op: 'narrow', call: (t, p) => E.narrow(t.x, p.dim, p.start, p.length),
    torch: [{ file: DIMS, key: 'narrow' }], torchTol: EXACT, gpuTol: () => EXACT, // copies: bit for bit
    errors: [
      { what: 'a range past the end', call: () => E.narrow(SCORES(), 1, 2, 2), says: ['narrow: start 2 and length 2 do not fit dim 1', "'scores' [4,3]", 'start + length ≤ 3'] },
      { what: 'a dim out of range', call: () => E.narrow(SCORES(), 2, 0, 1), says: ['narrow: dim 2 is out of range', "'scores' [4,3]"] },
    ],
  }),
  row<{ dim: number; start: number; end: number; step: number }>({
    op: 'slice', call: (t, p) => E.slice(t.x, p.dim, p.start, p.end, p.step),
    torch: [{ file: DIMS, key: 'slice' }], torchTol: EXACT, gpuTol: () => EXACT,
    errors: [
      { what: 'a step of 0', call: () => E.slice(SCORES(), 0, 0, 4, 0), says: ['slice', 'a step ≥ 1', '0:4:0', "'scores' [4,3]"] },
      { what: 'an empty range', call: () => E.slice(SCORES(), 1, 2, 1), says: ['slice: 2:1:1 selects nothing of dim 1', "'scores' [4,3]"] },
    ],
  }),
  row<{ dim: number }>({
    op: 'indexSelect', call: (t, p) => E.indexSelect(t.x, p.dim, t.index),
    torch: [{ file: DIMS, key: 'indexSelect' }],
    gpuTol: () => terms(8), // repeated indices: the gradient sums up to 8 terms in float32 on the GPU
    gpu: [{ name: '[10000,7] dim 0, 3000 drawn indices', params: { dim: 0 }, k: 8, inputs: (d) => ({ x: d.normal(10000, 7), index: d.ints(3000, 10000) }) },
      { name: '[3,257,5] dim 1, 300 drawn indices', params: { dim: 1 }, k: 8, inputs: (d) => ({ x: d.normal(3, 257, 5), index: d.ints(300, 257) }) }],
    errors: [
      { what: 'an index past the dim', call: () => E.indexSelect(SCORES(), 1, indices([0, 3])), says: ['indexSelect: index values must lie in [0, 2] for dim 1', "'scores' [4,3]", 'from 0 to 3', 'index [2] int32'] },
      { what: 'a negative index', call: () => E.indexSelect(SCORES(), 0, indices([-1])), says: ['from -1 to -1'] },
      { what: 'float indices', call: () => E.indexSelect(SCORES(), 0, zeros([2])), says: ['indexSelect: expected an int32 index', 'index [2] float32'] },
      { what: 'a 2-D index', call: () => E.indexSelect(SCORES(), 0, E.tensor([[0], [1]], undefined, { dtype: 'int32' })), says: ['indexSelect: expected a 1-D index', 'index [2,1] int32'] },
    ],
  }),
  row<{ dim: number }>({
    op: 'gather', call: (t, p) => E.gather(t.x, p.dim, t.index),
    torch: [{ file: DIMS, key: 'gather' }],
    gpuTol: () => terms(16),
    gpu: [{ name: '[128,128] dim 1, index [128,300]', params: { dim: 1 }, k: 16, inputs: (d) => ({ x: d.normal(128, 128), index: intsOf([128, 300], 128, d) }) },
      { name: '[7,13,5] dim 0, index [11,13,3]', params: { dim: 0 }, k: 16, inputs: (d) => ({ x: d.normal(7, 13, 5), index: intsOf([11, 13, 3], 7, d) }) }],
    errors: [
      { what: 'an index past the dim', call: () => E.gather(SCORES(), 0, E.tensor([[0, 4]], undefined, { dtype: 'int32' })),
        says: ['gather: index values must lie in [0, 3] for dim 0', "'scores' [4,3]", 'from 0 to 4', 'index [1,2] int32'] },
      { what: 'an index larger than x outside dim', call: () => E.gather(SCORES(), 0, E.tensor([[0, 1, 2, 0]], undefined, { dtype: 'int32' })),
        says: ['gather: expected an index of rank 2 no larger than', "'scores' [4,3]", 'outside dim 0', 'index [1,4] int32'] },
      { what: 'float indices', call: () => E.gather(SCORES(), 1, zeros([4, 1])), says: ['gather: expected an int32 index', 'index [4,1] float32'] },
    ],
  }),
  row<{ dim: number }>({
    op: 'stack', call: (t, p) => E.stack([t.x, ...['t1', 't2', 't3'].filter((k) => k in t).map((k) => t[k])], p.dim), // the fixture's x, t1, …
    torch: [{ file: DIMS, key: 'stack' }], torchTol: EXACT, gpuTol: () => EXACT,
    errors: [
      { what: 'shapes that differ', call: () => E.stack([SCORES(), named([4, 2], 'narrow')], 0),
        says: ['stack: expected every tensor of shape [4,3]', "tensors[0] 'scores' [4,3]", "tensors[1] 'narrow' [4,2] float32"] },
      { what: 'a dim out of range', call: () => E.stack([SCORES()], 3), says: ['stack: dim 3 is out of range', 'expected a dim in [-3, 2]'] },
      { what: 'no tensors', call: () => E.stack([], 0), says: ['stack: expected a non-empty list'] },
    ],
  }),
];

// ---- the table --------------------------------------------------------------------------------

export const opTable: OpRow[] = [
  broadcastRow('add', [
    { what: 'shapes that do not broadcast', call: () => E.add(zeros([3, 4]), zeros([3])), says: ['add:', '[3,4]', '[3]', 'do not broadcast'] },
  ]),
  broadcastRow('sub'),
  broadcastRow('mul', [{ what: 'shapes that do not broadcast', call: () => E.mul(zeros([2, 3]), zeros([3, 2])), says: ['mul:', '[2,3]', '[3,2]'] }]),
  broadcastRow('div'),
  scalarRow('addScalar', 0.25, (x, c) => E.add(x, c)),
  scalarRow('subScalar', 1.25, (x, c) => E.sub(x, c)),
  scalarRow('rsubScalar', 1, (x, c) => E.sub(c, x)),
  scalarRow('mulScalar', -1.5, (x, c) => E.mul(x, c),
    [{ what: 'a scalar operand that is not finite', call: () => E.mul(zeros([2]), NaN), says: ['mul: the scalar operand must be finite, got NaN'] }]),
  scalarRow('divScalar', 3, (x, c) => E.div(x, c)),
  scalarRow('rdivScalar', 2, (x, c) => E.div(c, x)),
  row({
    op: 'neg', call: (t) => E.neg(t.x), torch: [{ file: 'torch_ops.json', key: 'neg' }],
    gpu: elementwiseCases({}), nonfinite: nonFiniteElementwise({}),
  }),
  row({
    op: 'square', call: (t) => E.square(t.x), torch: [{ file: 'torch_ops.json', key: 'square' }],
    gpu: elementwiseCases({}), nonfinite: nonFiniteElementwise({}),
  }),
  row({
    op: 'sqrt', call: (t) => E.sqrt(t.x), torch: [{ file: 'torch_ops.json', key: 'sqrt' }],
    gpu: elementwiseCases({}, positive), nonfinite: nonFiniteElementwise({}, '(negative values too) '),
  }),
  row({
    op: 'relu', call: (t) => E.relu(t.x),
    torch: [{ file: 'torch_ops.json', key: 'relu' }, { file: 'torch_nonfinite.json', key: 'elementwise', names: /^relu/ }],
    gpu: elementwiseCases({}), nonfinite: nonFiniteElementwise({}),
    errors: [{ what: 'an int32 input', call: () => E.relu(indices([1, 2])), says: ['relu: expected x to be float32', 'int32'] }],
  }),
  row<{ min?: number; max?: number }>({
    op: 'clamp', call: (t, p) => E.clamp(t.x, { min: p.min, max: p.max }),
    torch: [
      { file: 'torch_ops.json', key: 'clamp' }, { file: 'torch_ops.json', key: 'clampMax' },
      { file: 'torch_nonfinite.json', key: 'elementwise', names: /^clamp/ },
    ],
    gpu: elementwiseCases({ min: -0.3, max: 0.7 }, undefined, '[-0.3, 0.7] '),
    nonfinite: [
      ...nonFiniteElementwise({ min: -0.3, max: 0.7 }, '[-0.3, 0.7] '),
      ...nonFiniteElementwise({ min: -0.3 }, 'min -0.3 '),
      ...nonFiniteElementwise({ max: 0.7 }, 'max 0.7 '),
    ],
  }),
  ...(['log', 'abs', 'sigmoid', 'tanh', 'sin', 'cos'] as const).map((op) => row({
    op, call: (t) => E[op](t.x), torch: [{ file: 'torch_ops_math.json', key: op }],
    // Elementwise, no sums, also the gradients. Lavapipe's log/sin/cos/tanh agree with the CPU to
    // 1 ulp; WGSL promises less (sin, cos: 2⁻¹¹ absolute in [−π, π]; log: 3 ulp): an adapter
    // that fails this row on sin/cos is within the spec, and the row would then state the spec's bound.
    gpuTol: () => terms(0),
    gpu: elementwiseCases({}, MATH_DOMAIN[op]), nonfinite: nonFiniteElementwise({}),
    errors: [{ what: 'an int32 input', call: () => E[op](indices([1, 2])), says: [`${op}: expected x to be float32`, 'int32'] }],
  })),
  row<{ p: number }>({
    op: 'pow', call: (t, p) => E.pow(t.x, p.p), torch: [{ file: 'torch_ops_math.json', key: 'pow' }],
    gpuTol: () => terms(0), // WGSL's pow is exp2(p·log2 x): lavapipe is within 3e-6 relative here
    gpu: [2, 3, 0.5, -1, 1 / 3, 0, -2.5].flatMap((p) => elementwiseCases({ p }, p === Math.trunc(p) ? awayFromZero : positive, `p = ${p.toPrecision(3)}: `)),
    nonfinite: [2, 3, 0.5, -1, 1 / 3, 0].flatMap((p) => nonFiniteElementwise({ p }, `p = ${p.toPrecision(3)}: `)),
    errors: [
      { what: 'an exponent that is not finite', call: () => E.pow(zeros([2]), Infinity), says: ['pow: the exponent p must be finite, got Infinity'] },
      { what: 'a tensor exponent', call: () => E.pow(zeros([2]), zeros([2]) as unknown as number), says: ['pow: expected the exponent p to be a number', 'a tensor [2]'] },
      { what: 'an int32 input', call: () => E.pow(indices([1, 2]), 2), says: ['pow: expected x to be float32', 'int32'] },
    ],
  }),
  ...(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const).map((op) => row<{ c?: number; reversed?: boolean }>({
    op, constants: ['a', 'b'],
    call: (t, p) => (p.c === undefined ? E[op](t.a, t.b) : p.reversed ? E[op](p.c, t.a) : E[op](t.a, p.c)),
    torch: [{ file: 'torch_ops_math.json', key: op }],
    gpuTol: () => EXACT, // 0 or 1
    gpu: BROADCAST_PAIRS.map(([sa, sb]) => ({ name: `[${sa}] ⋚ [${sb}]`, inputs: (d) => ({ a: ties(d.normal(...sa)), b: ties(d.normal(...sb)) }) })),
    nonfinite: [
      ...BROADCAST_PAIRS.filter(([sa]) => sa[0] !== 10000).map(([sa, sb]) => ({
        name: `[${sa}] ⋚ [${sb}]`, inputs: (d: Draws) => ({ a: sprinkled(ties(d.normal(...sa)), 5, 0), b: sprinkled(ties(d.normal(...sb)), 7, 3) }),
      })),
      ...[Infinity, -Infinity, NaN].map((c) => ({ name: `[13,3] ⋚ ${c}`, params: { c }, inputs: (d: Draws) => ({ a: sprinkled(d.normal(13, 3)) }) })),
    ],
    errors: [
      { what: 'shapes that do not broadcast', call: () => E[op](zeros([3, 4]), zeros([3])), says: [`${op}:`, '[3,4]', '[3]', 'do not broadcast'] },
      { what: 'an int32 operand', call: () => E[op](1, indices([1, 2])), says: [`${op}: expected b to be float32`, 'int32'] },
      { what: 'two numbers', call: () => E[op](1 as unknown as E.Tensor, 2), says: [`${op}: at least one operand must be a Tensor`] },
    ],
  })),
  row<{ a?: number; b?: number }>({
    op: 'where', constants: ['cond'],
    call: (t, p) => E.where(t.cond, optional(t, 'a') ?? p.a!, optional(t, 'b') ?? p.b!),
    torch: [{ file: 'torch_ops_math.json', key: 'where' }],
    gpu: WHERE_SHAPES.map(([sc, sa, sb]) => ({
      name: `cond [${sc}], a [${sa}], b [${sb}]`, k: Math.max(...sc, ...sa, ...sb) ** 2,
      inputs: (d) => ({ cond: ties(d.normal(...sc)), a: d.normal(...sa), b: d.normal(...sb) }),
    })),
    // specials in cond (NaN holds), in a and b (kept out where not taken), in the upstream gradient
    nonfinite: WHERE_SHAPES.filter(([sc]) => sc[0] !== 10000).flatMap(([sc, sa, sb]) => [false, true].map((nonFiniteSeed) => ({
      name: `cond [${sc}], a [${sa}], b [${sb}]${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`, k: Math.max(...sc, ...sa, ...sb) ** 2, nonFiniteSeed,
      inputs: (d: Draws) => ({ cond: sprinkled(ties(d.normal(...sc)), 7, 2), a: sprinkled(d.normal(...sa), 3, 0), b: sprinkled(d.normal(...sb), 5, 1) }),
    }))),
    errors: [
      { what: 'a cond that is not a tensor', call: () => E.where(1 as unknown as E.Tensor, zeros([2]), 0), says: ['where: expected cond to be a tensor', 'number 1'] },
      { what: 'an int32 cond', call: () => E.where(indices([1, 0]), zeros([2]), 0), says: ['where: expected cond to be float32', 'int32'] },
      { what: 'shapes that do not broadcast', call: () => E.where(zeros([3, 4]), zeros([3]), 0), says: ['where:', '[3,4]', '[3]', 'do not broadcast'] },
      { what: 'an operand that is neither', call: () => E.where(zeros([2]), 'x' as unknown as number, 0), says: ['where: expected a to be a tensor or a number', 'string x'] },
    ],
  }),
  row<{ axis?: number; keepdim?: boolean }>({
    op: 'sum', call: (t, p) => E.sum(t.x, p.axis, p.keepdim ?? false), torch: [{ file: 'torch_ops.json', key: 'sum' }],
    gpu: REDUCTIONS.map(([shape, axis]) => ({
      name: reductionName(shape, axis), params: { axis }, k: reducedLength(shape, axis), inputs: (d) => ({ x: d.normal(...shape) }),
    })),
    nonfinite: nonFiniteReductions(undefined, false),
    errors: [{ what: 'an axis out of range', call: () => E.sum(zeros([2, 3]), 2), says: ['sum: axis 2 is out of range for a tensor of rank 2'] }],
  }),
  row<{ axis?: number; keepdim?: boolean }>({
    op: 'mean', call: (t, p) => E.mean(t.x, p.axis, p.keepdim ?? false), torch: [{ file: 'torch_ops.json', key: 'mean' }],
    gpu: REDUCTIONS.map(([shape, axis]) => ({
      name: `${reductionName(shape, axis)}, keepdim`, params: { axis, keepdim: true }, k: reducedLength(shape, axis), inputs: (d) => ({ x: d.normal(...shape) }),
    })),
    nonfinite: nonFiniteReductions(true, true),
  }),
  row<{ transA?: boolean; transB?: boolean }>({
    op: 'matmul', call: (t, p) => E.matmul(t.a, t.b, { transA: p.transA, transB: p.transB }), torch: [{ file: 'torch_ops.json', key: 'matmul' }],
    gpu: matmulCases(MATMUL_SHAPES, (a, b) => [a, b]),
    nonfinite: matmulCases(MATMUL_SHAPES.filter(([m, n, k]) => m * n * k < 100000),
      (a, b, m, n, k) => [spiked(a, spread(m * k, 3)), spiked(b, spread(n * k, 2), [-Infinity, NaN])])
      .map((c) => ({ ...c, nonFiniteSeed: c.params!.transA === c.params!.transB })),
    errors: [
      { what: 'inner dimensions that differ', call: () => E.matmul(zeros([3, 4]), zeros([5, 6])), says: ['matmul: inner dimensions differ', 'op(a) is [3,4]', 'op(b) is [5,6]'] },
      { what: 'inner dimensions that differ once transposed', call: () => E.matmul(zeros([3, 4]), zeros([3, 6]), { transB: true }),
        says: ['matmul: inner dimensions differ', '[3,6] float32 transposed'] },
      { what: 'an operand that is not 2-D', call: () => E.matmul(zeros([4]), zeros([4, 2])), says: ['matmul: expected 2-D operands', 'a [4] float32'] },
    ],
  }),
  row<{ relu?: boolean }>({
    op: 'linear',
    call: (t, p) => {
      const table = optional(t, 'table');
      return E.linear(t.x, t.weight, optional(t, 'bias'), { addRows: table && { table, indices: t.indices }, relu: p.relu });
    },
    torch: [{ file: 'torch_ops.json', key: 'linear' }, { file: 'torch_ops.json', key: 'linearFused' }],
    gpu: [
      { name: '[10000,128]·[128,128]ᵀ + b (the sampling batch)', k: 10000, inputs: (d) => ({ x: d.normal(10000, 128), weight: d.normal(128, 128), bias: d.normal(128) }) },
      ...[[128, 2, 128], [128, 128, 128], [37, 5, 11]].map(([batch, inF, outF]) => ({
        name: `fused layer relu(x·Wᵀ + b + table[t]) x [${batch},${inF}], W [${outF},${inF}], table [100,${outF}]`, params: { relu: true }, k: Math.max(batch, inF),
        inputs: (d: Draws) => ({
          x: d.normal(batch, inF), weight: d.normal(outF, inF), bias: d.normal(outF), table: d.normal(100, outF), indices: d.ints(batch, 100),
        }),
      })),
    ],
    nonfinite: [[1, 1, 1], [37, 5, 11], [128, 2, 128]].flatMap(([batch, inF, outF]) => nonFiniteLinear(batch, inF, outF)),
    errors: [
      { what: "x that does not fit the layer's weight", says: ['linear: expected x [B, 3]', "weight 'layer.weight' [5,3] float32", 'got x [8,4] float32'],
        call: () => {
          const layer = new E.Linear(3, 5, new E.Rng(0));
          layer.namedParameters('layer.');
          return layer.forward(zeros([8, 4]));
        } },
      { what: 'a bias of the wrong length', call: () => E.linear(zeros([2, 3]), zeros([5, 3]), zeros([4])), says: ['linear: expected bias [5]', 'got bias [4] float32'] },
      { what: 'indices outside the table', says: ['linear: indices must lie in [0, 9]', 'from 0 to 10'],
        call: () => E.linear(zeros([2, 3]), zeros([5, 3]), undefined, { addRows: { table: zeros([10, 5]), indices: indices([0, 10]) } }) },
      { what: 'not one index per row', says: ['linear: expected int32 indices [2] (one per row of x)', 'got indices [3] int32'],
        call: () => E.linear(zeros([2, 3]), zeros([5, 3]), undefined, { addRows: { table: zeros([10, 5]), indices: indices([0, 1, 2]) } }) },
      { what: 'a table of the wrong width', says: ['linear: expected an embedding table [rows, 5] to add', 'got table [10,4] float32'],
        call: () => E.linear(zeros([2, 3]), zeros([5, 3]), undefined, { addRows: { table: zeros([10, 4]), indices: indices([0, 1]) } }) },
    ],
    checks: [fusedEpilogueEqualsOps],
  }),
  row({
    op: 'embedding', call: (t) => E.embedding(t.indices, t.weight), torch: [{ file: 'torch_ops.json', key: 'embedding' }],
    // Duplicate indices are certain with 128 draws from 100 rows.
    gpu: [[128, 100, 128, 128], [1, 1, 1, 0], [10000, 7, 3, 10000]].map(([n, rows, dim, k]) => ({
      name: `[${n}] from [${rows},${dim}]`, k, inputs: (d: Draws) => ({ weight: d.normal(rows, dim), indices: d.ints(n, rows) }),
    })),
    nonfinite: [[128, 100, 128], [1, 1, 1], [10000, 7, 3]].map(([n, rows, dim]) => ({
      name: `[${n}] from [${rows},${dim}] + NaN/Inf seed`, k: n, nonFiniteSeed: true,
      inputs: (d: Draws) => ({ weight: spiked(d.normal(rows, dim), spread(rows * dim, 3)), indices: d.ints(n, rows) }),
    })),
    errors: [
      { what: 'an index past the table', call: () => E.embedding(indices([0, 3, 10]), zeros([10, 4])), says: ['embedding: indices must lie in [0, 9]', 'from 0 to 10'] },
      { what: 'a negative index', call: () => E.embedding(indices([-1, 2]), zeros([10, 4])), says: ['from -1 to 2'] },
      { what: 'float indices', call: () => E.embedding(zeros([3]), zeros([10, 4])), says: ['embedding: expected int32 indices', 'got indices [3] float32'] },
      { what: 'drawn indices whose range passes the table', call: () => E.embedding(E.randint([64], 0, 11, new E.Rng(0)), zeros([10, 4])), says: ['from 0 to 10'] },
    ],
    checks: [embeddingSumsDuplicates],
  }),
  row({
    op: 'mseLoss', call: (t) => E.mseLoss(t.input, t.target), torch: [{ file: 'torch_ops.json', key: 'mse' }],
    nonfinite: [{ name: '[31,2]', k: 62, inputs: (d) => ({ input: sprinkled(d.normal(31, 2), 9, 4), target: spiked(d.normal(31, 2), [7]) }) }],
    errors: [{ what: 'input and target of different shapes', call: () => E.mseLoss(zeros([4, 2]), zeros([4, 1])),
      says: ['mseLoss: input and target must have the same shape', '[4,2]', '[4,1]'] }],
  }),
  row<{ shape: number[] }>({
    op: 'reshape', call: (t, p) => E.reshape(t.x, p.shape), torch: [{ file: 'torch_ops.json', key: 'reshape' }],
    errors: [{ what: 'a size that differs', call: () => E.reshape(zeros([2, 3]), [4, 2]), says: ['reshape: cannot view x [2,3] float32 (6 elements) as [4,2]'] }],
  }),
  row<{ shape: number[] }>({
    op: 'expand', call: (t, p) => E.expand(t.x, p.shape), torch: [{ file: 'torch_ops.json', key: 'expand' }],
    errors: [{ what: 'a shape it cannot expand to', call: () => E.expand(zeros([2, 3]), [3, 3]), says: ['expand:'] }],
  }),
  row<{ dim?: number }>({
    op: 'logSoftmax', call: (t, p) => E.logSoftmax(t.x, p.dim),
    // Softmax over rows of [7,10], [1,1], [2,257], logits of size 40 (a naive exp would overflow float32), rank 3;
    // then over every dim of ranks 2 to 4 (the last by a negative dim too), with NaN/±Inf along rows and columns.
    torch: [{ file: 'torch_softmax.json', key: 'logSoftmax' }, { file: 'torch_nonfinite.json', key: 'logSoftmax' },
      { file: 'torch_ops_dims.json', key: 'logSoftmax' }],
    gradcheck: [{ name: 'x [4,6]', draws: [3, 0], inputs: (d) => ({ x: d.normal(4, 6) }) }],
    gpuTol: (c) => terms(c.inputs.x.at(-1)!), // K: the row length
    nonfinite: LOGITS_WITH_SPECIALS.flatMap(({ name, shape, make }) => [false, true].map((seeded) => ({
      // A sparse seed (about every other row), so that some rows' gradients stay finite.
      name: `${name}${seeded ? ' + NaN/Inf seed' : ''}`, k: shape[1], nonFiniteSeed: seeded && 2 * shape[1] + 1, inputs: (d: Draws) => ({ x: make(d) }),
    }))),
    errors: [
      { what: 'int32 logits', call: () => E.logSoftmax(E.tensor([1, 2], [2], { dtype: 'int32' })), says: ['logSoftmax', 'float32'] },
      { what: 'a dim out of range', call: () => E.logSoftmax(SCORES(), 2), says: ['logSoftmax: dim 2 is out of range', "'scores' [4,3]", 'expected a dim in [-2, 1]'] },
    ],
  }),
  ...DIM_ROWS,
  row({
    op: 'crossEntropy', call: (t) => E.crossEntropy(t.logits, t.labels),
    torch: [{ file: 'torch_softmax.json', key: 'crossEntropy', rename: { loss: 'y', grad: 'grad_logits' } }],
    gradcheck: [{ name: 'logits [4,6], labels [2,0,5,5]', draws: [3, 1], inputs: (d) => ({ logits: d.normal(4, 6), labels: ints([4], [2, 0, 5, 5]) }) }],
    gpuTol: (c) => terms(c.inputs.logits[1]), // K: the classes
    nonfinite: LOGITS_WITH_SPECIALS.map(({ name, shape, make }) => ({
      name, k: shape[0] * shape[1], inputs: (d: Draws) => ({ logits: make(d), labels: d.ints(shape[0], shape[1]) }),
    })),
    errors: [
      { what: 'labels out of range', call: () => E.crossEntropy(SCORES(), indices([0, 1, 3, 2])), says: ['crossEntropy', 'indices must lie in [0, 2]', 'from 0 to 3'] },
      { what: 'labels not int32', call: () => E.crossEntropy(SCORES(), E.tensor([0, 1, 2, 2], [4])),
        says: ['crossEntropy', 'expected labels [4] int32', "'scores' [4,3]", 'float32'] },
      { what: 'labels of the wrong length', call: () => E.crossEntropy(SCORES(), indices([0, 1])), says: ['expected labels [4] int32', '[2] int32'] },
      { what: 'logits not [B, C]', call: () => E.crossEntropy(zeros([4]), indices([0, 1, 2, 2])), says: ['expected logits [B, C]'] },
    ],
  }),
  row<{ stride?: number; padding?: number }>({
    op: 'conv2d', call: (t, p) => E.conv2d(t.x, t.weight, optional(t, 'bias'), { stride: p.stride, padding: p.padding }),
    // Batch 1, odd and prime channel counts, 1×1, 3×3 and 5×5 windows, stride 2 and 3, padding, non-square images.
    torch: [{ file: 'torch_unet_ops.json', key: 'conv2d' }],
    gradcheck: [{
      name: 'x [2,3,5,5], weight [4,3,3,3], bias [4], stride 2, padding 1', draws: [5, 2], params: { stride: 2, padding: 1 },
      inputs: (d) => ({ x: d.normal(2, 3, 5, 5), weight: d.normal(4, 3, 3, 3), bias: d.normal(4) }),
    }],
    gpuTol: ({ inputs: { x, weight }, params: { stride = 1, padding = 0 } }) => {
      const [B, C, H, W] = x, [, , KH, KW] = weight;
      const OH = Math.floor((H + 2 * padding - KH) / stride) + 1, OW = Math.floor((W + 2 * padding - KW) / stride) + 1;
      return terms(Math.max(C * KH * KW, B * OH * OW)); // K: a window's terms, or the batch's pixels for ∂/∂w
    },
    errors: [
      { what: 'channels that differ', call: () => E.conv2d(IMAGES(), named([5, 2, 3, 3], 'kernel')),
        says: ['conv2d', "'images' [2,3,4,4] float32 has 3 channels", "'kernel' [5,2,3,3] float32 takes 2"] },
      { what: 'an input not [B, C, H, W]', call: () => E.conv2d(zeros([3, 4]), named([5, 2, 3, 3], 'kernel')), says: ['conv2d', 'expected an input [B, C, H, W]', '[3,4]'] },
      { what: 'a weight not [O, C, KH, KW]', call: () => E.conv2d(IMAGES(), zeros([3, 3])), says: ['conv2d', 'expected a weight [O, C, KH, KW]'] },
      { what: 'a window that does not fit', call: () => E.conv2d(IMAGES(), zeros([5, 3, 7, 7])), says: ['conv2d', 'a 7×7 window does not fit', "'images' [2,3,4,4]", 'padding 0'] },
      { what: 'stride 0', call: () => E.conv2d(IMAGES(), zeros([5, 3, 3, 3]), undefined, { stride: 0 }), says: ['conv2d', 'stride must be a positive integer, got 0'] },
      { what: 'negative padding', call: () => E.conv2d(IMAGES(), zeros([5, 3, 3, 3]), undefined, { padding: -1 }),
        says: ['conv2d', 'padding must be a non-negative integer, got -1'] },
      { what: 'a bias of the wrong length', call: () => E.conv2d(IMAGES(), zeros([5, 3, 3, 3]), E.tensor([1, 2, 3], [3], { name: 'b' })),
        says: ['conv2d', 'expected a bias [5]', "'b' [3]"] },
    ],
    checks: [convMatchesDefinition, convNonFiniteReachesItsWindows, convGpuMatchesCpuAcrossTiles],
  }),
  row<{ dims: number[] }>({
    op: 'permute', call: (t, p) => E.permute(t.x, p.dims),
    withoutTorch: 'a copy in a new order: checked element by element against torch.permute’s definition',
    gradcheck: [{ name: 'x [2,3,4,5], dims [2,0,3,1]', draws: [5, 1], params: { dims: [2, 0, 3, 1] }, inputs: (d) => ({ x: d.normal(2, 3, 4, 5) }) }],
    errors: [
      { what: 'dims that repeat an axis', call: () => E.permute(IMAGES(), [0, 1, 1, 2]), says: ['permute', 'dims [0, 1, 1, 2] are not an order of the 4 axes', "'images'"] },
      { what: 'too few dims', call: () => E.permute(IMAGES(), [1, 0]), says: ['permute', 'not an order of the 4 axes'] },
    ],
    checks: [permuteIsTorchPermute],
  }),
  row({
    op: 'exp', call: (t) => E.exp(t.x),
    withoutTorch: 'silu’s PyTorch cases run through it (past its float32 range); its own NaN/±Inf answers are checked below',
    gradcheck: [{ name: 'x [3,5]', draws: [7, 1], inputs: (d) => ({ x: d.normal(3, 5) }) }],
    checks: [expNonFiniteAsTorch],
  }),
  row({
    op: 'silu', call: (t) => E.silu(t.x),
    torch: [{ file: 'torch_unet_ops.json', key: 'silu' }], // inputs past exp's float32 range
    gradcheck: [{ name: 'x [3,5]', draws: [7, 0], inputs: (d) => ({ x: d.normal(3, 5) }) }],
    // WGSL's exp is within 3 + 2·|x| ULP: SiLU's relative error grows with |x|.
    gpuTol: () => ({ atol: 1e-6, rtol: 2e-5 }),
    checks: [siluNonFiniteAsTorch],
  }),
  row<{ groups: number; silu?: boolean }>({
    op: 'groupNorm',
    // shift (an input of the case, [B, C]) and silu: the fused options. PyTorch's cases have neither
    // (the fixtures were not regenerated for them); groupNormFusedEqualsComposition checks them
    // against silu(groupNorm(x + shift)) composed, whose parts PyTorch's cases cover.
    call: (t, p) => E.groupNorm(t.x, p.groups, t.weight, t.bias, { shift: optional(t, 'shift'), silu: p.silu }),
    // 1 group, a group per channel, a near-constant group.
    torch: [{ file: 'torch_unet_ops.json', key: 'groupNorm' }],
    // The near-constant group divides x − μ, rounded to float32 op by op here, by √(σ² + ε) ≈ 3e-3:
    // its ∂/∂x differs from PyTorch's by 5e-5 relative there, hence rtol 1e-4.
    torchTol: { atol: 1e-5, rtol: 1e-4 },
    gradcheck: [{
      name: 'x [2,4,3,3], weight [4], bias [4], groups 2', draws: [7, 2], params: { groups: 2 },
      inputs: (d) => ({ x: d.normal(2, 4, 3, 3), weight: d.normal(4), bias: d.normal(4) }),
    }, {
      name: 'x [2,4,3,3], shift [2,4], weight [4], bias [4], groups 2, silu', draws: [7, 12], params: { groups: 2, silu: true },
      inputs: (d) => ({ x: d.normal(2, 4, 3, 3), shift: d.normal(2, 4), weight: d.normal(4), bias: d.normal(4) }),
    }, {
      name: 'x [1,6,2,3], shift [1,6], groups 3, silu', draws: [7, 13], params: { groups: 3, silu: true },
      inputs: (d) => ({ x: d.normal(1, 6, 2, 3), shift: d.normal(1, 6) }),
    }],
    // Awkward shapes with the fused options: groups of 2 values, of 35, and of 512 (more than a workgroup's 256 threads).
    gpu: [
      { name: 'x [1,4,1,1], shift [1,4], groups 2', params: { groups: 2 }, inputs: (d) => ({ x: d.normal(1, 4, 1, 1), shift: d.normal(1, 4) }) },
      { name: 'x [3,6,5,7], shift [3,6], weight [6], bias [6], groups 6, silu', params: { groups: 6, silu: true },
        inputs: (d) => ({ x: d.normal(3, 6, 5, 7), shift: d.normal(3, 6), weight: d.normal(6), bias: d.normal(6) }) },
      { name: 'x [2,8,8,16], shift [2,8], weight [8], groups 2, silu', params: { groups: 2, silu: true },
        inputs: (d) => ({ x: d.normal(2, 8, 8, 16), shift: d.normal(2, 8), weight: d.normal(8) }) },
    ],
    // K: a group's elements, or the images × pixels of a channel (γ's and β's sums); rtol as against PyTorch (the near-constant group).
    gpuTol: ({ inputs: { x }, params: { groups } }): Tolerance =>
      ({ atol: 2e-6 * Math.max(sizeOf(x) / (x[0] * groups), sizeOf(x) / x[1]) + 1e-5, rtol: 1e-4 }),
    // A NaN, +Inf or −Inf in x at every 23rd element, and in shift at every 5th: those groups NaN, the others not.
    nonfinite: [{
      name: 'x [3,4,3,3] and shift [3,4] with NaN/±Inf, groups 4, silu', params: { groups: 4, silu: true },
      inputs: (d) => ({ x: sprinkled(d.normal(3, 4, 3, 3), 23, 3), shift: sprinkled(d.normal(3, 4), 5, 2), weight: d.normal(4), bias: d.normal(4) }),
    }],
    errors: [
      { what: 'groups that do not divide the channels', call: () => E.groupNorm(IMAGES(), 2, E.ones([3]), zeros([3])),
        says: ['groupNorm', '2 groups do not divide the 3 channels', "'images' [2,3,4,4]"] },
      { what: 'a weight of the wrong length', call: () => E.groupNorm(IMAGES(), 3, E.tensor([1, 1], [2], { name: 'g' }), zeros([3])),
        says: ['groupNorm', 'expected weight [3]', "'g' [2]"] },
      { what: 'options where the weight goes', call: () => E.groupNorm(IMAGES(), 3, { eps: 1e-6 } as never),
        says: ['groupNorm', 'expected weight to be a tensor [3], null or undefined, got { eps }', 'groupNorm(x, groups, weight, bias, { eps })'] },
      { what: 'a shift per channel only', call: () => E.groupNorm(IMAGES(), 3, null, null, { shift: named([3], 'temb') }),
        says: ['groupNorm', 'expected shift [2, 3]', "'images' [2,3,4,4]", "'temb' [3]"] },
      { what: 'a shift of another batch', call: () => E.groupNorm(IMAGES(), 3, null, null, { shift: named([4, 3], 'temb') }),
        says: ['groupNorm', 'expected shift [2, 3]', "'temb' [4,3]"] },
      { what: 'a shift that is not a tensor', call: () => E.groupNorm(IMAGES(), 3, null, null, { shift: [1, 2, 3] as never }),
        says: ['groupNorm', 'expected shift to be a tensor [2, 3]', 'an Array [1,2,3]'] },
      { what: 'an int32 shift', call: () => E.groupNorm(IMAGES(), 3, null, null, { shift: E.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32', name: 'steps' }) }),
        says: ['groupNorm', "'steps'"] },
      { what: 'a misspelt option', call: () => E.groupNorm(IMAGES(), 3, null, null, { silu: true, shfit: zeros([2, 3]) } as never),
        says: ['groupNorm', "unknown option 'shfit'", 'eps, shift, silu'] },
    ],
    checks: [groupNormNaNStaysInItsGroup, groupNormWithoutWeightOrBias, groupNormFusedEqualsComposition, groupNormWorkgroupsAgree],
  }),
  row({
    op: 'upsample2x', call: (t) => E.upsample2x(t.x), torch: [{ file: 'torch_unet_ops.json', key: 'upsample2x' }],
    gradcheck: [{ name: 'x [1,2,3,2]', draws: [7, 5], inputs: (d) => ({ x: d.normal(1, 2, 3, 2) }) }],
    gpuTol: () => ({ atol: 1e-6, rtol: 2e-5 }), // silu's rule: copies, and sums of four in the backward
    errors: [{ what: 'an input not [B, C, H, W]', call: () => E.upsample2x(E.tensor([1, 2], [2], { name: 'v' })),
      says: ['upsample2x', 'expected an input [B, C, H, W]', "'v' [2]"] }],
  }),
  row<{ axis?: number }>({
    op: 'concat', call: (t, p) => E.concat(t.a, t.b, p.axis ?? 1), // the fixture's torch.cat(dim=1)
    torch: [{ file: 'torch_unet_ops.json', key: 'concat' }],
    torchTol: EXACT, // a copy: bit for bit
    gradcheck: [{ name: 'a [2,3,2], b [2,3,4], axis 2', draws: [7, 6], params: { axis: 2 }, inputs: (d) => ({ a: d.normal(2, 3, 2), b: d.normal(2, 3, 4) }) }],
    gpuTol: () => EXACT,
    errors: [{ what: 'shapes that differ outside the axis', says: ['concat', "'images' [2,3,4,4]", "'wide' [2,3,4,5]", 'differ outside axis 1'],
      call: () => E.concat(IMAGES(), named([2, 3, 4, 5], 'wide'), 1) }],
  }),
  row<{ trans_a?: boolean; trans_b?: boolean }>({
    op: 'bmm', call: (t, p) => E.bmm(t.a, t.b, { transA: p.trans_a, transB: p.trans_b }),
    torch: [{ file: 'torch_unet_ops.json', key: 'bmm' }], // every transpose
    gradcheck: [{ name: 'a [2,4,3], b [2,4,5], trans_a', draws: [7, 8], params: { trans_a: true }, inputs: (d) => ({ a: d.normal(2, 4, 3), b: d.normal(2, 4, 5) }) }],
    errors: [
      { what: 'stacks of different N', call: () => E.bmm(named([2, 3, 4], 'a'), named([3, 4, 5], 'b')),
        says: ['bmm', 'stacks [N, ·, ·] of the same N', "'a' [2,3,4]", "'b' [3,4,5]"] },
      { what: 'inner dimensions that differ', call: () => E.bmm(named([2, 3, 4], 'a'), named([2, 5, 5], 'b')),
        says: ['bmm', 'inner dimensions differ', 'op(a) is [2,3,4]', 'op(b) is [2,5,5]'] },
    ],
  }),
  row<{ scale?: number }>({
    op: 'attention', call: (t, p) => E.attention(t.q, t.k, t.v, p.scale === undefined ? {} : { scale: p.scale }),
    // 49 tokens, one token, unequal lengths, sharp scores.
    torch: [{ file: 'torch_unet_ops.json', key: 'attention' }],
    gradcheck: [{
      name: 'q [2,4,3], k [2,5,3], v [2,5,2]', draws: [7, 10], inputs: (d) => ({ q: d.normal(2, 4, 3), k: d.normal(2, 5, 3), v: d.normal(2, 5, 2) }),
    }, {
      name: 'q [2,4,3], k [2,5,3], v [2,5,2], scale −0.7', draws: [7, 10], params: { scale: -0.7 },
      inputs: (d) => ({ q: d.normal(2, 4, 3), k: d.normal(2, 5, 3), v: d.normal(2, 5, 2) }),
    }],
    // The scaled softmax kernel (scale folded into it, forward and backward) at the U-Net's 49
    // tokens (scale 1/√d) and at odd lengths with scales of its own, one negative.
    gpu: [
      { name: 'q, k, v [2,49,8]', k: 49, inputs: (d) => ({ q: d.normal(2, 49, 8), k: d.normal(2, 49, 8), v: d.normal(2, 49, 8) }) },
      ...[2.5, -0.7].map((scale) => ({
        name: `q [3,7,5], k [3,13,5], v [3,13,3], scale ${scale}`, k: 13, params: { scale },
        inputs: (d: Draws) => ({ q: d.normal(3, 7, 5), k: d.normal(3, 13, 5), v: d.normal(3, 13, 3) }),
      })),
    ],
    // NaN/±Inf in q reach whole rows of scores (NaN rows of weights); a NaN/Inf seed reaches the backward.
    nonfinite: [false, true].map((nonFiniteSeed) => ({
      name: `q with NaN/±Inf, scale 2.5${nonFiniteSeed ? ' + NaN/Inf seed' : ''}`, k: 13, params: { scale: 2.5 }, nonFiniteSeed: nonFiniteSeed && 7,
      inputs: (d: Draws) => ({ q: sprinkled(d.normal(3, 7, 5), 11, 2), k: d.normal(3, 13, 5), v: d.normal(3, 13, 3) }),
    })),
    // Sharp scores (q ×12) make the gradients sums of terms far larger than their results
    // (∂/∂k = scale·Σ_t ∂S·q), so the absolute part also scales with each output's largest value.
    gpuTol: ({ inputs: { q, k } }, cpu) => {
      const K = Math.max(...q, ...k);
      return { atol: 2e-6 * K + 1e-6 + 1e-5 * Math.max(...Array.from(cpu, Math.abs)), rtol: 1e-5 };
    },
    errors: [{ what: 'q and k of different widths', call: () => E.attention(named([2, 3, 4], 'q'), named([2, 5, 3], 'k'), named([2, 5, 2], 'v')),
      says: ['attention', 'expected q [N, T, d], k [N, S, d] and v [N, S, dv]', "'q' [2,3,4]", "'k' [2,5,3]"] }],
  }),
];
