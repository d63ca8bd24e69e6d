// Atomic writes (ddpm/cli/files.ts): a write replaces the file whole; a write that fails says
// which file and why, leaves what was there untouched and no temporary file behind.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileOrFail, writeFileAtomic } from '../ddpm/cli/files.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpm-files-'));

test('writes create folders and replace the file whole', () => {
  const path = join(dir, 'a', 'b', 'out.json');
  writeFileAtomic(path, 'first');
  writeFileAtomic(path, new TextEncoder().encode('second'));
  assert.is(readFileSync(path, 'utf8'), 'second');
  assert.equal(readdirSync(join(dir, 'a', 'b')), ['out.json'], 'no temporary file left');
});

test('a failed write names the file, keeps what was there and leaves no temporary file', () => {
  const target = join(dir, 'occupied');
  mkdirSync(target);
  writeFileSync(join(target, 'keep.txt'), 'precious');
  assert.throws(() => writeFileAtomic(target, 'data'), /could not write .*occupied: /);
  assert.is(readFileSync(join(target, 'keep.txt'), 'utf8'), 'precious');
  assert.ok(readdirSync(dir).every((name) => !name.endsWith('.tmp')), `no temporary file: ${readdirSync(dir)}`);
  assert.throws(() => writeFileAtomic(join(dir, 'occupied', 'keep.txt', 'x'), 'data'), /could not write .*keep\.txt\/x: E(EXIST|NOTDIR)/);
});

test('reading a missing file or a folder says so', () => {
  assert.throws(() => readFileOrFail(join(dir, 'none.safetensors'), 'checkpoint'), /checkpoint not found: .*none\.safetensors/);
  assert.throws(() => readFileOrFail(dir, 'checkpoint'), /checkpoint is a folder, expected a file/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
