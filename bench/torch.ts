// The PyTorch peer: runs bench/torch_ddpm.py (the tutorial's own code, timed) in a Python that
// has torch — $PYTHON, else Debian's /usr/bin/python3, else python3 on the PATH — on the CPU and,
// when torch sees one, on CUDA, eagerly or (`graphs`) with each epoch and each sampling run one
// CUDA graph. Absent Python or torch is a reason, not an error.

import { join } from 'node:path';
import type { EngineResult } from './ours.js';
import { findPython, runPeerScript } from './python.js';

export interface TorchPeer {
  python: string;
  version: string;
  cuda: boolean;
}

/** A Python with torch, or the reason there is none. */
export function findTorch(): TorchPeer | string {
  const found = findPython<{ v: string; cuda: boolean }>([process.env.PYTHON, '/usr/bin/python3', 'python3'],
    'import json, torch; print(json.dumps({"v": torch.__version__, "cuda": torch.cuda.is_available()}))');
  if ('reasons' in found) return `no Python with torch (${found.reasons.join('; ')}); Debian: apt-get install python3-torch libopenblas0-pthread`;
  return { python: found.python, version: found.info.v, cuda: found.info.cuda };
}

export async function benchTorch(peer: TorchPeer, root: string, device: 'cpu' | 'cuda',
  options: { warmup: number; steps: number; repeats: number; sampleN: number; sampleRepeats: number; graphs?: boolean; signal?: AbortSignal }): Promise<EngineResult & { device: string }> {
  const args = ['--device', device, ...(options.graphs ? ['--graphs'] : []), '--steps', String(options.steps), '--warmup', String(options.warmup),
    '--repeats', String(options.repeats), '--sample-n', String(options.sampleN), '--sample-repeats', String(options.sampleRepeats)];
  const out = await runPeerScript<{ train_steps_per_s: number; sample_s: number | null; loss: number; steps: number; device: string }>(
    peer.python, join(root, 'bench', 'torch_ddpm.py'), args, `bench/torch_ddpm.py --device ${device}${options.graphs ? ' --graphs' : ''}`, options.signal);
  return {
    trainStepsPerSecond: out.train_steps_per_s, sampleSeconds: out.sample_s ?? NaN, loss: out.loss, lossAfterSteps: out.steps, device: out.device,
  };
}
