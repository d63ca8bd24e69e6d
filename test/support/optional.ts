// The tools a test needs beyond Node that `npm run setup` installs: a WebGPU adapter (lavapipe
// where there is no GPU), Debian's Chromium, Debian's PyTorch for /usr/bin/python3, and
// Fashion-MNIST's files. Where one is missing, its tests are registered as skipped (uvu counts
// them) under a loud banner naming the tool and how to install it; under CI=true a missing tool
// is a failure instead, since set-up must have installed it.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'uvu';

const bannered = new Set<string>();

/**
 * `test` when `missing` is null; otherwise `test.skip` after a banner saying which tests are
 * skipped and why (once per `what`), or, under CI=true, a failing test saying what set-up left out.
 */
export function needs(what: string, missing: string | null): typeof test | typeof test.skip {
  if (missing === null) return test;
  if (!bannered.has(what)) {
    bannered.add(what);
    if (process.env.CI === 'true') {
      test(`${what}: available (required under CI=true; npm run setup installs it)`, () => { throw new Error(missing); });
    } else {
      const line = '!'.repeat(78);
      console.warn(`\n${line}\n!! ${what.toUpperCase()} TESTS SKIPPED: ${missing}\n${line}\n`);
    }
  }
  return test.skip;
}

/** Debian's PyTorch, as the interop checks run it: null when /usr/bin/python3 imports torch, else why not. */
export function pytorchMissing(): string | null {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return `no ${python} (apt-get install python3-torch)`;
  const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status === 0) return null;
  return `${python} cannot import torch (${r.stderr.trim().split('\n').at(-1) ?? 'failed'}); apt-get install python3-torch`;
}
