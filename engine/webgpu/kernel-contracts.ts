// Each shader file's contract with the WebGPU backend, in one place and by name: its uniform
// block (binding 0, `struct Params`, declared by name and type: uniforms.ts), its storages
// (bindings 1, 2, … by WGSL name and access: bindings.ts) and, where the kernel picks its
// operation from a code, the codes (WGSL constants by name: op-codes.ts). backend.ts writes the
// blocks, binds the buffers and passes the codes by name; each contract is checked against its
// WGSL when the shader module is made (and in test/engine/uniforms.test.ts, bindings.test.ts,
// op-codes.test.ts). Padding fields are the WGSL struct's own, kept so the two read alike.

import type { ArgOp, BinaryOp, ScalarOp, UnaryOp } from '../backend.js';
import { checkStorageBindings, storageBindings, type Access, type StorageBindings } from './bindings.js';
import { checkOpCodes, opCodes, type OpCodes } from './op-codes.js';
import { checkUniformStruct, uniformStruct, type StructFields, type UniformStruct } from './uniforms.js';

export interface KernelContract<F extends StructFields = StructFields, N extends string = string,
  O extends Readonly<Record<string, OpCodes>> = Readonly<Record<string, OpCodes>>> {
  readonly params: UniformStruct<F>;
  readonly bindings: StorageBindings<N>;
  readonly ops: O;
}

/** A contract: `struct Params` at binding 0, the storages from binding 1 in the order given, the op codes. */
function kernel<F extends StructFields, N extends string, O extends Readonly<Record<string, OpCodes>> = Record<never, OpCodes>>(
  params: F, storages: Record<N, Access>, ops: O = {} as O): KernelContract<F, N, O> {
  return { params: uniformStruct('Params', params), bindings: storageBindings(1, storages), ops };
}

/** The matmul kernels' storages (both files): C, A, B and the epilogue's operands (a dummy where unused). */
const MATMUL_STORAGES = { c: 'read_write', a: 'read', b: 'read', bias: 'read', table: 'read', idx: 'read' } as const;

/** The convolution kernels' uniforms and storages (all three files). */
const CONV_PARAMS = {
  batch: 'u32', channels: 'u32', height: 'u32', width: 'u32', outChannels: 'u32', kernelH: 'u32', kernelW: 'u32', stride: 'u32',
  padding: 'u32', outH: 'u32', outW: 'u32', sliceLen: 'u32',
} as const;
const CONV_STORAGES = { out: 'read_write', x: 'read', dy: 'read', weight: 'read', bias: 'read' } as const;

export const KERNELS = {
  adam: kernel({
    n: 'u32', stepSize: 'f32', bc2Sqrt: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32',
    eps: 'f32', weightDecay: 'f32', weightScale: 'f32', _pad1: 'u32', _pad2: 'u32',
  }, { p: 'read_write', g: 'read', m: 'read_write', v: 'read_write' }),
  'axis-index': kernel({
    outer: 'u32', len: 'u32', inner: 'u32', count: 'u32', op: 'u32', oneList: 'u32', _pad0: 'u32', _pad1: 'u32',
  }, { out: 'read_write', pos: 'read_write', src: 'read', idx: 'read' }, { arg: opCodes<ArgOp>('ARG', { max: 0, min: 1 }) }),
  concat: kernel({ n: 'u32', width: 'u32', start: 'u32', count: 'u32' }, { out: 'read_write', a: 'read', b: 'read' }),
  conv: kernel(CONV_PARAMS, CONV_STORAGES),
  'conv-subgroup': kernel(CONV_PARAMS, CONV_STORAGES),
  'conv-tiled': kernel(CONV_PARAMS, CONV_STORAGES),
  elementwise: kernel({
    n: 'u32', op: 'u32', c0: 'f32', c1: 'f32', shape: 'vec4<u32>', aStrides: 'vec4<u32>', bStrides: 'vec4<u32>',
  }, { out: 'read_write', a: 'read', b: 'read' }, {
    unary: opCodes<UnaryOp>('UNARY', {
      neg: 0, square: 1, sqrt: 2, relu: 3, exp: 4, silu: 5, log: 6, abs: 7, sigmoid: 8, tanh: 9, sin: 10, cos: 11, sign: 12,
    }),
    scalar: opCodes<ScalarOp>('SCALAR', {
      add: 0, rsub: 1, mul: 2, div: 3, rdiv: 4, min: 5, max: 6, pow: 7, eq: 8, ne: 9, lt: 10, le: 11, gt: 12, ge: 13,
    }),
    binary: opCodes<BinaryOp>('BINARY', { add: 0, sub: 1, mul: 2, div: 3, eq: 4, ne: 5, lt: 6, le: 7, gt: 8, ge: 9 }),
    /** clamp_backward's bounds, bits of `op`: a bound without its bit is none (±Inf). */
    clampBounds: opCodes('CLAMP', { lo: 1, hi: 2 }),
  }),
  embedding: kernel({ n: 'u32', rows: 'u32', dim: 'u32', _pad: 'u32' }, { out: 'read_write', src: 'read', idx: 'read' }),
  'group-norm': kernel({
    batch: 'u32', channels: 'u32', groups: 'u32', spatial: 'u32', eps: 'f32', silu: 'u32', hasShift: 'u32', hasWeight: 'u32',
    hasBias: 'u32', _pad0: 'u32', _pad1: 'u32', _pad2: 'u32',
  }, {
    out: 'read_write', stats: 'read_write', sums: 'read_write', x: 'read', shift: 'read', weight: 'read', bias: 'read', dy: 'read',
  }),
  'int-fill': kernel({ n: 'u32', value: 'i32' }, { out: 'read_write' }),
  matmul: kernel({ m: 'u32', n: 'u32', k: 'u32', _pad: 'u32' }, MATMUL_STORAGES),
  'matmul-subgroup': kernel({ m: 'u32', n: 'u32', k: 'u32', _pad: 'u32' }, MATMUL_STORAGES),
  'matmul-tiled': kernel({ m: 'u32', n: 'u32', k: 'u32', _pad: 'u32' }, MATMUL_STORAGES),
  random: kernel({
    n: 'u32', seed: 'u32', stream: 'u32', offset: 'u32', p0: 'f32', p1: 'f32', ilow: 'i32', irange: 'u32',
  }, { outF: 'read_write', outI: 'read_write' }),
  reduce: kernel({ outer: 'u32', len: 'u32', inner: 'u32', _pad: 'u32' }, { out: 'read_write', x: 'read' }),
  sgd: kernel({
    n: 'u32', op: 'u32', lr: 'f32', weightDecay: 'f32', momentum: 'f32', oneMinusDampening: 'f32', _pad0: 'u32', _pad1: 'u32',
  }, { p: 'read_write', g: 'read', buf: 'read_write' }, {
    /** Bits of `op`: a momentum buffer is kept, this is its first step, Nesterov's look-ahead. */
    flags: opCodes('SGD', { momentum: 1, firstStep: 2, nesterov: 4 }),
  }),
  softmax: kernel({ rows: 'u32', cols: 'u32', scale: 'f32', _pad: 'u32' }, { out: 'read_write', a: 'read', b: 'read' }),
} as const;

/** Throws, naming what differs, unless `code` keeps every part of `contract`. */
export function checkKernelContract(code: string, contract: KernelContract, where: string): void {
  checkUniformStruct(code, contract.params, where);
  checkStorageBindings(code, contract.bindings, where);
  for (const table of Object.values(contract.ops)) checkOpCodes(code, table, where);
}
