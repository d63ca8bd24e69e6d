// Sizes a command takes from its flags, checked before anything is allocated, each against what
// the device and the machine can hold, with a message that names the flags and the limit:
//   one tensor     at most device.maxTensorValues values (a typed array's limit on the CPU, the
//                  largest storage binding on a GPU) — past it allocation fails, less clearly
//   host memory    at most MEMORY_SHARE of the machine's memory for what the run keeps on the host
//   a CPU step     at most CPU_STEP_FLOP: the CPU engine sees signals between steps, so one step
//                  must end within seconds for Ctrl-C and SIGTERM to stop the run promptly; a
//                  sampling step on the CPU takes at most cpuSampleBatch samples for the same reason

import { totalmem } from 'node:os';
import type * as E from '../engine/index.js';
import { sampleBatch } from '../ddpm/generate.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import { UsageError } from './args.js';

/** A tensor the run will make, the flags that size it, and how many values it holds. */
export interface PlannedTensor {
  what: string;
  flags: string;
  values: number;
}

export interface SizePlan {
  tensors: PlannedTensor[];
  /** What the run keeps in host memory, in bytes, by item (flags and bytes). */
  host: { flags: string; bytes: number }[];
  /** The FLOP of one training step, and the flags that set it (checked on the CPU only; none: not known). */
  step?: { flop: number; flags: string };
}

/** The share of the machine's memory a run may plan to take: the rest is the system's and V8's. */
export const MEMORY_SHARE = 0.5;

/**
 * The most FLOP one CPU training step may take: about 6 s at the 0.65 GFLOP/s the CPU engine
 * measured for --hidden 1024 --batch 128 (1.6 GFLOP a step in 2.5 s) on a 2-core machine.
 */
export const CPU_STEP_FLOP = 4e9;

const gb = (bytes: number): string => `${(bytes / 1e9).toFixed(1)} GB`;

/** Throws a UsageError naming the first size in `plan` that `device` or this machine cannot take. */
export function checkSizes(command: string, device: E.Backend, plan: SizePlan, memory = totalmem()): void {
  for (const t of plan.tensors) {
    if (t.values > device.maxTensorValues) {
      throw new UsageError(`${command}: ${t.flags} ${t.flags.includes(' and ') ? 'make' : 'makes'} ${t.what} of ${t.values.toExponential(2)} values, more than one tensor holds on ` +
        `${device.name} (${device.maxTensorValues.toExponential(2)}): make ${t.flags.includes(' and ') ? 'them' : 'it'} smaller`);
    }
  }
  const needed = plan.host.reduce((s, h) => s + h.bytes, 0);
  if (needed > MEMORY_SHARE * memory) {
    const biggest = [...plan.host].sort((a, b) => b.bytes - a.bytes)[0];
    throw new UsageError(`${command}: this run needs about ${gb(needed)} of memory (${biggest.flags}: ${gb(biggest.bytes)}), more than ` +
      `${Math.round(MEMORY_SHARE * 100)} % of this machine's ${gb(memory)}: make ${biggest.flags} smaller`);
  }
  if (device.name === 'cpu' && plan.step !== undefined && plan.step.flop > CPU_STEP_FLOP) {
    throw new UsageError(`${command}: one training step at ${plan.step.flags} is about ${(plan.step.flop / 1e9).toFixed(0)} GFLOP: ` +
      `minutes on the CPU, during which Ctrl-C and SIGTERM would wait for it (the CPU engine checks between steps; at most ` +
      `${CPU_STEP_FLOP / 1e9} GFLOP a step). Train on a GPU (--device webgpu), or make ${plan.step.flags} smaller`);
  }
}

/**
 * Samples a reverse step takes at once: generate's default (sampleBatch), and on the CPU at most
 * as many as keep a step's forward pass under 2 × CPU_STEP_FLOP (a forward is a third of a
 * training step's work a sample; twice the training limit keeps the default S-curve MLP's batch,
 * 65 536 points at 4.4 GFLOP a step, as it was).
 */
export function samplingBatch(model: NoisePredictor, device: E.Backend): number {
  const batch = sampleBatch(model.dataDim, model.widestPerSample);
  if (device.name !== 'cpu') return batch;
  return Math.max(1, Math.min(batch, Math.floor((2 * CPU_STEP_FLOP) / model.flopPerSample)));
}
