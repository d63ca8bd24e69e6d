// The PyTorch peer: runs bench/torch_ddpm.py (the tutorial's own code, timed) in a Python that
// has torch — $PYTHON, else Debian's /usr/bin/python3, else python3 on the PATH — on the CPU and,
// when torch sees one, on CUDA. Absent Python or torch is a reason, not an error.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineResult } from './ours.js';

export interface TorchPeer {
  python: string;
  version: string;
  cuda: boolean;
}

/** A Python with torch, or the reason there is none. */
export function findTorch(): TorchPeer | string {
  const candidates = [process.env.PYTHON, '/usr/bin/python3', 'python3'].filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
  const reasons: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import json, torch; print(json.dumps({"v": torch.__version__, "cuda": torch.cuda.is_available()}))'], { encoding: 'utf8' });
    if (r.status === 0) {
      const info = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { v: string; cuda: boolean };
      return { python, version: info.v, cuda: info.cuda };
    }
    reasons.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? 'failed')}`);
  }
  return `no Python with torch (${reasons.join('; ')}); Debian: apt-get install python3-torch libopenblas0-pthread`;
}

/** Runs a Python script to its end; a stop request kills it (and throws the signal's reason). */
function runPython(python: string, args: readonly string[], signal?: AbortSignal): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const onAbort = (): void => { child.kill('SIGTERM'); };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (status) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(signal.reason);
      else resolve({ status, stdout, stderr });
    });
  });
}

export async function benchTorch(peer: TorchPeer, root: string, device: 'cpu' | 'cuda',
  options: { warmup: number; steps: number; repeats: number; sampleN: number; sampleRepeats: number; signal?: AbortSignal }): Promise<EngineResult & { device: string }> {
  const args = [join(root, 'bench', 'torch_ddpm.py'), '--device', device, '--steps', String(options.steps), '--warmup', String(options.warmup),
    '--repeats', String(options.repeats), '--sample-n', String(options.sampleN), '--sample-repeats', String(options.sampleRepeats)];
  const r = await runPython(peer.python, args, options.signal);
  if (r.status !== 0) throw new Error(`bench/torch_ddpm.py --device ${device} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { train_steps_per_s: number; sample_s: number; loss: number; device: string };
  return {
    trainStepsPerSecond: out.train_steps_per_s, sampleSeconds: out.sample_s, loss: out.loss,
    lossAfterSteps: options.warmup + options.repeats * options.steps, device: out.device,
  };
}
