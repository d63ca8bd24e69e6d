// `--profile` for `ddpm train` and `ddpm bench`: the fused engine's GPU time per kernel
// (engine/webgpu/profiler.ts) as a table per step — each kernel's time, the idle gaps between
// dependent dispatches, their sum (the GPU's time for a step) beside the step's measured wall
// time, so host time that the kernels do not explain shows as the difference.

import { KernelProfiler, profilingUnavailable, WebGpuBackend, type ProfileReport } from '../engine/webgpu/index.js';
import type * as E from '../engine/index.js';
import { flag, UsageError } from './args.js';

export const PROFILE_FLAG = flag({
  name: 'profile', kind: 'switch',
  help: "fused engine: time each kernel on the GPU (WebGPU's timestamp-query) and print the time per step; each dispatch then gets a pass of its own",
});

/** A profiler for `command --profile` on `device` with `engine`, or a usage error saying why there is none. */
export function profilerFor(command: string, device: E.Backend, engine: string): KernelProfiler {
  if (engine !== 'fused' || !(device instanceof WebGpuBackend)) {
    throw new UsageError(`${command}: --profile times the fused engine's kernels on WebGPU (here: the ${engine} engine on '${device.name}')`);
  }
  const reason = profilingUnavailable(device);
  if (reason !== null) throw new UsageError(`${command}: --profile: ${reason}`);
  return new KernelProfiler(device);
}

export interface ProfilePerStep {
  /** µs per step, per kernel (and its dispatches per step). */
  kernels: Record<string, { us: number; dispatches: number }>;
  /** µs per step idle between consecutive dispatches, by 'a → b'. */
  gaps: Record<string, number>;
  /** Kernels + gaps per step, µs. */
  gpuUs: number;
}

/** The report per `steps` steps. */
export function perStep(report: ProfileReport, steps: number): ProfilePerStep {
  const kernels: ProfilePerStep['kernels'] = {};
  const gaps: ProfilePerStep['gaps'] = {};
  let gpuUs = 0;
  for (const [name, k] of report.kernels) {
    kernels[name] = { us: k.nanoseconds / 1000 / steps, dispatches: k.dispatches / steps };
    gpuUs += kernels[name].us;
  }
  for (const [pair, g] of report.gaps) {
    gaps[pair] = g.nanoseconds / 1000 / steps;
    gpuUs += gaps[pair];
  }
  return { kernels, gaps, gpuUs };
}

/**
 * Lines of a table: per kernel and gap, µs per `unit`, and the sum against `measuredUs`, the wall
 * time per unit of the run named by `measured`.
 */
export function profileLines(title: string, p: ProfilePerStep, unit: string, measuredUs: number, measured = 'wall'): string[] {
  const fmt = (us: number): string => (us >= 1e4 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(1)} µs`);
  const rows: [string, string, string][] = [];
  for (const [name, k] of Object.entries(p.kernels)) rows.push([name, fmt(k.us), `${((100 * k.us) / p.gpuUs).toFixed(1)} %`]);
  for (const [pair, us] of Object.entries(p.gaps)) rows.push([`  idle ${pair}`, fmt(us), `${((100 * us) / p.gpuUs).toFixed(1)} %`]);
  const width = Math.max(...rows.map((r) => r[0].length), 24);
  return [
    `${title} (GPU timestamps, per ${unit})`,
    ...rows.map(([a, b, c]) => `  ${a.padEnd(width)}  ${b.padStart(10)}  ${c.padStart(7)}`),
    `  ${'kernels + idle'.padEnd(width)}  ${fmt(p.gpuUs).padStart(10)}`,
    `  ${`measured ${unit} (${measured})`.padEnd(width)}  ${fmt(measuredUs).padStart(10)}  ${`${(measuredUs / p.gpuUs).toFixed(2)}×`.padStart(7)} the GPU's time`,
  ];
}
