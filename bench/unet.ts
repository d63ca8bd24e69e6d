// `ddpm bench --unet`: a U-Net training step (ddpm/images/unet.ts at 28×28, channels 32/64/64,
// batch --unet-batch of MNIST's training digits, Ho et al.'s linear schedule, Adam 3e-3 with
// clipping, the eager engine) on ours-webgpu, beside PyTorch eager on the same machine
// (bench/torch_unet.py, the same network: on CUDA when torch has it, else its CPU). Steps/s after
// two warm-up steps, and the mean loss of the timed steps after as many steps on each side (the
// same images, each engine its own initial weights and noise). Ours also reports the peak of
// its live device memory over the timed steps (the activations and gradients a step holds at
// once) and, with --profile, one more run of the timed steps with every dispatch stamped on the
// GPU: dispatches per step and GPU time per kernel family (a shader's entry point, whatever its
// override constants), the table that says where a step's time goes.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { KernelProfiler, profilingUnavailable, type ProfileReport, type WebGpuBackend } from '../engine/webgpu/index.js';
import { loadImageDataset } from '../app-support/image-files.js';
import { UNET_DEFAULTS } from '../ddpm/images/config.js';
import { UNetDiffusion } from '../ddpm/images/unet.js';
import { encodeNpy } from '../ddpm/points-format.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import { runPeerScript } from './python.js';
import type { TorchPeer } from './torch.js';

export interface UNetStep {
  stepsPerSecond: number;
  /** Mean loss of the timed steps… */
  loss: number;
  /** …after this many steps in all. */
  steps: number;
  device: string;
  /** Ours: the most device memory live at once during the timed steps, bytes. */
  peakBytes?: number;
  /** Ours with --profile: per step, and why there is none. */
  profile?: UNetProfile | { unavailable: string };
}

/** Where a step's GPU time goes: per kernel family, µs and dispatches per step. */
export interface UNetProfile {
  dispatchesPerStep: number;
  /** Kernel time + idle gaps between dispatches, µs per step. */
  gpuUsPerStep: number;
  /** By family ('matmul.main', 'conv.im2col_main', …), slowest first. */
  families: { family: string; us: number; dispatches: number }[];
}

const WARMUP_STEPS = 2;

/** A profile of `steps` steps grouped by kernel family: a pipeline's label less its override constants. */
export function unetProfile(report: ProfileReport, steps: number): UNetProfile {
  const families = new Map<string, { family: string; us: number; dispatches: number }>();
  let dispatches = 0, gpuNs = 0;
  for (const [label, k] of report.kernels) {
    const family = label.replace(/\{.*$/, '');
    const entry = families.get(family) ?? { family, us: 0, dispatches: 0 };
    entry.us += k.nanoseconds / 1000 / steps;
    entry.dispatches += k.dispatches / steps;
    families.set(family, entry);
    dispatches += k.dispatches;
    gpuNs += k.nanoseconds;
  }
  for (const g of report.gaps.values()) gpuNs += g.nanoseconds;
  return { dispatchesPerStep: dispatches / steps, gpuUsPerStep: gpuNs / 1000 / steps, families: [...families.values()].sort((a, b) => b.us - a.us) };
}

/** The training digits the step reads: enough for every step to take new ones. */
function benchImages(batch: number, steps: number): Float32Array {
  const train = loadImageDataset('mnist').train;
  const wanted = Math.min(batch * (WARMUP_STEPS + steps), train.labels.length) * 784;
  return train.images.slice(0, wanted);
}

/** Our U-Net step on `device`: warm-up, then `steps` timed steps as one epoch (and with `profile`, those steps again, stamped). */
export async function benchUNetOurs(device: WebGpuBackend, batch: number, steps: number, signal?: AbortSignal, profile = false): Promise<UNetStep> {
  const images = benchImages(batch, steps);
  const model = new UNetDiffusion({ height: 28, width: 28, ...UNET_DEFAULTS, timeDim: 128, timesteps: 1000 }, new E.Rng(0), { device });
  const schedule = makeSchedule('linear', 1000);
  const run = async (count: number): Promise<{ seconds: number; loss: number }> => {
    const trainer = new Trainer(model, schedule, images.subarray(0, count * batch * 784), { batch, lr: 3e-3, clip: 1, seed: 0 }, device, { engine: 'eager' });
    const t0 = performance.now();
    const [loss] = await trainer.runEpochs(1, { signal });
    const seconds = (performance.now() - t0) / 1000;
    trainer.dispose();
    return { seconds, loss };
  };
  try {
    await run(WARMUP_STEPS);
    await device.sync();
    device.resetPeakBytes();
    const { seconds, loss } = await run(steps);
    const result: UNetStep = { stepsPerSecond: steps / seconds, loss, steps: WARMUP_STEPS + steps, device: device.describe(), peakBytes: device.memory().peakBytes };
    if (profile && !signal?.aborted) result.profile = await profiled(device, () => run(steps), steps);
    return result;
  } finally {
    model.dispose();
  }
}

/** `steps` steps run by `fn` with every dispatch stamped; why not, where the adapter has no timestamps. */
async function profiled(device: WebGpuBackend, fn: () => Promise<unknown>, steps: number): Promise<UNetProfile | { unavailable: string }> {
  const reason = profilingUnavailable(device);
  if (reason !== null) return { unavailable: reason };
  const profiler = new KernelProfiler(device);
  device.recorder.setProfiler(profiler);
  try {
    await fn();
    await device.sync();
  } finally {
    device.recorder.setProfiler(null);
  }
  try {
    return unetProfile(await profiler.read(), steps);
  } finally {
    profiler.destroy();
  }
}

/** PyTorch eager's step on CUDA (when torch has it) or its CPU, on the same digits. */
export async function benchUNetTorch(peer: TorchPeer, root: string, batch: number, steps: number, signal?: AbortSignal): Promise<UNetStep & { engine: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'ddpm-bench-unet-'));
  try {
    const file = join(dir, 'mnist.npy');
    const images = benchImages(batch, steps);
    writeFileSync(file, encodeNpy(images, [images.length / 784, 784]));
    const device = peer.cuda ? 'cuda' : 'cpu';
    const out = await runPeerScript<{ steps_per_s: number; loss: number; steps: number; device: string }>(peer.python, join(root, 'bench', 'torch_unet.py'),
      ['--device', device, '--images', file, '--batch', String(batch), '--warmup', String(WARMUP_STEPS), '--steps', String(steps),
        '--channels', UNET_DEFAULTS.channels.join(','), '--groups', String(UNET_DEFAULTS.groups)],
      `bench/torch_unet.py --device ${device}`, signal);
    return { stepsPerSecond: out.steps_per_s, loss: out.loss, steps: out.steps, device: out.device, engine: `torch-${device}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
