// A run's folder (cli/run-folder.ts) and the training loop's endings (training-loop.ts):
//   - every state a save cut short can leave (after each of its four steps) resumes, from the
//     newest complete pair; random SIGKILLs of a real `ddpm train` never leave a folder that
//     cannot be resumed;
//   - a train state of another run (another run id), or of another model, is refused;
//   - a new run refuses a folder that holds one (naming --resume and --overwrite); --overwrite
//     clears it; --out naming a file is refused before any work;
//   - a run whose loss turns NaN stops with an error naming the epoch, keeps the last good
//     checkpoint and marks metrics.json "diverged".

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { decodeModel, decodeTrainState, encodeModel, encodeTrainState } from '../../ddpm/checkpoint.js';
import type { ModelConfig } from '../../ddpm/config.js';
import { makeDataset } from '../../ddpm/data.js';
import { MLPDiffusion } from '../../ddpm/model.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { Trainer, TUTORIAL_TRAIN_SETTINGS } from '../../ddpm/train.js';
import { lossFigure } from '../../ddpm/plot/figures.js';
import {
  MetricsLog, MODEL_FILE, PREVIOUS_STATE_FILE, prepareRunFolder, readCheckpoint, STATE_FILE, writeCheckpoint,
} from '../../cli/run-folder.js';
import { trainWithCheckpoints } from '../../cli/training-loop.js';
import type { StopRequest } from '../../cli/stop.js';
import { repoRoot } from '../support/helpers.js';

const root = mkdtempSync(join(tmpdir(), 'ddpm-run-folder-'));
const config: ModelConfig = {
  model: 'MLPDiffusion', numSteps: 100, hidden: 16, schedule: 'sigmoid', dataset: 's-curve', dataScale: 1, sampler: 'tutorial', preset: 'seed',
};
const settings = { ...TUTORIAL_TRAIN_SETTINGS, batch: 128, lr: 1e-3, clip: 1, seed: 3 };
const schedule = makeSchedule('sigmoid', 100);
const data = makeDataset('s-curve', 300, 0);

const newTrainer = (): Trainer => new Trainer(new MLPDiffusion(100, new E.Rng(1), { hidden: 16, device: E.cpu }), schedule, data, settings, E.cpu);

/** The checkpoint files of `trainer` as it stands, stamped with `runId`. */
async function files(trainer: Trainer, runId: string | undefined, cfg = config): Promise<{ model: Uint8Array; state: Uint8Array }> {
  return {
    model: await encodeModel(trainer.model, cfg, { epoch: trainer.epoch, runId }),
    state: await encodeTrainState(trainer.model, { ...(await trainer.exportState()), settings, config: cfg, runId }),
  };
}

const read = (dir: string): ReturnType<typeof readCheckpoint<MLPDiffusion, ReturnType<typeof decodeTrainState>>> =>
  readCheckpoint(dir, (bytes, file) => decodeModel(bytes, E.cpu, file), (bytes, model, file) => decodeTrainState(bytes, model, file));

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

test('a new run refuses a folder holding one, --overwrite clears it, and --out naming a file is refused', async () => {
  const dir = join(root, 'taken');
  const trainer = newTrainer();
  await trainer.runEpoch();
  mkdirSync(dir);
  writeCheckpoint(dir, await files(trainer, 'run-a'));
  const options = { command: 'ddpm train', resume: false, overwrite: false };
  assert.throws(() => prepareRunFolder(dir, options),
    /ddpm train: .*taken already holds a run \(model\.safetensors, train-state\.safetensors\); continue it with --resume .*taken, start it again there with --overwrite/);
  prepareRunFolder(dir, { ...options, resume: true });
  assert.ok(existsSync(join(dir, MODEL_FILE)), 'resuming leaves it as it is');
  prepareRunFolder(dir, { ...options, overwrite: true });
  assert.not.ok(existsSync(join(dir, MODEL_FILE)) || existsSync(join(dir, STATE_FILE)), '--overwrite removes the old checkpoint');
  const file = join(root, 'a-file');
  writeFileSync(file, 'x');
  assert.throws(() => prepareRunFolder(file, options), /ddpm train: --out names a file \(.*a-file\), expected a folder/);
  trainer.dispose();
});

test('a loss that turns NaN stops the run: the error names the epoch, the last good checkpoint stays', async () => {
  const dir = join(root, 'diverging');
  mkdirSync(dir);
  const trainer = newTrainer();
  const controller = new AbortController();
  const stop: StopRequest = { signal: controller.signal, reason: null, throwIfStopped: () => {}, dispose: () => {} };
  let metrics: Record<string, unknown> = {};
  const run = trainWithCheckpoints(trainer, {
    dir, epochs: 5, saveEvery: 1, stop, log: new MetricsLog(dir, true),
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
});

test('SIGKILLs of a real ddpm train, at random and inside saves, never leave a folder that cannot be resumed', async () => {
  // Wide layers, one tiny step an epoch and a checkpoint every epoch: saves come every ~0.5 s.
  const args = ['train', '--hidden', '512', '--steps', '10', '--points', '2', '--batch', '2', '--save-every', '1', '--eval-points', '16',
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
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
