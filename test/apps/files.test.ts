// Files (app-support/files.ts): a write replaces the file whole; a write that fails says which file
// and why, leaves what was there untouched and no temporary file behind. prepareOutputFolder
// checks an output folder before any long work: it creates it, or refuses a file, a folder inside
// a file and a place that takes no folders (/proc/x, where Node 20's recursive mkdirSync never
// returns: those cases run in a child process with a time limit). Reads take regular files only
// (a FIFO, a device or a symlink to one is refused by name, in a child with a time limit since a
// FIFO would block a plain read forever), at most 2 GiB, a safetensors file header first;
// AtomicFile writes a file a piece at a time, in place only once committed.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AtomicFile, appendFileOrFail, MAX_READ_BYTES, prepareOutputFolder, readFileOrFail, readSafetensorsOrFail, writeFileAtomic } from '../../app-support/files.js';
import { encodeSafetensors } from '../../ddpm/safetensors.js';

/** What a child process calls (see inChild). */
type Probe = 'write' | 'prepare' | 'read' | 'read-safetensors' | 'append';

// The child process: this file run again with DDPM_FILES_PROBE = JSON [function, path]; it prints
// what the call did and exits before any test is defined.
const CHILD = 'DDPM_FILES_PROBE';
if (process.env[CHILD] !== undefined) {
  const [fn, path] = JSON.parse(process.env[CHILD]) as [Probe, string];
  try {
    if (fn === 'write') writeFileAtomic(path, 'data');
    else if (fn === 'read') readFileOrFail(path, 'checkpoint');
    else if (fn === 'read-safetensors') readSafetensorsOrFail(path, 'train state');
    else if (fn === 'append') appendFileOrFail(path, '{}\n');
    else prepareOutputFolder(path, '--out');
    process.stdout.write(JSON.stringify({ ok: true }));
  } catch (e) {
    process.stdout.write(JSON.stringify({ error: (e as Error).message }));
  }
  process.exit(0);
}

/** Runs one call in a child process that gets `seconds` to answer; its error message, or null. */
function inChild(fn: Probe, path: string, seconds = 20): string | null {
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    encoding: 'utf8', timeout: seconds * 1000, env: { ...process.env, [CHILD]: JSON.stringify([fn, path]) },
  });
  assert.ok(r.signal === null, `${fn} ${path} did not return within ${seconds} s (killed by ${r.signal})`);
  assert.is(r.status, 0, `child failed: ${r.stderr}`);
  const answer = JSON.parse(r.stdout) as { ok?: true; error?: string };
  return answer.error ?? null;
}

const dir = mkdtempSync(join(tmpdir(), 'ddpm-files-'));
const linuxProc = existsSync('/proc/self/status');

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
  assert.throws(() => writeFileAtomic(target, 'data'), /could not write .*occupied: a folder is in the way/);
  assert.is(readFileSync(join(target, 'keep.txt'), 'utf8'), 'precious');
  assert.ok(readdirSync(dir).every((name) => !name.endsWith('.tmp')), `no temporary file: ${readdirSync(dir)}`);
  assert.throws(() => writeFileAtomic(join(target, 'keep.txt', 'x', 'y'), 'data'),
    /could not write .*keep\.txt\/x\/y: .*occupied\/keep\.txt is a file, expected a folder/);
  assert.is(readFileSync(join(target, 'keep.txt'), 'utf8'), 'precious');
});

test('a write under /proc fails at once, naming the folder', () => {
  if (!linuxProc) return;
  const message = inChild('write', '/proc/x/model.safetensors');
  assert.match(message ?? '', /could not write \/proc\/x\/model\.safetensors: cannot create the folder \/proc\/x: .*\(ENOENT\)/);
});

test('prepareOutputFolder creates a nested new folder and leaves nothing in it', () => {
  const out = join(dir, 'runs', 'deep', 'er');
  prepareOutputFolder(out);
  assert.ok(statSync(out).isDirectory());
  assert.equal(readdirSync(out), [], 'the probe file is removed');
  prepareOutputFolder(out); // an existing folder is fine too
  assert.equal(readdirSync(out), []);
});

test('prepareOutputFolder refuses an existing file and a folder inside a file', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'not a folder');
  assert.throws(() => prepareOutputFolder(file, '--out'), (e: Error) =>
    e.message === `--out names a file (${file}), expected a folder`);
  assert.throws(() => prepareOutputFolder(join(file, 'run', 'x')), (e: Error) =>
    e.message === `output folder ${join(file, 'run', 'x')} cannot be created: ${file} is a file, expected a folder`);
  assert.is(readFileSync(file, 'utf8'), 'not a folder', 'the file is untouched');
});

test('prepareOutputFolder refuses /proc/x promptly and /proc as not writable', () => {
  if (!linuxProc) return;
  assert.match(inChild('prepare', '/proc/x') ?? '', /^--out \/proc\/x cannot be created: cannot create the folder \/proc\/x: .*\(ENOENT\)$/);
  assert.match(inChild('prepare', '/proc/x/y/z') ?? '', /^--out \/proc\/x\/y\/z cannot be created: cannot create the folder \/proc\/x: /);
  assert.match(inChild('prepare', '/proc') ?? '', /^--out \/proc is not writable: /);
});

test('reading a missing file or a folder says so', () => {
  assert.throws(() => readFileOrFail(join(dir, 'none.safetensors'), 'checkpoint'), /checkpoint not found: .*none\.safetensors/);
  assert.throws(() => readFileOrFail(dir, 'checkpoint'), /checkpoint is a folder, expected a file/);
});

test('only regular files are read: a FIFO, a device and a symlink to one are refused by name at once, never waited on or read', () => {
  if (!linuxProc) return;
  const fifo = join(dir, 'train-state.safetensors');
  assert.is(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const link = join(dir, 'zero.safetensors');
  symlinkSync('/dev/zero', link);
  // A FIFO without a writer blocks a plain read forever (deaf to signals): each call runs in a child with a time limit.
  assert.is(inChild('read', fifo, 10), `checkpoint ${fifo} is a FIFO (named pipe), not a regular file: only regular files are read`);
  assert.is(inChild('read-safetensors', fifo, 10), `train state ${fifo} is a FIFO (named pipe), not a regular file: only regular files are read`);
  assert.is(inChild('append', fifo, 10), `could not append to ${fifo}: it is a FIFO (named pipe), not a regular file`);
  assert.is(inChild('read', '/dev/urandom', 10), 'checkpoint /dev/urandom is a character device, not a regular file: only regular files are read');
  assert.is(inChild('read-safetensors', link, 10),
    `train state ${link} (a symlink to /dev/zero) is a character device, not a regular file: only regular files are read`);
  assert.is(inChild('append', link, 10), `could not append to ${link}: it (a symlink to /dev/zero) is a character device, not a regular file`);
});

test('a file is read whole only up to 2 GiB, and a safetensors file only once its header describes its size', () => {
  const huge = join(dir, 'huge.bin');
  writeFileSync(huge, '');
  truncateSync(huge, MAX_READ_BYTES + 1); // sparse: no disk space used
  assert.throws(() => readFileOrFail(huge, 'checkpoint'), (e: Error) =>
    e.message === `checkpoint ${huge} is ${MAX_READ_BYTES + 1} bytes, more than the ${MAX_READ_BYTES} (2 GiB) a file may have to be read`);
  // A real checkpoint followed by 1.5 GB: refused after reading its header, not the 1.5 GB.
  const padded = join(dir, 'padded.safetensors');
  const bytes = encodeSafetensors(new Map([['w', { shape: [2], data: Float32Array.from([1, 2]) }]]));
  writeFileSync(padded, bytes);
  truncateSync(padded, 1.5e9);
  const started = performance.now();
  assert.throws(() => readSafetensorsOrFail(padded, 'checkpoint'),
    new RegExp(`^${padded}: safetensors: the header's tensors take 8 bytes but the file has \\d+ after the header`));
  assert.ok(performance.now() - started < 500, `refused without reading the file (${(performance.now() - started).toFixed(0)} ms)`);
  truncateSync(padded, bytes.length);
  assert.equal(readSafetensorsOrFail(padded, 'checkpoint'), bytes);
});

test('appendFileOrFail creates the file and appends to it', () => {
  const log = join(dir, 'logs', 'metrics.jsonl');
  mkdirSync(join(dir, 'logs'));
  appendFileOrFail(log, 'a\n');
  appendFileOrFail(log, 'b\n');
  assert.is(readFileSync(log, 'utf8'), 'a\nb\n');
});

test('AtomicFile: the target keeps its old content until commit; abort leaves it and no temporary file', () => {
  const target = join(dir, 'streamed', 'points.csv');
  writeFileAtomic(target, 'old\n');
  const aborted = new AtomicFile(target);
  aborted.write('x,y\n');
  aborted.write(new TextEncoder().encode('1,2\n'));
  assert.is(readFileSync(target, 'utf8'), 'old\n', 'untouched while written');
  aborted.abort();
  assert.is(readFileSync(target, 'utf8'), 'old\n', 'untouched after abort');
  assert.equal(readdirSync(join(dir, 'streamed')), ['points.csv'], 'no temporary file');
  const committed = new AtomicFile(target);
  committed.write('x,y\n');
  committed.write('1,2\n');
  committed.commit();
  assert.is(readFileSync(target, 'utf8'), 'x,y\n1,2\n');
  assert.equal(readdirSync(join(dir, 'streamed')), ['points.csv']);
  assert.throws(() => committed.write('more'), /could not write .*points\.csv: the file was already committed or given up/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
