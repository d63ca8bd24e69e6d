// The --engine flag shared by `ddpm train` and `ddpm sample`: fused (compiled GPU kernels) or
// eager (one kernel per op); the default is fused on WebGPU and eager on the CPU (ddpm/fused/,
// defaultEngine).

import type * as E from '../engine/index.js';
import { defaultEngine, ENGINE_NAMES, type EngineName } from '../ddpm/fused/index.js';
import { flag, UsageError } from '../app-support/args.js';

export const ENGINE_FLAG = flag({
  name: 'engine', kind: 'string', choices: ENGINE_NAMES, default: 'fused on WebGPU, else eager',
  help: 'fused: whole steps as a few compiled GPU kernels; eager: one kernel per op (the reference)',
});

/** --engine as given (`f.engine`), else the device's default; fused needs WebGPU. */
export function chooseEngine(command: string, f: { readonly engine?: EngineName }, device: E.Backend): EngineName {
  const engine = f.engine ?? defaultEngine(device);
  if (engine === 'fused' && device.name !== 'webgpu') {
    throw new UsageError(`${command}: --engine fused needs WebGPU (the device is '${device.name}'); use --engine eager or --device webgpu`);
  }
  return engine;
}
