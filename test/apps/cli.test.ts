// The `ddpm` command end to end (bin/ddpm.mjs → build/commands/ddpm.js, as a user runs it): a tiny
// `ddpm train` writes every file it promises, `--resume` continues it, `ddpm sample` writes .npy
// (in NumPy's format), .csv and PNGs; bad flags and impossible values fail with a clear message
// and a non-zero status.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors, encodeSafetensors } from '../../ddpm/safetensors.js';
import { repoRoot, runDdpm } from '../support/helpers.js';
import { needs, pytorchMissing } from '../support/optional.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpm-cli-'));
const run = join(dir, 'run');
const small = ['--data-size', '300', '--hidden', '16', '--samples', '200', '--device', 'cpu', '--seed', '1'];
/** The tutorial's preset (the default is README's quick start, --preset improved). */
const tiny = [...small, '--preset', 'seed'];

const ddpm = (...args: string[]): ReturnType<typeof runDdpm> => runDdpm(dir, ...args);

function ok(r: ReturnType<typeof ddpm>): string {
  assert.is(r.status, 0, `exit status 0 expected; stderr:\n${r.stderr}`);
  return r.stdout;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const isPng = (path: string): boolean => PNG_SIGNATURE.every((b, i) => readFileSync(path)[i] === b);

test('ddpm train writes the checkpoint, train state, metrics and three pictures', () => {
  const stdout = ok(ddpm('train', ...tiny, '--epochs', '2', '--out', run));
  assert.match(stdout, /device: CPU/);
  for (const name of ['model.safetensors', 'train-state.safetensors', 'metrics.json', 'metrics.jsonl', 'samples.png', 'reverse.png', 'loss.png']) {
    assert.ok(existsSync(join(run, name)), `${name} written`);
  }
  for (const name of ['samples.png', 'reverse.png', 'loss.png']) assert.ok(isPng(join(run, name)), `${name} is a PNG`);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.is(metrics.status, 'finished');
  assert.is(metrics.epochs, 2);
  assert.is(metrics.checkpoint_epoch, 2);
  assert.is(metrics.loss_per_epoch.length, 2);
  assert.ok(metrics.steps_per_s > 0 && metrics.wall_time_s.train > 0);
  assert.is(metrics.device.name, 'cpu');
  assert.equal(metrics.settings, {
    batch: 128, lr: 0.001, clip: 1, ema: 0, lrSchedule: { warmupSteps: 0, decay: 'constant', totalSteps: 0, floor: 1 },
    seed: 1, points: 300, epochs: 2, save_every: 100,
  });
  assert.is(decodeSafetensors(readFileSync(join(run, 'model.safetensors'))).metadata.weights, 'trained');
  assert.match(readFileSync(join(run, 'metrics.json'), 'utf8'), /"loss_per_epoch": \[\n/, 'pretty-printed JSON');
  assert.is(metrics.config.preset, 'seed');
  assert.ok(metrics.quality.sliced_w1 > 0 && metrics.quality.data_vs_data_floor > 0 && metrics.quality.gaussian_vs_data > 0);
  const model = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  assert.is(model.tensors.get('linears.0.weight')!.shape.join(','), '16,2');
  assert.is(JSON.parse(model.metadata.config).n_steps, 100);
});

test('ddpm train --resume continues the run to the new total of epochs', () => {
  const stdout = ok(ddpm('train', '--resume', run, '--epochs', '3', '--device', 'cpu', '--samples', '200'));
  assert.match(stdout, /epochs 3…3/);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.is(metrics.epochs, 3);
  assert.is(metrics.resumed_from_epoch, 2);
  assert.is(metrics.loss_per_epoch.length, 3);
  const clash = ddpm('train', '--resume', run, '--epochs', '4', '--lr', '0.01', '--device', 'cpu');
  assert.is(clash.status, 2);
  assert.match(clash.stderr, /--lr 0\.01 differs from the resumed run's 0\.001/);
  // A model file from another epoch than the train state beside it is refused.
  const other = join(dir, 'other');
  ok(ddpm('train', ...tiny, '--epochs', '1', '--out', other));
  copyFileSync(join(other, 'model.safetensors'), join(run, 'model.safetensors'));
  const mismatched = ddpm('train', '--resume', run, '--device', 'cpu');
  assert.is(mismatched.status, 1);
  assert.match(mismatched.stderr, /model\.safetensors is epoch 1 of run [\w-]+ but .*train-state\.safetensors is epoch 3 of run [\w-]+: they are not one checkpoint/);
  ok(ddpm('train', '--resume', other, '--device', 'cpu', '--samples', '100'));
  assert.is(JSON.parse(readFileSync(join(other, 'metrics.json'), 'utf8')).epochs, 1, 'without --epochs, a resumed run keeps its own target');
});

test('--preset improved keeps a weight average: model.safetensors holds it (PyTorch loads it), the train state the trained weights; --seeds 2 reports both runs', () => {
  const base = join(dir, 'improved');
  // 300 points in batches of 128: 3 steps an epoch, 4 epochs; warm-up 3 steps, cosine over 12.
  const stdout = ok(ddpm('train', ...small, '--preset', 'improved', '--epochs', '4', '--warmup', '3', '--seeds', '2', '--out', base));
  assert.match(stdout, /== seed 1 \(1 of 2\) ==/);
  assert.match(stdout, /lr 0\.005 cosine to ×0\.1 over 12 steps, 3 steps of warm-up; weight average 0\.999/);
  const seeds = JSON.parse(readFileSync(join(base, 'seeds.json'), 'utf8'));
  assert.equal(seeds.runs.map((r: { seed: number }) => r.seed), [1, 2]);
  const w1 = seeds.runs.map((r: { sliced_w1: number }) => r.sliced_w1);
  assert.ok(Math.abs(seeds.sliced_w1.mean - (w1[0] + w1[1]) / 2) < 1e-12, 'the mean of the runs');
  assert.ok(Math.abs(seeds.sliced_w1.sd - Math.abs(w1[0] - w1[1]) / Math.SQRT2) < 1e-12, 'their sample standard deviation');
  assert.match(stdout, /sliced W1 over 2 seeds: mean /);
  const one = join(base, 'seed-1');
  const metrics = JSON.parse(readFileSync(join(one, 'metrics.json'), 'utf8'));
  assert.equal(metrics.settings.lrSchedule, { warmupSteps: 3, decay: 'cosine', totalSteps: 12, floor: 0.1 });
  assert.is(metrics.settings.ema, 0.999);
  const model = decodeSafetensors(readFileSync(join(one, 'model.safetensors')));
  const state = decodeSafetensors(readFileSync(join(one, 'train-state.safetensors')));
  assert.is(model.metadata.weights, 'ema 0.999, 12 updates');
  assert.is(state.metadata.ema_updates, '12');
  for (const [key, t] of model.tensors) {
    assert.equal(Array.from(t.data), Array.from(state.tensors.get(`ema.${key}`)!.data), `${key}: the model file holds the average`);
    assert.not.equal(Array.from(t.data), Array.from(state.tensors.get(`raw.${key}`)!.data), `${key}: the trained weights differ from it`);
  }
  // Resumed, the run keeps its average and schedule (another decay is refused) and continues.
  const clash = ddpm('train', '--resume', one, '--epochs', '5', '--ema', '0.99', '--device', 'cpu');
  assert.is(clash.status, 2);
  assert.match(clash.stderr, /--ema 0\.99 differs from the resumed run's 0\.999/);
  ok(ddpm('train', '--resume', one, '--epochs', '5', '--device', 'cpu', '--samples', '200'));
  assert.is(decodeSafetensors(readFileSync(join(one, 'model.safetensors'))).metadata.weights, 'ema 0.999, 15 updates');
  // ddpm sample takes the saved average by default, the trained weights when asked.
  const saved = ok(ddpm('sample', '--checkpoint', one, '--samples', '50', '--device', 'cpu', '--out', join(dir, 'avg.npy')));
  assert.match(saved, /weights: ema 0\.999, 15 updates/);
  const trained = ok(ddpm('sample', '--checkpoint', one, '--samples', '50', '--device', 'cpu', '--weights', 'trained', '--out', join(dir, 'raw.npy')));
  assert.match(trained, /weights: trained \(from .*train-state\.safetensors; the model file holds ema 0\.999, 15 updates\)/);
  assert.not.equal(readFileSync(join(dir, 'avg.npy')), readFileSync(join(dir, 'raw.npy')), 'other weights, other points');
  const none = ddpm('sample', '--checkpoint', run, '--samples', '50', '--device', 'cpu', '--weights', 'trained', '--out', join(dir, 'x.npy'));
  assert.is(none.status, 1);
  assert.match(none.stderr, /train-state\.safetensors: the run kept no weight average: its model file holds the trained weights/);
  // Another run's train state copied beside the model: its trained weights are not this model's.
  const mixed = join(dir, 'mixed-pair');
  mkdirSync(mixed);
  copyFileSync(join(one, 'model.safetensors'), join(mixed, 'model.safetensors'));
  copyFileSync(join(base, 'seed-2', 'train-state.safetensors'), join(mixed, 'train-state.safetensors'));
  const other = ddpm('sample', '--checkpoint', mixed, '--samples', '50', '--device', 'cpu', '--weights', 'trained', '--out', join(dir, 'mixed.npy'));
  assert.is(other.status, 1, other.stderr);
  assert.match(other.stderr, /--weights trained: .*mixed-pair.train-state\.safetensors is epoch \d+ of run [\w-]+ but .*model\.safetensors is epoch 5 of run [\w-]+: they are not one checkpoint/);
  assert.not.ok(existsSync(join(dir, 'mixed.npy')));
  const refused = ddpm('train', '--resume', one, '--seeds', '2', '--device', 'cpu');
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /--seeds cannot --resume one run; to continue a set, run the same --seeds command again/);
});

test('--seeds: the same command again continues a set that was stopped part-way (finished seeds kept, the rest run) and writes seeds.json', () => {
  const base = join(dir, 'seeds-continued');
  const args = ['train', ...tiny, '--epochs', '2', '--seeds', '2', '--out', base];
  ok(ddpm(...args));
  const whole = JSON.parse(readFileSync(join(base, 'seeds.json'), 'utf8'));
  // As a stop during seed 2 leaves it: seed 1 finished, seed 2 not there yet, no seeds.json.
  rmSync(join(base, 'seed-2'), { recursive: true });
  rmSync(join(base, 'seeds.json'));
  const again = ok(ddpm(...args));
  assert.match(again, /== seed 1 \(1 of 2\): continuing the run in .*seed-1 ==/);
  const continued = JSON.parse(readFileSync(join(base, 'seeds.json'), 'utf8'));
  assert.equal(continued.runs.map((r: { continued: boolean }) => r.continued), [true, false]);
  assert.is(continued.runs[0].steps, 0, 'seed 1 was complete: no further training');
  assert.equal(continued.runs.map((r: { sliced_w1: number }) => r.sliced_w1), whole.runs.map((r: { sliced_w1: number }) => r.sliced_w1),
    'the same quality for each seed as the uninterrupted set');
});

test('sizes from flags are checked before anything is allocated: too many points, too wide a layer, a CPU step of minutes, too big a model', () => {
  const cases: [string[], RegExp][] = [
    [['--data-size', '1e9'], /this run needs about 24\.0 GB of memory \(--data-size: 24\.0 GB\), more than 50 % of this machine's .*: make --data-size smaller/],
    [['--hidden', '100000'], /--hidden must be an integer from 1 to 16384, got '100000'/],
    [['--hidden', '8000'], /one training step at --hidden 8000 --batch 128 is about 98 GFLOP: minutes on the CPU, during which Ctrl-C and SIGTERM would wait/],
    [['--timesteps', '100000', '--hidden', '16384'], /this run needs about .* GB of memory \(--hidden and --timesteps: .*\)/],
  ];
  for (const [flags, message] of cases) {
    const start = Date.now();
    const r = ddpm('train', '--device', 'cpu', '--epochs', '1', '--out', join(dir, 'too-big'), ...flags);
    assert.is(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.ok(Date.now() - start < 15_000, `${flags.join(' ')}: refused in ${Date.now() - start} ms`);
  }
  assert.not.ok(existsSync(join(dir, 'too-big', 'metrics.jsonl')), 'nothing written');
});

test('samples that are not finite are an error naming the checkpoint\'s epoch: nothing written as if valid, the run marked "failed"', () => {
  // At --lr 1e3 the loss stays finite but the weights sample NaN.
  const run = join(dir, 'nan-samples');
  const trained = ddpm('train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--device', 'cpu', '--samples', '50', '--epochs', '60', '--lr', '1e3', '--out', run);
  assert.is(trained.status, 1, trained.stderr);
  assert.match(trained.stderr, /training ended \(.*model\.safetensors, epoch 60\), but the model of epoch 60 draws samples that are not finite: 50 of the 50 .* are NaN or infinite/);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.is(metrics.status, 'failed');
  assert.match(metrics.failure, /not finite/);
  assert.not.ok(existsSync(join(run, 'samples.png')), 'no picture of samples that are not');
  for (const out of ['nan.npy', 'nan.csv']) {
    const sampled = ddpm('sample', '--checkpoint', run, '--samples', '100', '--device', 'cpu', '--out', join(dir, out));
    assert.is(sampled.status, 1, sampled.stderr);
    assert.match(sampled.stderr, /model\.safetensors \(saved at epoch 60\) draws samples that are not finite: 100 of the 100 .*; no samples are written/);
    assert.not.ok(existsSync(join(dir, out)), `${out} not written`);
  }
});

needs('PyTorch', pytorchMissing())('PyTorch (Debian\'s python3-torch) loads the weight average of a --preset improved run strictly into the tutorial\'s class', () => {
  const one = join(dir, 'improved', 'seed-1');
  assert.ok(existsSync(join(one, 'model.safetensors')), 'the --seeds run above wrote improved/seed-1 (then resumed to epoch 5)');
  const torch = spawnSync('/usr/bin/python3', [join(repoRoot(), 'test', 'support', 'torch_load_check.py'), join(one, 'model.safetensors'),
    join(one, 'train-state.safetensors'), 'ema'], { encoding: 'utf8' });
  assert.is(torch.status, 0, `stderr:\n${torch.stderr}`);
  const loaded = JSON.parse(torch.stdout);
  assert.is(loaded.max_diff, 0, 'PyTorch loaded the average');
  assert.is(loaded.weights, 'ema 0.999, 15 updates');
});

test('the old spellings still work for a release, each with a one-line note naming the new flag; the run is the one the new flags make', () => {
  const old = join(dir, 'old-spellings');
  const trained = ddpm('train', '--preset', 'seed', '--points', '300', '--hidden', '16', '--eval-points', '50', '--steps', '20', '--device', 'cpu',
    '--epochs', '1', '--save-every', '0', '--out', old);
  assert.is(trained.status, 0, trained.stderr);
  const notes = trained.stderr.split('\n').filter((l) => l.startsWith('note: '));
  assert.equal(notes, ['note: --points is now --data-size', 'note: --eval-points is now --samples', 'note: --steps is now --timesteps']);
  const metrics = JSON.parse(readFileSync(join(old, 'metrics.json'), 'utf8'));
  assert.equal([metrics.settings.points, metrics.config.n_steps, metrics.quality.n], [300, 20, 50]);
  const renamed = join(dir, 'new-spellings');
  const again = ddpm('train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--samples', '50', '--timesteps', '20', '--device', 'cpu',
    '--epochs', '1', '--save-every', '0', '--out', renamed);
  assert.not.match(again.stderr, /note: /);
  const tensors = (path: string): Map<string, number[]> => new Map([...decodeSafetensors(readFileSync(path)).tensors].map(([k, t]) => [k, [...t.data]]));
  assert.equal(tensors(join(renamed, 'model.safetensors')), tensors(join(old, 'model.safetensors')), 'the same weights');
  const sampled = ddpm('sample', '--checkpoint', old, '--n', '10', '--device', 'cpu', '--out', join(dir, 'old-n.npy'));
  assert.is(sampled.status, 0, sampled.stderr);
  assert.match(sampled.stderr, /^note: --n is now --samples$/m);
  assert.is(readFileSync(join(dir, 'old-n.npy')).length, 128 + 10 * 2 * 4);
  assert.match(ok(ddpm('train', '--help')), /old spellings still read, with a note: --points \(--data-size\), --steps \(--timesteps\), --eval-points \(--samples\)/);
});

test('ddpm sample writes .npy that NumPy reads, .csv and PNGs', () => {
  const npy = join(dir, 'points.npy');
  ok(ddpm('sample', '--checkpoint', join(run, 'model.safetensors'), '--samples', '50', '--device', 'cpu', '--out', npy, '--png', join(dir, 'points.png')));
  const bytes = readFileSync(npy);
  assert.is(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  const headerLength = bytes.readUInt16LE(8);
  assert.match(bytes.subarray(10, 10 + headerLength).toString('latin1'), /'descr': '<f4', 'fortran_order': False, 'shape': \(50, 2\)/);
  assert.is(bytes.length, 10 + headerLength + 50 * 2 * 4);
  assert.ok(isPng(join(dir, 'points.png')) && isPng(join(dir, 'points-reverse.png')));

  const csv = join(dir, 'points.csv');
  ok(ddpm('sample', '--checkpoint', join(run, 'model.safetensors'), '--sampler', 'ddim', '--sample-steps', '10', '--eta', '0.5',
    '--samples', '20', '--device', 'cpu', '--out', csv));
  const lines = readFileSync(csv, 'utf8').trim().split('\n');
  assert.is(lines[0], 'x,y');
  assert.is(lines.length, 21);
  assert.ok(lines.slice(1).every((l) => l.split(',').map(Number).every(Number.isFinite)));
});

test('bad flags and impossible values: a clear message and a non-zero status', () => {
  const ckpt = join(run, 'model.safetensors');
  const cases: [string[], number, RegExp][] = [
    [['train', '--epochs', '-3'], 2, /--epochs must be an integer ≥ 0, got '-3'/],
    [['train', '--epoch', '3'], 2, /unknown flag --epoch/],
    [['train', '--device', 'tpu'], 2, /--device must be one of auto, cpu, webgpu, got 'tpu'/],
    [['train', '--device', 'cpu', '--engine', 'fused'], 2, /--engine fused needs WebGPU \(the device is 'cpu'\)/],
    [['train', '--engine', 'jit'], 2, /--engine must be one of fused, eager, got 'jit'/],
    [['train', '--preset', 'fast'], 2, /--preset must be one of seed, improved/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'euler', '--out', 'x.npy'], 2, /--sampler must be one of tutorial, ddpm, ddim, got 'euler'/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'ddim', '--sample-steps', '101', '--out', 'x.npy', '--device', 'cpu'], 2, /--sample-steps 101 exceeds the model's T = 100/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'ddpm', '--sample-steps', '10', '--out', 'x.npy', '--device', 'cpu'], 2, /needs --sampler ddim/],
    [['sample', '--checkpoint', join(dir, 'missing.safetensors'), '--out', 'x.npy'], 1, /checkpoint not found: .*missing\.safetensors/],
    [['sample', '--checkpoint', ckpt, '--out', 'x.txt'], 2, /--out must end in \.npy or \.csv/],
    [['sample', '--out', 'x.npy'], 2, /--checkpoint DIR\|FILE is required \(a run folder of ddpm train, or its model\.safetensors\)/],
    [['fly'], 2, /unknown command 'fly'/],
  ];
  for (const [args, status, message] of cases) {
    const r = ddpm(...args);
    assert.is(r.status, status, `ddpm ${args.join(' ')} → status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.match(ok(ddpm('train', '--help')), /--resume DIR\|FILE/);
  assert.match(ok(ddpm('sample', '--help')), /--sampler tutorial\|ddpm\|ddim/);
});

test('a finished run is not overwritten: --out refuses it (naming --resume and --overwrite), --overwrite starts again', () => {
  const again = ddpm('train', ...tiny, '--epochs', '1', '--out', run);
  assert.is(again.status, 2);
  assert.match(again.stderr, /run already holds a run \(model\.safetensors, train-state\.safetensors, metrics\.json, metrics\.jsonl\); continue it with --resume .*run, start it again there with --overwrite/);
  const copy = join(dir, 'copy');
  ok(ddpm('train', ...tiny, '--epochs', '1', '--out', copy));
  ok(ddpm('train', ...tiny, '--epochs', '1', '--out', copy, '--overwrite'));
  // A command line refused after the flags are read leaves the old run alone, --overwrite or not.
  const before = readFileSync(join(copy, 'model.safetensors'));
  const refused = ddpm('train', ...tiny, '--epochs', '1', '--out', copy, '--overwrite', '--engine', 'fused');
  assert.is(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /fused/);
  assert.equal(readFileSync(join(copy, 'model.safetensors')), before, 'the old run\'s model is kept');
  const lines = readFileSync(join(copy, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(lines.filter((l) => 'started' in l).length, 1, 'metrics.jsonl starts anew');
  assert.equal(lines.filter((l) => 'epoch' in l).map((l) => l.epoch), [1]);
  assert.ok(lines.some((l) => l.checkpoint === 1) && lines.some((l) => l.final === 1));
});

test('the probe\'s inputs: each refused before any work, with a message that says why', () => {
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  const ckpt = join(run, 'model.safetensors');
  const cases: [string[], number, RegExp][] = [
    [['train', ...tiny, '--out', '/proc/x'], 2, /ddpm train: --out \/proc\/x cannot be created/],
    [['train', ...tiny, '--out', file], 2, /ddpm train: --out names a file \(.*a-file\), expected a folder/],
    [['train', '--dataset', 'mnist', '--device', 'cpu', '--out', file], 2, /--out names a file/],
    [['train', '--seed', '9007199254740993'], 2, /--seed must be an integer from 0 to 4294967295, got '9007199254740993'/],
    [['train', '--seed', '4294967296'], 2, /--seed must be an integer from 0 to 4294967295/],
    [['train', ...tiny, '--data-scale', '1e40', '--out', join(dir, 'huge')], 2, /the data × --data-scale 1e\+40 is not finite in float32/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'ddim', '--eta', '1e308', '--out', 'x.npy'], 2, /--eta must be a number from 0 to 1, got '1e308'/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'ddim', '--steps', '10', '--out', 'x.npy'], 2, /the number of sampling steps is --sample-steps \(as in ddpm train, where --timesteps is T\)/],
    [['sample', '--checkpoint', ckpt, '--out', join(file, 'x.npy')], 2, /ddpm sample: --out's folder names a file \(.*a-file\), expected a folder/],
  ];
  for (const [args, status, message] of cases) {
    const started = Date.now();
    const r = ddpm(...args);
    assert.is(r.status, status, `ddpm ${args.join(' ')} → status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.not.match(r.stderr, /train: epoch/, `ddpm ${args.join(' ')}: refused before training`);
    assert.ok(Date.now() - started < 30_000, `ddpm ${args.join(' ')} answered at once`);
  }
  // A batch larger than the data is said.
  assert.match(ok(ddpm('train', ...tiny, '--batch', '500', '--epochs', '1', '--out', join(dir, 'big-batch'))),
    /note: --batch 500 is more than the 300 points: each epoch is one batch of 300/);
  // A run folder works as --checkpoint.
  ok(ddpm('sample', '--checkpoint', run, '--samples', '10', '--device', 'cpu', '--out', join(dir, 'from-folder.npy')));
  assert.ok(existsSync(join(dir, 'from-folder.npy')));
});

test('non-finite numbers are never silent: divergence stops training, and NaN weights are refused by name', () => {
  const diverging = join(dir, 'diverging');
  const r = ddpm('train', ...tiny, '--lr', '1e30', '--epochs', '5', '--save-every', '1', '--out', diverging);
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, /error: the loss of epoch 1 is (NaN|Infinity): training diverged .*; no checkpoint had been written to .*diverging yet/);
  assert.not.ok(existsSync(join(diverging, 'model.safetensors')), 'no NaN checkpoint');
  assert.is(JSON.parse(readFileSync(join(diverging, 'metrics.json'), 'utf8')).status, 'diverged');
  // A checkpoint with a NaN weight (written by hand) is refused, naming the tensor.
  const bytes = new Uint8Array(readFileSync(join(run, 'model.safetensors')));
  const file = decodeSafetensors(bytes);
  file.tensors.get('linears.2.weight')!.data[7] = NaN;
  const poisoned = join(dir, 'poisoned.safetensors');
  writeFileSync(poisoned, encodeSafetensors(file.tensors, file.metadata));
  const sampled = ddpm('sample', '--checkpoint', poisoned, '--device', 'cpu', '--out', join(dir, 'nan.npy'));
  assert.is(sampled.status, 1);
  assert.match(sampled.stderr, /poisoned\.safetensors: tensor 'linears\.2\.weight' is not finite: element 7 is NaN/);
  assert.not.ok(existsSync(join(dir, 'nan.npy')));
});

test('ddpm --version prints the version in package.json', () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  assert.is(ok(ddpm('--version')), `ddpm ${version}\n`);
  assert.match(ok(ddpm('--help')), /'ddpm --version' prints the version/);
  assert.match(ok(ddpm('--help')), /bench +time training and sampling on our engine and its peers \(TensorFlow\.js, PyTorch, JAX\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
