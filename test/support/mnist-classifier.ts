// One judging classifier for the tests' MNIST runs. `ddpm train --dataset mnist` trains a
// classifier (~12 s on the CPU, ~2 s on lavapipe) unless its --out folder already holds one for
// the data set and the --classifier-epochs asked for (1 in every test); the tests that are not
// about the classifier start from a copy of this one, trained once per build of the tests by
// the command itself on its default device (kept in build/test-cache/, which the build clears).

import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runDdpm } from './helpers.js';

const FILE = 'classifier.safetensors';

/** The cached classifier's path, trained by a tiny `ddpm train --classifier-epochs 1` run the first time. */
export function mnistClassifier(): string {
  const cache = join(repoRoot(), 'build', 'test-cache');
  const path = join(cache, `mnist-${FILE}`);
  if (existsSync(path)) return path;
  const run = join(cache, `mnist-run-${process.pid}`);
  mkdirSync(cache, { recursive: true });
  const r = runDdpm(cache, 'train', '--dataset', 'mnist', '--data-size', '16', '--hidden', '8', '--depth', '1', '--time-dim', '4',
    '--timesteps', '2', '--sample-steps', '1', '--epochs', '1', '--samples', '1', '--classifier-epochs', '1', '--out', run);
  if (r.status !== 0) throw new Error(`training the tests' MNIST classifier failed:\n${r.stderr}`);
  renameSync(join(run, FILE), path);
  rmSync(run, { recursive: true, force: true });
  return path;
}

/** Puts a copy of the cached classifier into run folder `dir` (made if missing), so that `ddpm train --out dir` reuses it. */
export function withMnistClassifier(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(mnistClassifier(), join(dir, FILE));
  return dir;
}
