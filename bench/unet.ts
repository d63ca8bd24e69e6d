// `ddpm bench --unet`: a U-Net training step (ddpm/images/unet.ts at 28×28, channels 32/64/64,
// batch --unet-batch of MNIST's training digits, Ho et al.'s linear schedule, Adam 3e-3 with
// clipping, the eager engine) on ours-webgpu, beside PyTorch eager on the same machine
// (bench/torch_unet.py, the same network: on CUDA when torch has it, else its CPU). Steps/s after
// two warm-up steps, and the mean loss of the timed steps after as many steps on each side (the
// same images, each engine its own initial weights and noise).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../engine/index.js';
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
}

const WARMUP_STEPS = 2;

/** The training digits the step reads: enough for every step to take new ones. */
function benchImages(batch: number, steps: number): Float32Array {
  const train = loadImageDataset('mnist').train;
  const wanted = Math.min(batch * (WARMUP_STEPS + steps), train.labels.length) * 784;
  return train.images.slice(0, wanted);
}

/** Our U-Net step on `device`: warm-up, then `steps` timed steps as one epoch. */
export async function benchUNetOurs(device: E.Backend, batch: number, steps: number, signal?: AbortSignal): Promise<UNetStep> {
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
    const { seconds, loss } = await run(steps);
    return { stepsPerSecond: steps / seconds, loss, steps: WARMUP_STEPS + steps, device: device.describe() };
  } finally {
    model.dispose();
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
