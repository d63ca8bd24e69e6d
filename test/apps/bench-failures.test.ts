// `ddpm bench` failing early and loudly, cheaply (no engine is timed): an unwritable --json is
// refused before any work (exit 2, naming --json), and a run where none of the engines asked for
// could be measured exits 1 naming each and why, after writing its report. The engines used for
// that, torch-cuda and torch-cuda-graphs, cannot run on a machine without a CUDA PyTorch (this
// project's and CI's); where one can, the run measures them and must exit 0 instead.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDdpm } from '../support/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpm-bench-failures-'));
const NOTHING = ['--engines', 'none', '--no-matmul'];

test('an unwritable --json is refused before any work, naming --json', () => {
  const notAFolder = join(dir, 'a-file');
  writeFileSync(notAFolder, '');
  const cases: [string, RegExp][] = [[join(notAFolder, 'bench.json'), /--json's folder names a file/]];
  if (existsSync('/proc/self/status')) cases.push(['/proc/x.json', /--json's folder \/proc is not writable/]);
  for (const [path, says] of cases) {
    const started = performance.now();
    const r = runDdpm(dir, 'bench', ...NOTHING, '--json', path);
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /^\nddpm bench: /);
    assert.match(r.stderr, says);
    assert.not.match(r.stdout, /adapter:/, 'nothing ran: no adapter was looked for');
    assert.ok(performance.now() - started < 10_000, 'refused at once');
  }
});

test('bench exits 1 when none of the engines asked for could be measured, naming each and why', () => {
  const json = join(dir, 'failed.json');
  const r = runDdpm(dir, 'bench', '--engines', 'torch-cuda,torch-cuda-graphs', '--no-matmul', '--quick', '--samples', '10', '--json', json);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { train_steps_per_s: Record<string, number>; skipped: Record<string, string> };
  if (Object.keys(report.train_steps_per_s).length > 0) { // a CUDA PyTorch: measured, a success
    assert.is(r.status, 0, r.stderr);
    return;
  }
  assert.is(r.status, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /error: ddpm bench: none of the engines asked for could be measured: torch-cuda: .+; torch-cuda-graphs: /);
  for (const engine of ['torch-cuda', 'torch-cuda-graphs']) {
    const why = report.skipped[engine];
    assert.match(why, /CUDA|torch/, `${engine}'s reason is in the report`);
    assert.ok(r.stderr.includes(`${engine}: ${why}`), `${engine}'s reason is in the error`);
    assert.ok(r.stdout.includes(`${engine}: not measured: ${why}`), `${engine}'s reason is in the printed report`);
  }
});

test('bench with no engine asked for (--engines none) is not a failure', () => {
  const r = runDdpm(dir, 'bench', ...NOTHING);
  assert.is(r.status, 0, r.stderr);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
