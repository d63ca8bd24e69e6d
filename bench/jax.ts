// The JAX peer: runs bench/jax_ddpm.py (the tutorial's workload with each epoch one jitted
// lax.scan and sampling one jitted lax.fori_loop) in a Python that has jax and optax —
// $JAX_PYTHON, else $PYTHON, Debian's /usr/bin/python3, python3 on the PATH — on JAX's default
// device (its GPU where it sees one), at JAX's default matmul precision or at 'highest' (exact
// f32). Absent Python, jax or optax is a reason, not an error.

import { join } from 'node:path';
import type { EngineResult } from './ours.js';
import { findPython, runPeerScript } from './python.js';

export interface JaxPeer {
  python: string;
  version: string;
}

/** A Python with jax and optax, or the reason there is none. */
export function findJax(): JaxPeer | string {
  const found = findPython<{ v: string }>([process.env.JAX_PYTHON, process.env.PYTHON, '/usr/bin/python3', 'python3'],
    'import json, jax, optax; print(json.dumps({"v": jax.__version__}))');
  if ('reasons' in found) return `no Python with jax and optax (${found.reasons.join('; ')}); pip install jax optax (for a GPU, JAX's CUDA build) and set JAX_PYTHON to that Python`;
  return { python: found.python, version: found.info.v };
}

export async function benchJax(peer: JaxPeer, root: string, precision: 'default' | 'highest',
  options: { warmup: number; steps: number; repeats: number; sampleN: number; sampleRepeats: number; signal?: AbortSignal }): Promise<EngineResult & { device: string }> {
  const args = ['--precision', precision, '--steps', String(options.steps), '--warmup', String(options.warmup), '--repeats', String(options.repeats),
    '--sample-n', String(options.sampleN), '--sample-repeats', String(options.sampleRepeats)];
  const out = await runPeerScript<{ train_steps_per_s: number; sample_s: number | null; loss: number; steps: number; device: string }>(
    peer.python, join(root, 'bench', 'jax_ddpm.py'), args, `bench/jax_ddpm.py --precision ${precision}`, options.signal);
  return {
    trainStepsPerSecond: out.train_steps_per_s, sampleSeconds: out.sample_s ?? NaN, loss: out.loss, lossAfterSteps: out.steps, device: out.device,
  };
}
