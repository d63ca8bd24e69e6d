// A run's folder (app-support/run-folder.ts) and the training loop's endings (cli/training-loop.ts):
//   - every state a save cut short can leave (after each of its four steps) resumes, from the
//     newest complete pair; random SIGKILLs of a real `ddpm train` never leave a folder that
//     cannot be resumed;
//   - a train state of another run (another run id), or of another model, is refused;
//     (and a real --resume then takes over the killed run's stale lock);
//   - a new run refuses a folder that holds one (naming --resume and --overwrite); --overwrite
//     replaces it only once the new run has taken a step (a run too big for the adapter leaves
//     the old files byte for byte); --out naming a file is refused before any work;
//   - one writer per folder (run-lock.ts): a second `ddpm train --out` or `--resume` of a folder
//     in training is refused naming the process that holds it; a stale lock is taken over, one
//     from another host named with how to clear it;
//   - metrics.jsonl holds its records until the first step, and a cut last line is not glued to
//     the next record;
//   - a run whose loss turns NaN stops with an error naming the epoch, keeps the last good
//     checkpoint and marks metrics.json "diverged"; resuming it needs a lower --lr, asked for;
//   - a save that fails (a full disk) marks metrics.json "failed", with why; --overwrite on a
//     read-only file system (a tmpfs remounted read-only: root) is refused in words.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { decodeTrainState, encodeTrainState } from '../../ddpm/checkpoint.js';
import { decodeModel, encodeModel } from '../../ddpm/points/checkpoint.js';
import { modelConfigJson, parseModelConfig, type ModelConfig } from '../../ddpm/points/config.js';
import { makeDataset } from '../../ddpm/points/data.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer, TUTORIAL_TRAIN_SETTINGS } from '../../ddpm/train.js';
import { lossFigure } from '../../ddpm/plot/figures.js';
import {
  MetricsLog, MODEL_FILE, PREVIOUS_STATE_FILE, prepareRunFolder, readCheckpoint, STATE_FILE, writeCheckpoint,
} from '../../app-support/run-folder.js';
import { LOCK_FILE, lockRunFolder } from '../../app-support/run-lock.js';
import { trainWithCheckpoints } from '../../cli/training-loop.js';
import type { StopRequest } from '../../app-support/stop.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { needs } from '../support/optional.js';
import { repoRoot, runDdpm } from '../support/helpers.js';

const gpu = await gpuForTests();
const root = mkdtempSync(join(tmpdir(), 'ddpm-run-folder-'));
const config: ModelConfig = {
  model: 'MLPDiffusion', timesteps: 100, hidden: 16, schedule: 'sigmoid', dataset: 's-curve', dataScale: 1, sampler: 'tutorial', preset: 'seed',
};
const settings = { ...TUTORIAL_TRAIN_SETTINGS, batch: 128, lr: 1e-3, clip: 1, seed: 3 };
const schedule = makeSchedule('sigmoid', 100);
const data = makeDataset('s-curve', 300, 0);

const newTrainer = (): Trainer<MLPDiffusion> => new Trainer(new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu }), schedule, data, settings, E.cpu);

/** The checkpoint files of `trainer` as it stands, stamped with `runId`. */
async function files(trainer: Trainer<MLPDiffusion>, runId: string | undefined, cfg = config): Promise<{ model: Uint8Array; state: Uint8Array }> {
  return {
    model: await encodeModel(trainer.model, cfg, { epoch: trainer.epoch, runId }),
    state: await encodeTrainState(trainer.model, { ...(await trainer.exportState()), settings, config: cfg, runId }, modelConfigJson),
  };
}

const read = (dir: string): ReturnType<typeof readCheckpoint<MLPDiffusion, ReturnType<typeof decodeTrainState>>> =>
  readCheckpoint(dir, (bytes, file) => decodeModel(bytes, E.cpu, file), (bytes, model, file) => decodeTrainState(bytes, model, file, parseModelConfig));

test('every state a save cut short can leave resumes from the newest complete pair', async () => {
  const trainer = newTrainer();
  await trainer.runEpoch();
  const k = await files(trainer, 'run-a');
  await trainer.runEpoch();
  const next = await files(trainer, 'run-a');
  // The folder after each step of writeCheckpoint (k → k+1): 1 rename, 2 new state, 3 new model, 4 cleanup.
  const states: [string, Record<string, Uint8Array>, number, boolean][] = [
    ['before the save', { [MODEL_FILE]: k.model, [STATE_FILE]: k.state }, 1, false],
    ['after step 1', { [MODEL_FILE]: k.model, [PREVIOUS_STATE_FILE]: k.state }, 1, true],
    ['after step 2', { [MODEL_FILE]: k.model, [STATE_FILE]: next.state, [PREVIOUS_STATE_FILE]: k.state }, 1, true],
    ['after step 3', { [MODEL_FILE]: next.model, [STATE_FILE]: next.state, [PREVIOUS_STATE_FILE]: k.state }, 2, false],
    ['after step 4', { [MODEL_FILE]: next.model, [STATE_FILE]: next.state }, 2, false],
  ];
  for (const [when, contents, epoch, fromPrevious] of states) {
    const dir = join(root, `cut-${when.replace(/ /g, '-')}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(contents)) writeFileSync(join(dir, name), bytes);
    const { state, note } = read(dir);
    assert.is(state.epoch, epoch, `${when}: resumes epoch ${epoch}`);
    assert.is(note !== undefined, fromPrevious, `${when}: ${note}`);
    if (fromPrevious) {
      assert.match(note!, /the last save .* was cut short: resuming from its previous checkpoint \(epoch 1\)/);
      assert.is(read(dir).note, undefined, 'repaired: the pair is in place now');
    }
    // And the next save from there leaves a good pair again.
    writeCheckpoint(dir, next);
    assert.is(read(dir).state.epoch, 2, `${when}: a save after resuming`);
    assert.not.ok(existsSync(join(dir, PREVIOUS_STATE_FILE)));
  }
  trainer.dispose();
});

test('a train state of another run, or of another model, is refused with both files named', async () => {
  const a = newTrainer(), b = newTrainer();
  await a.runEpoch();
  await b.runEpoch();
  const dir = join(root, 'mixed');
  mkdirSync(dir);
  writeCheckpoint(dir, await files(a, 'run-a'));
  writeFileSync(join(dir, STATE_FILE), (await files(b, 'run-b')).state);
  assert.throws(() => read(dir), /model\.safetensors is epoch 1 of run run-a but .*train-state\.safetensors is epoch 1 of run run-b: they are not one checkpoint/);
  // Files from before run ids: the configs must agree (a moons state beside an S-curve model).
  writeCheckpoint(dir, { model: (await files(a, undefined)).model, state: (await files(b, undefined, { ...config, dataset: 'moons' })).state });
  assert.throws(() => read(dir), /train-state\.safetensors is the train state of another model: its config .*"dataset":"moons"/);
  a.dispose();
  b.dispose();
});

test('a new run refuses a folder holding one, --overwrite replaces it only when claimed, and --out naming a file is refused', async () => {
  const dir = join(root, 'taken');
  const trainer = newTrainer();
  await trainer.runEpoch();
  mkdirSync(dir);
  writeCheckpoint(dir, await files(trainer, 'run-a'));
  const options = { command: 'ddpm train', resume: false, overwrite: false };
  assert.throws(() => prepareRunFolder(dir, options),
    /ddpm train: .*taken already holds a run \(model\.safetensors, train-state\.safetensors\); continue it with --resume .*taken, start it again there with --overwrite/);
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'a refused run leaves no lock behind');
  const resumed = prepareRunFolder(dir, { ...options, resume: true });
  assert.ok(existsSync(join(dir, MODEL_FILE)), 'resuming leaves it as it is');
  resumed.lock.release();
  const replacing = prepareRunFolder(dir, { ...options, overwrite: true });
  assert.equal(replacing.replaced, [MODEL_FILE, STATE_FILE]);
  assert.ok(existsSync(join(dir, MODEL_FILE)) && existsSync(join(dir, STATE_FILE)), '--overwrite keeps the old run until the new one claims the folder');
  replacing.claim();
  assert.not.ok(existsSync(join(dir, MODEL_FILE)) || existsSync(join(dir, STATE_FILE)), 'claimed: the old checkpoint is gone');
  replacing.lock.release();
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'released');
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  assert.throws(() => prepareRunFolder(file, options), /ddpm train: --out names a file \(.*a-file\), expected a folder/);
  trainer.dispose();
});

test('a run folder has one writer: a second is refused naming the holder; a stale lock is taken over; another host\'s is named', () => {
  const dir = join(root, 'locked');
  mkdirSync(dir);
  const lock = lockRunFolder(dir, 'ddpm train');
  const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  assert.is(owner.pid, process.pid);
  assert.is(owner.host, hostname());
  assert.is(lockRunFolder(dir, 'ddpm train'), lock, 'this process holds it already: the same lock');
  // Another live process holding it (the parent of this test, or the shell: alive, not us).
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'ddpm train --out x', since: 'then' }));
  lock.release();
  assert.ok(existsSync(join(dir, LOCK_FILE)), 'release removes only a lock of its own');
  assert.throws(() => lockRunFolder(dir, 'ddpm train'),
    new RegExp(`ddpm train: .*locked is in use by another run: process ${process.ppid} on ${hostname()} \\(ddpm train --out x, since then\\)`));
  // A process that is gone: its lock is stale and taken over, with a note.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: Number(gone.stdout), host: hostname(), command: 'ddpm train', since: 'then' }));
  const notes: string[] = [];
  const taken = lockRunFolder(dir, 'ddpm train', (n) => notes.push(n));
  assert.match(notes.join('\n'), new RegExp(`left by process ${gone.stdout} .* which is gone: taking it over`));
  assert.is(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  taken.release();
  // Another host's lock cannot be checked: refused, with how to clear it.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: 'elsewhere', command: 'ddpm train', since: 'then' }));
  assert.throws(() => lockRunFolder(dir, 'ddpm train'), /process 1 on elsewhere .*; if that run is over, remove .*run\.lock/);
  rmSync(join(dir, LOCK_FILE));
});

test('metrics.jsonl: records wait for the first step; a cut last line is not glued to the next record', () => {
  const dir = join(root, 'metrics-log');
  mkdirSync(dir);
  const path = join(dir, 'metrics.jsonl');
  writeFileSync(path, '{"epoch":1,"loss":0.5}\n{"epoch":2,"lo');
  const fresh = new MetricsLog(dir, true);
  fresh.append({ started: 'now' });
  assert.is(readFileSync(path, 'utf8'), '{"epoch":1,"loss":0.5}\n{"epoch":2,"lo', 'nothing written before open');
  const resumed = new MetricsLog(dir, false);
  resumed.append({ started: 'again' });
  resumed.open();
  resumed.append({ epoch: 2, loss: 0.4 });
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.equal(lines, ['{"epoch":1,"loss":0.5}', '{"epoch":2,"lo', '{"started":"again"}', '{"epoch":2,"loss":0.4}', '']);
  fresh.open();
  assert.is(readFileSync(path, 'utf8'), '{"started":"now"}\n', 'a fresh log starts the file anew when opened');
});

test('a loss that turns NaN stops the run: the error names the epoch, the last good checkpoint stays', async () => {
  const dir = join(root, 'diverging');
  mkdirSync(dir);
  const trainer = newTrainer();
  const controller = new AbortController();
  const stop: StopRequest = { signal: controller.signal, reason: null, throwIfStopped: () => {}, whileUnsaved: () => () => {}, dispose: () => {} };
  let metrics: Record<string, unknown> = {};
  const folder = prepareRunFolder(dir, { command: 'ddpm train', resume: false, overwrite: false });
  const run = trainWithCheckpoints(trainer, {
    dir, folder, epochs: 5, saveEvery: 1, stop, log: new MetricsLog(dir, true),
    encode: () => files(trainer, 'run-a'),
    // After the first checkpoint, a weight turns NaN (as a bug or a too large step would do).
    preview: async () => {
      const w = trainer.model.linears[0].weight;
      if (trainer.epoch === 1) w.device.write(w.storage, new Float32Array(w.size).fill(NaN));
      return null;
    },
    metrics: (status, loop) => (metrics = { status, epochs: trainer.epoch, checkpoint_epoch: loop.savedEpoch }),
    lossPicture: () => lossFigure(trainer.losses.length > 0 ? trainer.losses : [1], { title: 'loss', xlabel: 'epoch', ylabel: 'loss' }),
  });
  try {
    await run;
    assert.unreachable('the run went on');
  } catch (e) {
    assert.match((e as Error).message, /the loss of epoch 2 is NaN: training diverged .*; the last good checkpoint \(epoch 1\) is kept in .*diverging/);
  }
  assert.equal(metrics, { status: 'diverged', epochs: 1, checkpoint_epoch: 1 });
  assert.is(JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).status, 'diverged');
  const { state, model } = read(dir);
  assert.is(state.epoch, 1);
  assert.ok(((await model.linears[0].weight.toArray()) as Float32Array).every(Number.isFinite), 'the checkpoint on disk is finite');
  trainer.dispose();
  folder.lock.release();
});

test('a save that fails (a full disk) ends the run with metrics.json marked "failed" and why; the checkpoint before it stays', async () => {
  const dir = join(root, 'disk-full');
  mkdirSync(dir);
  const trainer = newTrainer();
  const controller = new AbortController();
  const stop: StopRequest = { signal: controller.signal, reason: null, throwIfStopped: () => {}, whileUnsaved: () => () => {}, dispose: () => {} };
  const folder = prepareRunFolder(dir, { command: 'ddpm train', resume: false, overwrite: false });
  const run = trainWithCheckpoints(trainer, {
    dir, folder, epochs: 5, saveEvery: 1, stop, log: new MetricsLog(dir, true),
    encode: async () => {
      if (trainer.epoch === 2) throw new Error('could not write x: no space left on the device (ENOSPC)');
      return files(trainer, 'run-a');
    },
    preview: async () => null,
    metrics: (status, loop) => ({ status, epochs: trainer.epoch, checkpoint_epoch: loop.savedEpoch, failure: loop.failure }),
    lossPicture: () => lossFigure(trainer.losses.length > 0 ? trainer.losses : [1], { title: 'loss', xlabel: 'epoch', ylabel: 'loss' }),
  });
  await run.then(() => assert.unreachable('the run went on'), (e: Error) => assert.match(e.message, /ENOSPC/));
  const metrics = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  assert.equal(metrics, { status: 'failed', epochs: 2, checkpoint_epoch: 1, failure: 'could not write x: no space left on the device (ENOSPC)' });
  assert.is(read(dir).state.epoch, 1);
  trainer.dispose();
  folder.lock.release();
});

test('SIGKILLs of a real ddpm train, at random and inside saves, never leave a folder that cannot be resumed', async () => {
  // Wide layers, one tiny step an epoch and a checkpoint every epoch: saves come every ~0.5 s.
  const args = ['train', '--preset', 'seed', '--hidden', '512', '--timesteps', '10', '--data-size', '2', '--batch', '2', '--save-every', '1', '--samples', '16',
    '--epochs', '100000', '--device', 'cpu', '--seed', '2'];
  let cutShort = 0;
  for (let i = 0; i < 12; i++) {
    const dir = join(root, `kill-${i}`);
    const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'ddpm.mjs'), ...args, '--out', dir], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    const start = Date.now();
    while (!existsSync(join(dir, MODEL_FILE)) && Date.now() - start < 60_000) await new Promise((r) => setTimeout(r, 20));
    if (i % 2 === 0) {
      // At a random instant of the next second and a half.
      await new Promise((r) => setTimeout(r, ((i * 7919) % 1500) + 1));
    } else {
      // Inside a save: train-state.previous exists from its first step to its last (a busy wait,
      // so that the kill comes within a millisecond of seeing it).
      const until = Date.now() + 20_000;
      while (!existsSync(join(dir, PREVIOUS_STATE_FILE)) && Date.now() < until);
    }
    child.kill('SIGKILL');
    await exited;
    const hadPrevious = existsSync(join(dir, PREVIOUS_STATE_FILE));
    const { state, note } = read(dir);
    assert.ok(state.epoch >= 1, `kill ${i}: resumable at epoch ${state.epoch}`);
    if (hadPrevious || note) cutShort++;
  }
  assert.ok(cutShort >= 3, `at least 3 of the 12 kills landed inside a save (${cutShort})`);
  // The killed run's lock is stale: a real --resume takes it over.
  const killed = join(root, 'kill-0');
  assert.ok(existsSync(join(killed, LOCK_FILE)), 'a SIGKILL leaves its lock');
  const epoch = read(killed).state.epoch;
  const resumed = runDdpm(root, 'train', '--resume', killed, '--epochs', String(epoch), '--samples', '16', '--device', 'cpu');
  assert.is(resumed.status, 0, resumed.stderr);
  assert.match(resumed.stdout, /note: .*run\.lock was left by process \d+ .*which is gone: taking it over/);
  assert.not.ok(existsSync(join(killed, LOCK_FILE)), 'released at the end');
});

/** `ddpm args…` started in `root`, with its output kept. */
function startDdpm(...args: string[]): { pid: number; output: () => string; exited: Promise<number | null>; kill: (s: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'ddpm.mjs'), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { output += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { output += d; });
  return { pid: child.pid!, output: () => output, exited: new Promise((r) => child.on('exit', r)), kill: (s) => child.kill(s) };
}

async function waitUntil(what: string, ready: () => boolean, seconds = 60): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('two writers, one folder: a second ddpm train --out, or --resume, of a folder in training is refused naming the first', async () => {
  const dir = join(root, 'two-writers');
  const args = ['train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--samples', '50', '--device', 'cpu', '--save-every', '1', '--epochs', '1000000', '--out', dir];
  const first = startDdpm(...args);
  await waitUntil('a checkpoint of the first run', () => existsSync(join(dir, MODEL_FILE)));
  const inUse = new RegExp(`two-writers is in use by another run: process ${first.pid} on ${hostname()} \\(ddpm train`);
  for (const second of [['train', ...args.slice(1, -2), '--out', dir, '--overwrite'], ['train', '--resume', dir, '--device', 'cpu']]) {
    const r = runDdpm(root, ...second);
    assert.is(r.status, 2, `${second.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, inUse);
  }
  first.kill('SIGINT');
  assert.is(await first.exited, 130, first.output());
  const log = readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
  assert.is(log.split('\n').filter((l) => l.startsWith('{"started"')).length, 1, 'one run wrote metrics.jsonl');
  assert.not.ok(existsSync(join(dir, LOCK_FILE)), 'the lock goes with the run');
});

test('a diverged run is resumed only with a lower --lr, asked for; as it was, it is refused and stays "diverged"', () => {
  const dir = join(root, 'diverged');
  // A warm-up to a rate of 1e5: fine for a few epochs, then the loss overflows (epoch 6 here).
  const run = runDdpm(root, 'train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--device', 'cpu', '--save-every', '1', '--samples', '50',
    '--epochs', '2000', '--lr', '1e5', '--warmup', '300', '--out', dir);
  assert.match(run.stderr, /training diverged .*; the last good checkpoint \(epoch \d+\) is kept/);
  const status = (): string => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).status;
  assert.is(status(), 'diverged');
  const epoch = read(dir).state.epoch;
  for (const lr of [[], ['--lr', '1e5'], ['--lr', '2e5']]) {
    const again = runDdpm(root, 'train', '--resume', dir, '--epochs', String(epoch + 1), '--device', 'cpu', ...lr);
    assert.is(again.status, 2, again.stderr);
    assert.match(again.stderr, new RegExp(`the run in .*diverged \\(metrics.json: "diverged"\\): resumed at its learning rate 100000 it would ` +
      'diverge again. Resume it with an --lr below 100000'));
    assert.is(status(), 'diverged', 'refused: the run is as it was');
    assert.is(read(dir).state.epoch, epoch);
  }
  const lower = runDdpm(root, 'train', '--resume', dir, '--epochs', String(epoch), '--device', 'cpu', '--lr', '1e-6', '--samples', '50');
  assert.match(lower.stdout, /note: resuming the diverged run in .* at --lr 0\.000001 \(it ran at 100000\)/);
});

/** A tmpfs mounted at a new folder (root only), to be remounted read-only; null with why where it cannot be. */
function tmpfsOrWhy(): { path: string } | { why: string } {
  const path = join(root, 'tmpfs');
  mkdirSync(path);
  const r = spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', path], { encoding: 'utf8' });
  return r.status === 0 ? { path } : { why: `mount -t tmpfs failed (${(r.stderr || r.error?.message || '').trim()}): it needs root` };
}
const tmpfs = tmpfsOrWhy();

needs('a read-only file system (a tmpfs mounted as root)', 'why' in tmpfs ? tmpfs.why : null)('--overwrite on a read-only file system is refused in words, the run left as it was', () => {
  const mount = (tmpfs as { path: string }).path;
  const dir = join(mount, 'run');
  try {
    const old = runDdpm(root, 'train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--epochs', '1', '--samples', '50', '--device', 'cpu', '--out', dir);
    assert.is(old.status, 0, old.stderr);
    const before = readFileSync(join(dir, MODEL_FILE));
    const remount = spawnSync('mount', ['-o', 'remount,ro', mount], { encoding: 'utf8' });
    assert.is(remount.status, 0, remount.stderr);
    const r = runDdpm(root, 'train', '--preset', 'seed', '--overwrite', '--out', dir, '--data-size', '300', '--hidden', '16', '--epochs', '1', '--device', 'cpu');
    assert.is(r.status, 2, r.stderr);
    assert.match(r.stderr, /ddpm train: --out .*run is not writable: read-only file system \(EROFS\)/);
    assert.not.match(r.stderr, /EROFS: /, 'no raw system error');
    assert.ok(readFileSync(join(dir, MODEL_FILE)).equals(before));
  } finally {
    spawnSync('umount', [mount]);
  }
});

gpuTest(gpu)('--overwrite keeps the old run until the new one has taken a step: a run too big for the adapter leaves it as it was', async () => {
  const dir = join(root, 'overwrite-too-big');
  const old = runDdpm(root, 'train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--epochs', '2', '--samples', '50', '--device', 'cpu', '--out', dir);
  assert.is(old.status, 0, old.stderr);
  const names = [MODEL_FILE, STATE_FILE, 'metrics.json', 'metrics.jsonl'];
  const before = names.map((n) => readFileSync(join(dir, n)));
  // 8000² float32 weights are 244 MiB: over lavapipe's (and many GPUs') largest storage binding.
  const big = runDdpm(root, 'train', '--preset', 'seed', '--overwrite', '--out', dir, '--hidden', '8000', '--device', 'webgpu', '--epochs', '1');
  assert.is.not(big.status, 0, 'the big run fails');
  assert.match(big.stderr, /--hidden makes a hidden layer's weight \(hidden²\) of 6\.40e\+7 values, more than one tensor holds on webgpu/);
  names.forEach((n, i) => assert.ok(readFileSync(join(dir, n)).equals(before[i]), `${n} is as it was`));
  assert.not.ok(existsSync(join(dir, LOCK_FILE)));
});

test.after(() => {
  if ('path' in tmpfs) spawnSync('umount', [tmpfs.path]); // already unmounted unless its test failed early
  rmSync(root, { recursive: true, force: true });
});

test.run();
