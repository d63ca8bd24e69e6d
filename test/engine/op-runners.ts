// The runners of the op table (op-table.ts), each run on every row that has what it needs, and
// their tolerance rules. Every comparison is assertClose's (test/support/helpers.ts), element by
// element: |got − want| ≤ atol + rtol·|want|; NaN where want is NaN, the same infinity where it
// is infinite.
//
// (1) PyTorch's numbers: forward and every input gradient for the fixture's upstream gradient,
//     on the CPU (the NaN/±Inf fixture on WebGPU too). Per fixture file (TORCH_TOL):
//       torch_ops.json, torch_unet_ops.json   atol 1e-5, rtol 1e-5
//       torch_softmax.json, torch_nonfinite.json, torch_ops_math.json, torch_ops_dims.json   atol 1e-6, rtol 1e-5
//     Elementwise ops agree to the last bit or one rounding; matmul and reductions differ in
//     summation order and in precision (we accumulate in float64, PyTorch in float32), which
//     stays far below this bound. A row states its own rule where it must, with the reason.
// (2) Central differences (h = 1e-3) of L = Σ op(inputs)·w against autograd, with
//     |analytic − numeric| ≤ 2e-3 + 1e-2·|numeric| (helpers.ts gradcheck). Float32 rounding of L
//     limits how tight this can be; the fixtures keep inputs away from kinks (relu, clamp) and
//     poles (1/x) by more than h.
// (3) GPU vs CPU, forward and every float input's gradient, on the finite PyTorch cases (seeded
//     with their upstream gradient) and the row's awkward shapes (seeded with a normal draw of
//     Rng(99)): |gpu − cpu| ≤ atol + rtol·|cpu| with, unless the row says otherwise,
//       atol 2e-6·K + 1e-6, rtol 1e-5   K: the terms of the longest sum (0 elementwise: sqrt/div
//                                        may differ by ulps); a case states K, a PyTorch case's
//                                        is its largest float input dimension.
//     The GPU accumulates in float32, the CPU in float64; the error grows with the number of terms.
// (4) The same with NaN and ±Inf in the inputs (and upstream gradient): a NaN on the CPU must be
//     NaN on the GPU at the same place, ±Inf the same infinity (both follow PyTorch's NaN
//     semantics). Finite inputs stay far from float32's overflow, where the CPU's float64 sums
//     and the GPU's float32 ones may rightly differ.
// (5) Bad inputs refused by name, on the host, before any kernel runs.
// Kernel checks are never loosened to pass: a mismatch is a bug.

import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import type { WebGpuBackend } from '../../engine/webgpu/backend.js';
import { assertClose, assertThrowsWith, fromFixture, gradcheck, values, type FixtureTensor, type Tolerance } from '../support/helpers.js';
import { torchCases, type FixtureFile, type Params, type TorchCase } from './op-fixtures.js';
import { Draws, normalDraw, sizeOf, sprinkled, type HostTensor } from './op-inputs.js';
import type { OpCase, OpRow, Tensors } from './op-row.js';

export const TORCH_TOL: Readonly<Record<FixtureFile, Tolerance>> = {
  'torch_ops.json': { atol: 1e-5, rtol: 1e-5 },
  'torch_unet_ops.json': { atol: 1e-5, rtol: 1e-5 },
  'torch_softmax.json': { atol: 1e-6, rtol: 1e-5 },
  'torch_nonfinite.json': { atol: 1e-6, rtol: 1e-5 },
  'torch_ops_math.json': { atol: 1e-6, rtol: 1e-5 },
  'torch_ops_dims.json': { atol: 1e-6, rtol: 1e-5 },
};

/** GPU vs CPU for sums over K terms (K = 0: elementwise). */
export const terms = (k: number): Tolerance => ({ atol: 2e-6 * k + 1e-6, rtol: 1e-5 });

/** Bit for bit (NaN where NaN). */
export const EXACT: Tolerance = { atol: 0, rtol: 0 };

/** The test name's op and case: the case's own name where it already starts with the op. */
export const title = (row: OpRow, caseName: string): string =>
  caseName === row.op || caseName.startsWith(`${row.op} `) ? caseName : `${row.op} ${caseName}`;

/** A case ready to run: host inputs, parameters, and the upstream gradient where a fixture gives one. */
interface Prepared {
  name: string;
  inputs: Record<string, HostTensor>;
  params: Params;
  k?: number;
  nonFiniteSeed?: boolean | number;
  /** undefined: a normal draw of Rng(99); null: backward() on a scalar. */
  gradOut?: FixtureTensor | null;
}

export const isNonFinite = (c: TorchCase): boolean => c.nonfinite;

export const torchCasesOf = (row: OpRow): TorchCase[] => (row.torch ?? []).flatMap(torchCases);

export function prepared(c: OpCase): Prepared {
  const draws = c.draws ? new Draws(c.draws[0], 0, c.draws[1]) : new Draws(2024, 7);
  return { name: c.name, inputs: c.inputs(draws), params: c.params ?? {}, k: c.k, nonFiniteSeed: c.nonFiniteSeed };
}

export const fromTorch = (c: TorchCase): Prepared => ({ name: c.name, inputs: c.inputs, params: c.params, gradOut: c.gradOut });

/** The cases of runner (2): the row's own, or its finite PyTorch cases (none where no input takes a gradient). */
export function gradcheckCases(row: OpRow): Prepared[] {
  if (row.gradcheck) return row.gradcheck.map(prepared);
  const takesGradient = (c: Prepared): boolean => Object.entries(c.inputs).some(([k, t]) => differentiable(row, k, t));
  return torchCasesOf(row).filter((c) => !isNonFinite(c)).map(fromTorch).filter(takesGradient);
}

const isFloat = (t: HostTensor): boolean => t.data instanceof Float32Array;

/** A float input the row does not list among its constants. */
const differentiable = (row: OpRow, name: string, t: HostTensor): boolean => isFloat(t) && !(row.constants ?? []).includes(name);

function tensorsOn(row: OpRow, inputs: Record<string, HostTensor>, device: E.Backend, requiresGrad: boolean): Tensors {
  return Object.fromEntries(Object.entries(inputs).map(([k, t]) =>
    [k, E.tensor(t.data, t.shape, { device, requiresGrad: requiresGrad && differentiable(row, k, t) })]));
}

/** Whether any input of the case takes a gradient; if none does, the output must not require one. */
function checkGradientFlow(row: OpRow, t: Tensors, out: E.Tensor, what: string): boolean {
  const flows = Object.values(t).some((x) => x.requiresGrad);
  if (!flows) assert.not.ok(out.requiresGrad, `${what}: no gradient flows through ${row.op}`);
  return flows;
}

/** (1) Forward and every input gradient against PyTorch's, on `device`. */
export async function matchesTorch(row: OpRow, c: TorchCase, device: E.Backend): Promise<void> {
  const what = title(row, c.name);
  const tol = row.torchTol ?? TORCH_TOL[c.file];
  const t = tensorsOn(row, c.inputs, device, true);
  const out = row.call(t, c.params);
  assert.equal([...out.shape], c.output.shape, `${what}: output shape`);
  assertClose(await values(out), c.output.data, tol, `${what} forward`);
  if (!checkGradientFlow(row, t, out, what)) return;
  if (c.gradOut) out.backward(fromFixture(c.gradOut, { device }));
  else out.backward();
  for (const [name, want] of Object.entries(c.grads)) {
    const grad = t[name].grad;
    assert.ok(grad, `${name} has a gradient`);
    assert.equal([...grad.shape], want.shape, `∂/∂${name} shape`);
    assertClose(await values(grad), want.data, tol, `${what} ∂/∂${name}`);
  }
}

/** (2) Autograd's gradients against central differences. */
export async function matchesCentralDifferences(row: OpRow, c: Prepared): Promise<void> {
  const all = tensorsOn(row, c.inputs, E.cpu, false);
  const names = Object.keys(c.inputs).filter((k) => differentiable(row, k, c.inputs[k]));
  const record = (ts: E.Tensor[]): Tensors => ({ ...all, ...Object.fromEntries(names.map((n, i) => [n, ts[i]])) });
  await gradcheck((...ts) => row.call(record(ts), c.params), names.map((n) => all[n]), { what: title(row, c.name) });
}

/** (3), (4) Forward and every float input's gradient on WebGPU against the CPU reference. */
export async function gpuMatchesCpu(gpu: WebGpuBackend, row: OpRow, c: Prepared): Promise<void> {
  const what = title(row, c.name);
  const results: { name: string; values: Float32Array }[][] = [];
  let seed: HostTensor | null | undefined = c.gradOut === null ? null : c.gradOut && toHost(c.gradOut);
  for (const device of [E.cpu, gpu]) {
    const t = tensorsOn(row, c.inputs, device, true);
    const out = row.call(t, c.params);
    if (seed === undefined) seed = upstream([...out.shape], c.nonFiniteSeed);
    const flows = checkGradientFlow(row, t, out, what); // if not, the forward only
    if (flows && seed === null) out.backward();
    else if (flows) out.backward(E.tensor(seed!.data, seed!.shape, { device }));
    const outputs = [
      { name: 'forward', tensor: out },
      ...Object.entries(t).filter(([, x]) => x.requiresGrad).map(([name, x]) => ({ name: `∂/∂${name}`, tensor: x.grad! })),
    ];
    const read = await Promise.all(outputs.map((o) => o.tensor.toArray())); // one wait for all of them
    results.push(outputs.map((o, i) => ({ name: o.name, values: read[i] as Float32Array })));
  }
  const [onCpu, onGpu] = results;
  const shapes = { inputs: Object.fromEntries(Object.entries(c.inputs).map(([k, t]) => [k, t.shape])), params: c.params };
  const largest = Math.max(...Object.values(c.inputs).filter(isFloat).map((t) => Math.max(...t.shape)));
  onGpu.forEach((g, i) => {
    const cpu = onCpu[i].values;
    const tol = c.k !== undefined ? terms(c.k) : row.gpuTol?.(shapes, cpu) ?? terms(largest);
    assertClose(g.values, cpu, tol, `${what}: ${g.name}, GPU vs CPU`);
  });
}

const toHost = (t: FixtureTensor): HostTensor => ({ shape: t.shape, data: Float32Array.from(t.data) });

/** A normal draw of Rng(99), with NaN, +Inf, −Inf at every 3rd (true) or n-th element. */
function upstream(shape: number[], nonFiniteSeed: boolean | number | undefined): HostTensor {
  const seed = { shape, data: normalDraw(new E.Rng(99), sizeOf(shape)) };
  const every = nonFiniteSeed === true ? 3 : nonFiniteSeed;
  return every ? sprinkled(seed, every) : seed;
}

/** (5) Every bad input of the row refused with a message holding its fragments. */
export function refusesBadInputs(row: OpRow): void {
  for (const bad of row.errors ?? []) {
    try {
      assertThrowsWith(bad.call, bad.says);
    } catch (e) {
      throw new Error(`${row.op}, ${bad.what}: ${(e as Error).message}`);
    }
  }
}
