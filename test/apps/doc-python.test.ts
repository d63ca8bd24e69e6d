// The documents' Python, run: docs/checkpoints.md's block — a checkpoint written by `ddpm train`
// loaded strictly into the tutorial's class with PyTorch, and the model saved back — runs as
// written with Debian's PyTorch and a stand-in for the `safetensors` package
// (test/support/safetensors-standin/: Debian has no python3-safetensors, and the tests install
// nothing from PyPI; the stand-in implements the file format as its specification states it).
// Then the command the document gives next, `ddpm sample --checkpoint from-torch.safetensors`,
// samples the file PyTorch wrote (on the CPU, 100 points), saying what it assumed of a file
// without our config. Skipped without PyTorch (a failure under CI=true).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot, runDdpm } from '../support/helpers.js';
import { needs, pytorchMissing } from '../support/optional.js';

const root = repoRoot();
const dir = mkdtempSync(join(tmpdir(), 'ddpm-doc-python-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```python block of a document. */
function pythonBlock(doc: string): string {
  const block = /```python\n([\s\S]*?)```/.exec(readFileSync(join(root, doc), 'utf8'));
  assert.ok(block, `${doc} has a python block`);
  return block[1];
}

needs('PyTorch', pytorchMissing())('docs/checkpoints.md: PyTorch loads a ddpm checkpoint into the tutorial\'s class, saves it back, and ddpm samples that', () => {
  const trained = runDdpm(dir, 'train', '--epochs', '1', '--data-size', '500', '--samples', '100', '--device', 'cpu', '--save-every', '0');
  assert.is(trained.status, 0, trained.stderr);
  assert.ok(existsSync(join(dir, 'runs', 's-curve-improved', 'model.safetensors')), 'the quick start\'s run folder, as the block reads it');
  // The block names the tutorial's class; the test brings it (test/fixtures/make_fixtures.py, the tutorial's code).
  const prelude = `import sys\nsys.path.insert(0, ${JSON.stringify(join(root, 'test', 'fixtures'))})\nfrom make_fixtures import MLPDiffusion\n`;
  writeFileSync(join(dir, 'example.py'), prelude + pythonBlock('docs/checkpoints.md'));
  const python = spawnSync('/usr/bin/python3', ['example.py'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(root, 'test', 'support', 'safetensors-standin') },
  });
  assert.is(python.status, 0, `the block ran with PyTorch:\n${python.stderr}`);
  assert.ok(existsSync(join(dir, 'from-torch.safetensors')), 'and saved the model back');
  const sampled = runDdpm(dir, 'sample', '--checkpoint', 'from-torch.safetensors', '--out', 'points.npy', '--device', 'cpu', '--samples', '100');
  assert.is(sampled.status, 0, sampled.stderr);
  assert.ok(existsSync(join(dir, 'points.npy')), 'ddpm sample wrote the points');
  assert.match(sampled.stdout + sampled.stderr, /note/i, 'it says what it assumed of a file without our config');
});

test.run();
