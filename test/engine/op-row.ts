// What a row of the op table (op-table.ts) says about one op; the runners (op-runners.ts) read it.

import type * as E from '../../engine/index.js';
import type { WebGpuBackend } from '../../engine/webgpu/backend.js';
import type { Tolerance } from '../support/helpers.js';
import type { FixtureRef, Params } from './op-fixtures.js';
import type { Draws, HostTensor } from './op-inputs.js';

/** The op's tensors by name, as a case gives them (float inputs and int32 ones). */
export type Tensors = Readonly<Record<string, E.Tensor>>;

/** An input a case may leave out (linear's bias, conv2d's), or undefined. */
export const optional = (t: Tensors, name: string): E.Tensor | undefined => (name in t ? t[name] : undefined);

/** Inputs made for a check: shapes, random values, NaN and ±Inf where a case writes them. */
export interface OpCase<P extends object = Params> {
  /** What the test name says after the op. */
  name: string;
  /** The inputs, from a generator the runner makes: Rng(2024, 7) unless `draws` says otherwise. */
  inputs: (d: Draws) => Record<string, HostTensor>;
  params?: P;
  /** Rng(seed) from its draw `offset` on instead (the central-difference cases: inputs fixed by seed and position). */
  draws?: [seed: number, offset: number];
  /** GPU vs CPU: the terms of the longest sum, K in atol 2e-6·K + 1e-6 (0: elementwise). */
  k?: number;
  /** GPU vs CPU: NaN, +Inf, −Inf in the upstream gradient too, at every 3rd element (true) or every n-th. */
  nonFiniteSeed?: boolean | number;
}

/** A bad input the op refuses, and the fragments its message must hold. */
export interface BadInput {
  what: string;
  call: () => unknown;
  says: string[];
}

/** A check of one op's structure beyond the runners (op-checks.ts). */
export interface Check {
  name: string;
  /** 'needs': a GPU test; 'also': on the CPU, and on WebGPU when there is one; absent: the CPU only. */
  gpu?: 'needs' | 'also';
  run: (gpu: WebGpuBackend | null) => Promise<void> | void;
}

/** The shapes and parameters of a case, for a row's GPU-vs-CPU tolerance rule. */
export interface CaseShapes<P extends object = Params> {
  inputs: Readonly<Record<string, readonly number[]>>;
  params: P;
}

export interface OpRow<P extends object = Params> {
  /** The op's name in test names: the engine's function, or the fixture's key for a variant. */
  op: string;
  /** How to call it on a case's tensors. */
  call(t: Tensors, p: P): E.Tensor;
  /**
   * Float inputs that take no gradient (where's cond; a comparison's operands): made without
   * requiresGrad and held fixed in the central differences. Where every float input is one, the
   * runners check that the output requires no grad, and compare the forward only.
   */
  constants?: readonly string[];
  /** PyTorch's cases: forward and every input gradient (on the CPU; NaN/±Inf cases on WebGPU too). */
  torch?: FixtureRef[];
  /** Why a row has no PyTorch cases (then the other runners carry it). */
  withoutTorch?: string;
  /** Against PyTorch, where the fixture file's rule (op-runners.ts) does not hold. */
  torchTol?: Tolerance;
  /** Central differences; by default on the row's finite PyTorch cases. */
  gradcheck?: OpCase<P>[];
  /** GPU vs CPU on awkward and workload shapes (the finite PyTorch cases are run too). */
  gpu?: OpCase<P>[];
  /** GPU vs CPU tolerance of an output (`cpu`) where a case states no K; default: K = the largest float input dimension. */
  gpuTol?(c: CaseShapes<P>, cpu: ArrayLike<number>): Tolerance;
  /** GPU vs CPU with NaN and ±Inf in the inputs. */
  nonfinite?: OpCase<P>[];
  /** Bad inputs refused by name. */
  errors?: BadInput[];
  checks?: Check[];
}

/**
 * A row with its parameters typed. The table holds OpRow<Params>: sound, since the runners pass
 * a row only its own cases' parameters (and its fixture's, which make_fixtures.py names alike).
 */
export const row = <P extends object>(r: OpRow<P>): OpRow => r as unknown as OpRow;
