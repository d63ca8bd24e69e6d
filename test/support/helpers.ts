// Shared test helpers: fixture loading, closeness checks with a stated tolerance rule, and a
// numerical gradient check by central differences.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from '../../engine/index.js';

/** The repository root: the nearest folder above this (bundled) file with a package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test helpers: cannot find the repository root');
    dir = up;
  }
  return dir;
}

/** Runs the `ddpm` command as a user does (bin/ddpm.mjs → build/commands/ddpm.js) in `cwd`. */
export function runDdpm(cwd: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return runDdpmWith({ cwd }, ...args);
}

/**
 * runDdpm with extra environment variables, Node flags before the script (e.g.
 * --max-old-space-size=40) and a time limit in seconds (then killed: status null, `signal` set).
 */
export function runDdpmWith(options: { cwd: string; env?: Record<string, string>; nodeFlags?: string[]; seconds?: number }, ...args: string[]):
  ReturnType<typeof runDdpm> & { signal?: NodeJS.Signals | null } {
  const r = spawnSync(process.execPath, [...(options.nodeFlags ?? []), join(repoRoot(), 'bin', 'ddpm.mjs'), ...args], {
    encoding: 'utf8', cwd: options.cwd, env: { ...process.env, ...options.env },
    ...(options.seconds !== undefined ? { timeout: options.seconds * 1000, killSignal: 'SIGKILL' as const } : {}),
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, signal: r.signal };
}

/** Tests run from build/; fixtures stay in the source tree. */
export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot(), 'test', 'fixtures', name), 'utf8')) as T;
}

/** A binary fixture's bytes (e.g. a safetensors file written by PyTorch). */
export function loadFixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(repoRoot(), 'test', 'fixtures', name)));
}

export interface FixtureTensor {
  shape: number[];
  data: number[];
}

export function fromFixture(d: FixtureTensor, options: E.CreateOptions = {}): E.Tensor {
  return E.tensor(d.data, d.shape, options);
}

/** A fixture's { name: tensor } record as the host data Module.loadStateDict takes. */
export function stateDictFromFixture(entries: Record<string, FixtureTensor>): Map<string, E.TensorData> {
  return new Map(Object.entries(entries).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }]));
}

export interface Tolerance {
  atol: number;
  rtol: number;
  /** At most `share` of the elements may break the rule, each by no more than |diff| ≤ atol (finite only). */
  outliers?: { share: number; atol: number };
}

/**
 * The closeness rule of every numeric comparison in the tests, element by element:
 *   expected NaN    → actual is NaN
 *   expected ±Inf   → actual is the same infinity
 *   expected finite → actual is finite and |actual − expected| ≤ atol + rtol·|expected|
 * Throws naming the first element that breaks it, and how many do.
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  }
  const broken = (a: number, e: number): boolean => {
    if (Number.isNaN(e)) return !Number.isNaN(a);
    if (!Number.isFinite(e)) return a !== e;
    return !(Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e)); // a NaN or ±Inf actual breaks it too
  };
  const outlier = (a: number, e: number): boolean =>
    tol.outliers !== undefined && Number.isFinite(e) && Math.abs(a - e) <= tol.outliers.atol;
  let first = -1, count = 0, outliers = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!broken(actual[i], expected[i])) continue;
    if (outlier(actual[i], expected[i])) {
      outliers++;
      continue;
    }
    if (first < 0) first = i;
    count++;
  }
  if (tol.outliers && outliers > tol.outliers.share * actual.length) {
    throw new Error(`${what}: ${outliers} of ${actual.length} elements break atol ${tol.atol} + rtol ${tol.rtol}·|expected|, ` +
      `more than the ${tol.outliers.share} share allowed`);
  }
  if (first >= 0) {
    const [a, e] = [actual[first], expected[first]];
    const why = Number.isFinite(e) && Number.isFinite(a)
      ? `|diff| ${Math.abs(a - e).toExponential(3)} > atol ${tol.atol} + rtol ${tol.rtol}·|expected|`
      : 'non-finite values must match exactly';
    throw new Error(`${what}: element ${first} is ${a}, expected ${e} (${why}); ${count} of ${actual.length} elements differ`);
  }
}

export async function values(t: E.Tensor): Promise<number[]> {
  return Array.from(await t.toArray());
}

/** Throws unless fn throws an error whose message contains every fragment. */
export function assertThrowsWith(fn: () => unknown, fragments: string[]): void {
  let message: string | undefined;
  try {
    fn();
  } catch (e) {
    message = (e as Error).message;
  }
  if (message === undefined) throw new Error(`expected an error mentioning ${JSON.stringify(fragments)}, nothing was thrown`);
  for (const f of fragments) {
    if (!message.includes(f)) throw new Error(`error message ${JSON.stringify(message)} lacks ${JSON.stringify(f)}`);
  }
}

/**
 * Central-difference check of the gradients of L = Σ fn(inputs) · w, for a fixed random w, with
 * respect to every float input: (L(x + h) − L(x − h)) / 2h against autograd, element by element.
 * L is summed in float64 from the float32 outputs.
 */
export async function gradcheck(
  fn: (...inputs: E.Tensor[]) => E.Tensor,
  inputs: E.Tensor[],
  options: { h?: number; tol?: Tolerance; what: string },
): Promise<void> {
  const h = options.h ?? 1e-3;
  const tol = options.tol ?? { atol: 2e-3, rtol: 1e-2 };
  const hostInputs = await Promise.all(inputs.map((t) => t.toArray()));
  const rebuild = (arrays: (Float32Array | Int32Array)[], requiresGrad: boolean): E.Tensor[] =>
    arrays.map((a, i) => E.tensor(a, inputs[i].shape, { requiresGrad: requiresGrad && inputs[i].dtype === 'float32' }));

  const leaves = rebuild(hostInputs, true);
  const out = fn(...leaves);
  const w = E.randn(out.shape, new E.Rng(1234, 99));
  const loss = E.sum(E.mul(out, w));
  loss.backward();
  const wHost = await w.toArray();

  const evaluate = async (arrays: (Float32Array | Int32Array)[]): Promise<number> => {
    const o = await E.noGrad(() => fn(...rebuild(arrays, false))).toArray();
    let acc = 0;
    for (let i = 0; i < o.length; i++) acc += o[i] * wHost[i];
    return acc;
  };

  for (let k = 0; k < inputs.length; k++) {
    if (inputs[k].dtype !== 'float32') continue;
    const analytic = await leaves[k].grad!.toArray();
    const numeric = new Float64Array(analytic.length);
    for (let i = 0; i < analytic.length; i++) {
      const plus = hostInputs.map((a) => a.slice());
      const minus = hostInputs.map((a) => a.slice());
      plus[k][i] += h;
      minus[k][i] -= h;
      // The actual step after float32 rounding of x ± h.
      const step = plus[k][i] - minus[k][i];
      numeric[i] = ((await evaluate(plus)) - (await evaluate(minus))) / step;
    }
    assertClose(analytic, numeric, tol, `${options.what}: ∂L/∂input ${k}`);
  }
}
