// The Python peers' plumbing (bench/torch.ts, bench/jax.ts): find a Python that can import what a
// peer needs, run a peer's script to its end (a stop request kills it) and read the one JSON
// object it prints last. Absent Python or modules are a reason, not an error.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The first of `candidates` (paths, or a bare command name looked up on the PATH; unset entries
 * are skipped) where `probe`, Python code that prints one JSON object, runs: that Python and what
 * it printed; else why each one failed.
 */
export function findPython<T>(candidates: readonly (string | undefined)[], probe: string): { python: string; info: T } | { reasons: string[] } {
  const usable = [...new Set(candidates.filter((p): p is string => !!p && (!p.includes('/') || existsSync(p))))];
  const reasons: string[] = [];
  for (const python of usable) {
    const r = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
    if (r.status === 0) return { python, info: lastJson<T>(r.stdout) };
    reasons.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').at(-1) ?? 'failed')}`);
  }
  return { reasons };
}

/** Runs a Python script to its end; a stop request kills it (and throws the signal's reason). */
export function runPython(python: string, args: readonly string[], signal?: AbortSignal): Promise<{ status: number | null; stdout: string; stderr: string }> {
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

/**
 * Runs a peer's script and returns the JSON object on its last line of output; a failure throws
 * "`label` failed:" and the end of its stderr.
 */
export async function runPeerScript<T>(python: string, script: string, args: readonly string[], label: string, signal?: AbortSignal): Promise<T> {
  const r = await runPython(python, [script, ...args], signal);
  if (r.status !== 0) throw new Error(`${label} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return lastJson<T>(r.stdout);
}

function lastJson<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}
