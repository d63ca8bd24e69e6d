// Stopping real `ddpm` processes with the signals users and schedulers send (SIGINT: Ctrl-C;
// SIGTERM: timeout, docker, a batch system), on the CPU and on WebGPU (the fused engine for the
// S-curve, eager for images: the MLP and the U-Net):
//   - `ddpm train` stops within seconds of the signal, exits 130 (SIGINT) or 143 (SIGTERM),
//     saves the last completed epoch, marks metrics.json "stopped", writes loss.png and says how
//     to resume; resumed one epoch further, it ends bit for bit where an uninterrupted run does;
//   - a second signal (Ctrl-C twice; coreutils `timeout`, which signals the command and its
//     process group) never loses a completed epoch: the last one is saved before it quits;
//   - `ddpm sample` and `ddpm bench` stop within seconds too, with the same exit statuses, and
//     sample writes nothing.
// "Within seconds" is checked as under 20 s on this 2-core machine (it was minutes, or never).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeSafetensors } from '../../ddpm/safetensors.js';
import { METRICS_LOG } from '../../app-support/run-folder.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';
import { repoRoot, runDdpm } from '../support/helpers.js';
import { withMnistClassifier } from '../support/mnist-classifier.js';

const gpu = await gpuForTests();
const dir = mkdtempSync(join(tmpdir(), 'ddpm-signals-'));
const STOP_WITHIN_S = 20;

interface Running {
  exited: Promise<{ status: number | null; seconds: number }>;
  output(): { stdout: string; stderr: string };
  signal(name: NodeJS.Signals): number;
}

/** Starts `ddpm args…` in `dir`; `signal` sends one and returns when (ms). */
function start(...args: string[]): Running {
  const child = spawn(process.execPath, [join(repoRoot(), 'bin', 'ddpm.mjs'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '', sentAt = 0;
  child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  return {
    exited: new Promise((resolve) => child.on('exit', (status) => resolve({ status, seconds: (Date.now() - sentAt) / 1000 }))),
    output: () => ({ stdout, stderr }),
    signal: (name) => {
      sentAt = Date.now();
      child.kill(name);
      return sentAt;
    },
  };
}

async function waitFor(what: string, ready: () => boolean, seconds = 120): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const epochLines = (run: string): number =>
  existsSync(join(run, METRICS_LOG)) ? readFileSync(join(run, METRICS_LOG), 'utf8').split('\n').filter((l) => l.startsWith('{"epoch"')).length : 0;

function tensorsOf(path: string): Record<string, number[]> {
  const { tensors } = decodeSafetensors(readFileSync(path));
  return Object.fromEntries([...tensors].map(([k, t]) => [k, Array.from(t.data)]));
}

const EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/**
 * The image runs' default cosine learning rate and warm-up are fixed by the run's target epochs,
 * which differ between the stopped run (--epochs 1000000) and the uninterrupted one it is
 * compared with: a constant rate keeps the two the same run. The weight average stays on.
 */
const SCHEDULE_FREE = ['--lr-schedule', 'constant', '--warmup', '0'];

const scenarios: { name: string; gpu: boolean; signal: NodeJS.Signals; args: string[]; judged?: boolean }[] = [
  { name: 'S-curve, CPU', gpu: false, signal: 'SIGINT',
    args: ['--preset', 'seed', '--data-size', '300', '--hidden', '16', '--samples', '100', '--device', 'cpu', '--seed', '1', '--save-every', '1000'] },
  { name: 'S-curve, WebGPU fused', gpu: true, signal: 'SIGTERM',
    args: ['--preset', 'seed', '--data-size', '300', '--hidden', '16', '--samples', '100', '--device', 'webgpu', '--seed', '1', '--save-every', '1000'] },
  { name: 'MNIST, CPU', gpu: false, signal: 'SIGTERM', judged: true,
    args: ['--dataset', 'mnist', '--data-size', '128', '--hidden', '16', '--depth', '1', '--time-dim', '8', '--timesteps', '20', '--sample-steps', '5',
      '--samples', '16', '--classifier-epochs', '1', '--device', 'cpu', '--seed', '3', '--save-every', '1000', ...SCHEDULE_FREE] },
  { name: 'MNIST, WebGPU', gpu: true, signal: 'SIGINT', judged: true,
    args: ['--dataset', 'mnist', '--data-size', '128', '--hidden', '16', '--depth', '1', '--time-dim', '8', '--timesteps', '20', '--sample-steps', '5',
      '--samples', '16', '--classifier-epochs', '1', '--device', 'webgpu', '--seed', '3', '--save-every', '1000', ...SCHEDULE_FREE] },
  ...(['cpu', 'webgpu'] as const).map((device) => ({
    name: `MNIST U-Net, ${device === 'cpu' ? 'CPU' : 'WebGPU'}`, gpu: device === 'webgpu', signal: (device === 'cpu' ? 'SIGINT' : 'SIGTERM') as NodeJS.Signals,
    judged: true,
    args: ['--dataset', 'mnist', '--model', 'unet', '--channels', '4,8,8', '--groups', '2', '--data-size', '8', '--batch', '4', '--time-dim', '8',
      '--timesteps', '20', '--sample-steps', '5', '--samples', '8', '--classifier-epochs', '1', '--device', device, '--seed', '3', '--save-every', '1000',
      ...SCHEDULE_FREE],
  })),
];

for (const s of scenarios) {
  (s.gpu ? gpuTest(gpu) : test)(`ddpm train (${s.name}): ${s.signal} stops it promptly with a checkpoint that resumes bit for bit`, async () => {
    const run = join(dir, `train-${s.name.replace(/\W+/g, '-')}`);
    if (s.judged) withMnistClassifier(run); // the judge is not what is tested here: one trained for every test
    const p = start('train', ...s.args, '--epochs', '1000000', '--out', run);
    await waitFor('two epochs', () => epochLines(run) >= 2);
    p.signal(s.signal);
    const { status, seconds } = await p.exited;
    const { stderr } = p.output();
    assert.is(status, EXIT[s.signal], `exit status; stderr:\n${stderr}`);
    assert.ok(seconds < STOP_WITHIN_S, `stopped ${seconds.toFixed(1)} s after ${s.signal}`);
    assert.match(stderr, new RegExp(`${s.signal}: stopping after this step`));
    assert.match(stderr, /stopped at epoch \d+ of 1000000: checkpoint saved in .*; continue with: ddpm train --resume /);
    const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
    assert.is(metrics.status, 'stopped');
    assert.is(metrics.stopped_by, s.signal);
    const k = metrics.epochs as number;
    assert.ok(k >= 2, `epochs done: ${k}`);
    assert.is(metrics.checkpoint_epoch, k);
    assert.is(metrics.loss_per_epoch.length, k);
    assert.ok(existsSync(join(run, 'loss.png')));
    assert.is(decodeSafetensors(readFileSync(join(run, 'model.safetensors'))).metadata.epoch, String(k));

    // One epoch further, resumed and uninterrupted: the same losses and weights, bit for bit.
    const device = s.args[s.args.indexOf('--device') + 1];
    // Evaluation settings are the command's, not the run's: the resumed run samples as many as the others.
    const at = s.args.findIndex((a) => a === '--samples');
    const evaluation = s.args.slice(at, at + 2);
    const resumed = runDdpm(dir, 'train', '--resume', run, '--epochs', String(k + 1), '--device', device, ...evaluation);
    assert.is(resumed.status, 0, resumed.stderr);
    const straight = join(dir, `straight-${s.name.replace(/\W+/g, '-')}`);
    const straightArgs = ['train', ...s.args, '--epochs', String(k + 1), '--out', straight];
    if (s.judged) withMnistClassifier(straight);
    const uninterrupted = runDdpm(dir, ...straightArgs);
    assert.is(uninterrupted.status, 0, uninterrupted.stderr);
    const [a, b] = [run, straight].map((r) => JSON.parse(readFileSync(join(r, 'metrics.json'), 'utf8')));
    assert.equal(a.loss_per_epoch, b.loss_per_epoch, 'the same loss every epoch');
    assert.equal(tensorsOf(join(run, 'model.safetensors')), tensorsOf(join(straight, 'model.safetensors')), 'the same weights');
    const [sa, sb] = [run, straight].map((r) => tensorsOf(join(r, 'train-state.safetensors')));
    assert.equal(sa, sb, "the same Adam state");
  });
}

test('ddpm train: metrics and pictures while it runs; a second SIGINT leaves a folder that resumes', async () => {
  const run = join(dir, 'twice');
  const p = start('train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--device', 'cpu', '--save-every', '1', '--samples', '50', '--epochs', '1000000', '--out', run);
  await waitFor('two epochs', () => epochLines(run) >= 2);
  // Every checkpoint refreshes metrics.json (running), loss.png and a preview samples.png.
  await waitFor('metrics.json', () => existsSync(join(run, 'metrics.json')));
  assert.is(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).status, 'running');
  assert.ok(existsSync(join(run, 'loss.png')) && existsSync(join(run, 'samples.png')), 'the pictures, refreshed while it runs');
  p.signal('SIGINT');
  await new Promise((r) => setTimeout(r, 5));
  p.signal('SIGINT');
  const { status } = await p.exited;
  assert.is(status, 130);
  const resumed = runDdpm(dir, 'train', '--resume', run, '--epochs', '0', '--samples', '50', '--device', 'cpu');
  // --epochs 0 is below the epochs done: refused only after the checkpoint was read and matched.
  assert.match(resumed.stderr, /--epochs 0 is below the \d+ epochs the run already has/);
});

/** The epoch of the run's model.safetensors (null: none), and the epochs metrics.jsonl says were completed. */
function savedAndDone(run: string): { saved: number | null; done: number } {
  const model = join(run, 'model.safetensors');
  const saved = existsSync(model) ? Number(decodeSafetensors(readFileSync(model)).metadata.epoch) : null;
  return { saved, done: epochLines(run) };
}

gpuTest(gpu)('ddpm train (WebGPU): a second signal never loses a completed epoch (SIGTERM twice, and coreutils timeout, which signals twice)', async () => {
  // No checkpoint before the stop (--save-every 1000000): every completed epoch is unsaved until
  // then. On WebGPU the stop waits on the device (readbacks), so a second signal lands while the
  // last epochs are being saved — where it used to quit and lose them all.
  const args = ['train', '--preset', 'seed', '--data-size', '128', '--hidden', '64', '--device', 'webgpu', '--save-every', '1000000', '--samples', '50', '--epochs', '1000000'];
  const twice = join(dir, 'term-twice');
  const p = start(...args, '--out', twice);
  await waitFor('three epochs', () => epochLines(twice) >= 3);
  p.signal('SIGTERM');
  await waitFor('the first signal handled', () => /SIGTERM: stopping/.test(p.output().stderr), 20);
  p.signal('SIGTERM');
  const { status } = await p.exited;
  const { stderr } = p.output();
  assert.is(status, 143, stderr);
  assert.match(stderr, /SIGTERM again: (saving epochs? [\d–]+ first, then quitting|quitting now)/);
  const { saved, done } = savedAndDone(twice);
  assert.ok(done >= 3, `epochs done: ${done}`);
  assert.is(saved, done, `every completed epoch saved; stderr:\n${stderr}`);

  // coreutils timeout, signalled itself (as a scheduler stopping a job would), relays SIGTERM to the
  // command and then to its own process group, the command included: two signals, or one when the
  // system merges them. Signalled once three epochs are done, rather than after a fixed time.
  const timed = join(dir, 'under-timeout');
  const child = spawn('timeout', ['-s', 'TERM', '600', process.execPath, join(repoRoot(), 'bin', 'ddpm.mjs'), ...args, '--out', timed],
    { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let timedErr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => { timedErr += d; });
  const code = new Promise<number | null>((r) => child.on('exit', r));
  await waitFor('three epochs under timeout', () => epochLines(timed) >= 3);
  child.kill('SIGTERM');
  assert.is(await code, 143, `timeout passes on the command's status; stderr:\n${timedErr}`);
  const after = savedAndDone(timed);
  assert.ok(after.done >= 3, `epochs done: ${after.done}`);
  assert.is(after.saved, after.done, `every completed epoch saved; stderr:\n${timedErr}`);
  assert.is(JSON.parse(readFileSync(join(timed, 'metrics.json'), 'utf8')).status, 'stopped');
});

test('ddpm train: a long first epoch shows progress within it, and stops part-way through it', async () => {
  const run = join(dir, 'long-epoch');
  // 20 000 steps an epoch (batch 1): minutes before the first epoch ends.
  const p = start('train', '--preset', 'seed', '--data-size', '20000', '--batch', '1', '--hidden', '16', '--device', 'cpu', '--epochs', '1', '--out', run);
  await waitFor('a progress line inside epoch 1', () => /train: epoch 0\/1  step \d+\/20000/.test(p.output().stderr));
  p.signal('SIGINT');
  const { status, seconds } = await p.exited;
  assert.is(status, 130, p.output().stderr);
  assert.ok(seconds < STOP_WITHIN_S, `stopped ${seconds.toFixed(1)} s after SIGINT`);
  assert.match(p.output().stderr, /stopped at epoch 0 of 1: checkpoint saved/);
  assert.is(JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8')).epochs, 0, 'the epoch cut short is not counted');
});

test('ddpm sample: SIGINT stops it within seconds and writes nothing', async () => {
  const run = join(dir, 'for-sample');
  const trained = runDdpm(dir, 'train', '--preset', 'seed', '--data-size', '300', '--hidden', '16', '--device', 'cpu', '--epochs', '1', '--samples', '50', '--out', run);
  assert.is(trained.status, 0, trained.stderr);
  const p = start('sample', '--checkpoint', run, '--samples', '2000000', '--device', 'cpu', '--out', 'big.npy');
  await waitFor('the first progress line', () => /sample \(tutorial\): step/.test(p.output().stderr));
  p.signal('SIGINT');
  const { status, seconds } = await p.exited;
  assert.is(status, 130, p.output().stderr);
  assert.ok(seconds < STOP_WITHIN_S, `stopped ${seconds.toFixed(1)} s after SIGINT`);
  assert.match(p.output().stderr, /batch 1\/31 of 2000000 points/);
  assert.not.ok(existsSync(join(dir, 'big.npy')));
});

test('ddpm bench: SIGTERM stops it within seconds, reporting what was measured', async () => {
  const p = start('bench', '--engines', 'ours-cpu', '--quick', '--no-matmul');
  await waitFor('the CPU engine to start', () => /ours-cpu: running/.test(p.output().stderr));
  await new Promise((r) => setTimeout(r, 1500));
  p.signal('SIGTERM');
  const { status, seconds } = await p.exited;
  assert.is(status, 143, p.output().stderr);
  assert.ok(seconds < STOP_WITHIN_S, `stopped ${seconds.toFixed(1)} s after SIGTERM`);
  assert.match(p.output().stdout, /ours-cpu: not measured: stopped by SIGTERM/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
