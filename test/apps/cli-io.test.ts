// What the `ddpm` command reads and writes, end to end (real child processes, on the CPU):
//   - it reads regular files only: a FIFO in place of train-state.safetensors or metrics.jsonl,
//     /dev/urandom or a symlink to /dev/zero as --checkpoint are refused at once, by name (they
//     used to block forever, deaf to signals, or read gigabytes);
//   - a checkpoint whose config gives sizes beyond the limits is refused at once (it used to
//     allocate gigabytes first);
//   - `ddpm sample --out` streams: the file is byte for byte what generate() and encodeCsv /
//     encodeNpy give for the same seed, the points are written batch by batch (a CSV that would
//     not fit a 40 MB heap is written in one), and a stopped run leaves the previous file whole
//     and no temporary file;
//   - `ddpm sample --png` works for image checkpoints as its help says;
//   - `--resume` of a points run with an image --dataset (and the other way) names the flag.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { decodeModel, encodeModel } from '../../ddpm/points/checkpoint.js';
import { samplingConfig, type ModelConfig } from '../../ddpm/points/config.js';
import { generate } from '../../ddpm/generate.js';
import { buildImageModel, encodeImageModel } from '../../ddpm/images/checkpoint.js';
import type { MLPImageConfig } from '../../ddpm/images/config.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { encodeCsv, encodeNpy } from '../../ddpm/points-format.js';
import { decodeSafetensors, encodeSafetensors } from '../../ddpm/safetensors.js';
import { repoRoot, runDdpm, runDdpmWith } from '../support/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpm-cli-io-'));
const linux = existsSync('/proc/self/status');

/** `ddpm args…` in `dir`, killed after `seconds` (a hang fails the test instead of blocking it). */
const ddpm = (...args: string[]): ReturnType<typeof runDdpmWith> => runDdpmWith({ cwd: dir, seconds: 60 }, ...args);

function ok(r: ReturnType<typeof ddpm>): string {
  assert.is(r.status, 0, `exit status 0 expected; stderr:\n${r.stderr}`);
  return r.stdout;
}

/** A refusal: the status, the message, and an answer within `seconds`. */
function refused(args: string[], status: number, message: RegExp, seconds = 20): void {
  const started = Date.now();
  const r = runDdpmWith({ cwd: dir, seconds }, ...args);
  assert.is(r.signal, null, `ddpm ${args.join(' ')} did not answer within ${seconds} s`);
  assert.is(r.status, status, `ddpm ${args.join(' ')} → status ${r.status}: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.ok(Date.now() - started < seconds * 1000);
}

// A tiny trained run (for --resume) and a tiny model file (T = 2, 2 hidden units: millions of points in seconds).
const run = join(dir, 'run');
ok(ddpm('train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--samples', '100', '--device', 'cpu', '--seed', '1', '--epochs', '1', '--out', run));
const tinyConfig: ModelConfig = {
  model: 'MLPDiffusion', timesteps: 2, hidden: 2, schedule: 'cosine', dataset: 's-curve', dataScale: 1, sampler: 'ddpm', preset: 'custom',
};
const tinyModel = new MLPDiffusion(2, new E.Rng(5), { hidden: 2, device: E.cpu });
const tiny = join(dir, 'tiny.safetensors');
writeFileSync(tiny, await encodeModel(tinyModel, tinyConfig));

/** A copy of the run with `name` replaced by a FIFO. */
function runWithFifo(name: string): string {
  const copy = join(dir, `fifo-in-place-of-${name.split('.')[0]}`);
  mkdirSync(copy);
  for (const file of readdirSync(run)) if (file !== name) writeFileSync(join(copy, file), readFileSync(join(run, file)));
  assert.is(spawnSync('mkfifo', [join(copy, name)]).status, 0, 'mkfifo');
  return copy;
}

let images: string | null = null;

/** A folder with an untrained tiny image model as its model.safetensors (made once). */
async function imageRun(): Promise<string> {
  if (images !== null) return images;
  const config: MLPImageConfig = {
    model: 'MLPImageDiffusion', dataset: 'mnist', width: 28, height: 28, timesteps: 10, schedule: 'linear', hidden: 4, depth: 1, timeDim: 8,
    dataVariance: null, pixelVariance: false, sampler: 'ddim', samplingSteps: 2,
  };
  images = join(dir, 'images');
  mkdirSync(images);
  const model = buildImageModel(config, new E.Rng(1), E.cpu, null);
  writeFileSync(join(images, 'model.safetensors'), await encodeImageModel(model, config, { epoch: 1 }));
  model.dispose();
  return images;
}

test('only regular files are read: FIFOs in a run folder, /dev/urandom and a symlink to /dev/zero are refused at once, by name', () => {
  if (!linux) return;
  refused(['train', '--resume', runWithFifo('train-state.safetensors'), '--epochs', '2', '--device', 'cpu'], 1,
    /error: train state .*fifo-in-place-of-train-state\/train-state\.safetensors is a FIFO \(named pipe\), not a regular file/);
  refused(['train', '--resume', runWithFifo('metrics.jsonl'), '--epochs', '2', '--device', 'cpu', '--samples', '100'], 1,
    /error: could not append to .*fifo-in-place-of-metrics\/metrics\.jsonl: it is a FIFO \(named pipe\), not a regular file/);
  refused(['sample', '--checkpoint', '/dev/urandom', '--device', 'cpu', '--out', 'u.npy'], 1,
    /error: checkpoint \/dev\/urandom is a character device, not a regular file/);
  const zero = join(dir, 'zero.safetensors');
  symlinkSync('/dev/zero', zero);
  refused(['sample', '--checkpoint', zero, '--device', 'cpu', '--out', 'z.npy'], 1,
    /error: checkpoint .*zero\.safetensors \(a symlink to \/dev\/zero\) is a character device, not a regular file/);
  assert.not.ok(existsSync(join(dir, 'u.npy')) || existsSync(join(dir, 'z.npy')));
});

test('a checkpoint whose config is beyond the limits, or does not fit its tensors, is refused at once', () => {
  const { tensors, metadata } = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  const crafted = (over: Record<string, unknown>, name: string): string => {
    const path = join(dir, name);
    writeFileSync(path, encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ ...JSON.parse(metadata.config), ...over }) }));
    return path;
  };
  refused(['sample', '--checkpoint', crafted({ n_steps: 3_000_000 }, 'huge-t.safetensors'), '--device', 'cpu', '--out', 'h.npy'], 1,
    /huge-t\.safetensors: __metadata__\.config\.n_steps must be a positive integer ≤ 100000, got 3000000/, 10);
  refused(['sample', '--checkpoint', crafted({ n_steps: 99_999 }, 'wrong-t.safetensors'), '--device', 'cpu', '--out', 'h.npy'], 1,
    /wrong-t\.safetensors: the tensors do not fit an MLPDiffusion of T = 99999 \(n_steps\) and 16 hidden units \(num_units\): 'step_embeddings\.0\.weight' has shape \[100,16\], expected \[99999,16\]/, 10);
});

test('ddpm sample streams --out: byte for byte what generate() and the encoders give for the seed, .csv and .npy', async () => {
  // 100 000 points: two batches (65 536, then the rest).
  const n = 100_000;
  const { model, config } = decodeModel(readFileSync(tiny), E.cpu);
  const { points } = await generate(model, samplingConfig(config), E.cpu, { sampler: 'ddpm', n, seed: 7, engine: 'eager' });
  ok(ddpm('sample', '--checkpoint', tiny, '--samples', String(n), '--seed', '7', '--device', 'cpu', '--out', 'p.csv'));
  ok(ddpm('sample', '--checkpoint', tiny, '--samples', String(n), '--seed', '7', '--device', 'cpu', '--out', 'p.npy'));
  assert.ok(readFileSync(join(dir, 'p.csv'), 'utf8') === encodeCsv(points), 'the .csv is encodeCsv of the points');
  assert.ok(Buffer.from(encodeNpy(points, [n, 2])).equals(readFileSync(join(dir, 'p.npy'))), 'the .npy is encodeNpy of the points');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('ddpm sample writes batch by batch: a CSV that would not fit a 40 MB heap is written in one', () => {
  // 400 000 points are ~15 MB of CSV; built whole as a string (as before) they took over 64 MB of heap.
  const r = runDdpmWith({ cwd: dir, nodeFlags: ['--max-old-space-size=40'], seconds: 60 },
    'sample', '--checkpoint', tiny, '--samples', '400000', '--device', 'cpu', '--out', 'streamed.csv');
  assert.is(r.status, 0, `stderr:\n${r.stderr.slice(-2000)}`);
  const text = readFileSync(join(dir, 'streamed.csv'), 'utf8');
  assert.is(text.length > 0 && text.split('\n').length, 400_002, 'x,y, 400 000 points and the final newline');
});

test('a stopped ddpm sample leaves the previous --out whole and no temporary file', async () => {
  const out = join(dir, 'kept.csv');
  writeFileSync(out, 'x,y\n1,2\n');
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'ddpm.mjs'), 'sample', '--checkpoint', tiny, '--samples', '5000000', '--device', 'cpu',
    '--out', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  // Stopped once a few batches (each ~2.5 MB of CSV) are in the temporary file beside --out.
  const written = (): number => readdirSync(dir).filter((f) => f.startsWith('.kept.csv.') && f.endsWith('.tmp'))
    .reduce((sum, f) => sum + (existsSync(join(dir, f)) ? statSync(join(dir, f)).size : 0), 0);
  const until = Date.now() + 60_000;
  while (written() < 5e6 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.ok(written() >= 5e6, `the points go to a temporary file beside --out as they are drawn (${written()} bytes)`);
  child.kill('SIGTERM');
  assert.is(await exited, 143, stderr);
  assert.is(readFileSync(out, 'utf8'), 'x,y\n1,2\n', 'the previous file is whole');
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
});

test('ddpm sample --png works for an image checkpoint, as ddpm sample --help lists it', async () => {
  const images = await imageRun();
  assert.match(ok(ddpm('sample', '--help')), /--png FILE .*an image model: its grid/);
  assert.match(ok(ddpm('sample', '--checkpoint', images, '--help')), /--png FILE +with --out FILE\.npy: also draw the grid/);
  ok(ddpm('sample', '--checkpoint', images, '--samples', '4', '--device', 'cpu', '--out', 'digits.npy', '--png', 'digits.png'));
  for (const name of ['digits.npy', 'digits.png', 'digits-reverse.png']) assert.ok(statSync(join(dir, name)).size > 0, `${name} written`);
  assert.is(readFileSync(join(dir, 'digits.png')).subarray(1, 4).toString('latin1'), 'PNG');
  refused(['sample', '--checkpoint', images, '--device', 'cpu', '--out', 'grid.png', '--png', 'other.png'], 2,
    /--png draws the grid beside --out FILE\.npy; --out grid\.png is that grid already/);
});

test('--resume of a points run with --dataset mnist names the flag, not the file (and the other way round)', async () => {
  refused(['train', '--resume', run, '--dataset', 'mnist', '--device', 'cpu'], 2,
    /ddpm train: --dataset mnist does not match the run in .*run: it is a points \(2-D\) run on s-curve \(MLPDiffusion\), and --dataset mnist is an image data set; leave --dataset out/);
  const r = runDdpm(dir, 'train', '--resume', run, '--dataset', 'mnist', '--device', 'cpu');
  assert.not.match(r.stderr, /model\.safetensors/, 'the file is not blamed');
  refused(['train', '--resume', await imageRun(), '--dataset', 's-curve', '--device', 'cpu'], 2,
    /ddpm train: --dataset s-curve does not match the run in .*images: it is an image run on mnist \(MLPImageDiffusion\), and --dataset s-curve is a points \(2-D\) data set/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
