// The PyTorch peer: runs bench/torch_ddpm.py (the tutorial's own code, timed) in a Python that
// has torch — $PYTHON, else Debian's /usr/bin/python3, else python3 on the PATH — on the CPU and,
// when torch sees one, on CUDA, eagerly or (`graphs`) with each epoch and each sampling run one
// CUDA graph. Absent Python or torch is a reason, not an error.

import { join } from 'node:path';
import { ALWAYS_TIMED_FLOP, type MatmulCase } from './matmul.js';
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

/**
 * PyTorch's matmul at every case (bench/torch_matmul.py), GFLOP/s by label; on CUDA f32 exact,
 * or with TF32 when `tf32`. Cases whose estimated time exceeds `maxSeconds` are left out, by our rule (ALWAYS_TIMED_FLOP).
 */
export async function torchMatmul(peer: TorchPeer, root: string, device: 'cpu' | 'cuda', cases: readonly MatmulCase[],
  options: { repeats: number; maxSeconds: number; tf32?: boolean; signal?: AbortSignal }): Promise<Record<string, number>> {
  const args = ['--device', device, '--cases', JSON.stringify(cases), '--repeats', String(options.repeats),
    '--max-seconds', String(options.maxSeconds), '--always-timed-flop', String(ALWAYS_TIMED_FLOP), ...(options.tf32 ? ['--tf32'] : [])];
  const out = await runPeerScript<{ gflops: Record<string, number> }>(peer.python, join(root, 'bench', 'torch_matmul.py'), args,
    `bench/torch_matmul.py --device ${device}${options.tf32 ? ' --tf32' : ''}`, options.signal);
  return out.gflops;
}
