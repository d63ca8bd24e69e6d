// `ddpm bench` end to end, small (its timings are never asserted, only that it measures and
// reports): our engine on the CPU path, a short sampling run, --json with the promised keys; the
// JAX and CUDA-graph peers measured where they can run (JAX through $JAX_PYTHON) and otherwise
// skipped with a reason that names what is missing; TensorFlow.js from bench/peers; the matmul table with PyTorch's column; on WebGPU, --profile's per-kernel GPU times
// and the limit model from measured parts, in the output and the JSON; --unet's U-Net step on
// ours-webgpu and PyTorch (each measured, or not measured with why); an unknown engine is refused.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot, runDdpm } from './helpers.js';
import { gpuForTests, gpuTest } from './gpu.js';

const gpu = await gpuForTests();

const dir = mkdtempSync(join(tmpdir(), 'ddpm-bench-'));

const ddpm = (...args: string[]): ReturnType<typeof runDdpm> => runDdpm(dir, ...args);

test('ddpm bench --quick measures ours-cpu and writes the JSON report', () => {
  const json = join(dir, 'out.json');
  const r = ddpm('bench', '--quick', '--engines', 'ours-cpu', '--no-matmul', '--sample-points', '100', '--json', json);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /ours-cpu\s+\d+\.\d+\s+1\.00×/);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  for (const key of ['device', 'train_steps_per_s', 'sample_s', 'loss', 'matmul_gflops', 'skipped']) assert.ok(key in report, `${key} in the report`);
  assert.ok(report.train_steps_per_s['ours-cpu'] > 0 && report.sample_s['ours-cpu'] > 0);
  const steps = report.loss_after_steps['ours-cpu'];
  assert.ok(steps % 79 === 0 && steps >= 4 * 79, `two warm-up epochs and two timed blocks of whole epochs: ${steps} steps`);
  assert.ok(Number.isFinite(report.loss['ours-cpu']));
  assert.equal(Object.keys(report.train_steps_per_s), ['ours-cpu'], 'only the engines asked for');
});

test('ddpm bench --engines jax,jax-f32,torch-cuda-graphs: each is measured, or skipped with what it lacks', () => {
  const json = join(dir, 'peers.json');
  const r = ddpm('bench', '--quick', '--engines', 'jax,jax-f32,torch-cuda-graphs', '--no-matmul', '--sample-points', '100', '--json', json);
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  for (const engine of ['jax', 'jax-f32', 'torch-cuda-graphs']) {
    const why: string | undefined = report.skipped[engine];
    const measured = engine in report.train_steps_per_s;
    assert.ok(measured !== (why !== undefined), `${engine}: measured or skipped, not both (${why})`);
    if (why !== undefined) {
      assert.match(why, engine.startsWith('jax') ? /jax/ : /CUDA|torch/, `${engine}'s reason names what is missing`);
      assert.ok(r.stdout.includes(`${engine}: not measured: ${why}`), `${engine}'s reason is printed`);
      continue;
    }
    assert.ok(report.train_steps_per_s[engine] > 0 && report.sample_s[engine] > 0);
    const steps = report.loss_after_steps[engine];
    assert.ok(steps % 79 === 0 && steps >= 3 * 79, `whole epochs, a warm-up and two timed: ${steps} steps`);
    const loss = report.loss[engine];
    assert.ok(Number.isFinite(loss) && loss > 0.2 && loss < 0.9, `${engine}: loss ${loss} after ${steps} steps (the tutorial's is ~0.45)`);
    assert.match(r.stdout, new RegExp(`^${engine}\\s+\\d+\\.\\d`, 'm'), `${engine} has a row in the table`);
  }
  if ('jax' in report.train_steps_per_s) {
    assert.ok(report.device.jax && report.device.jax_device, 'the JAX version and device are reported');
    assert.match(r.stdout, /jax-f32 at 'highest' \(exact f32\)/);
  }
});

test('ddpm bench\'s matmul table: our backends, the kernel the tuner chose, and PyTorch\'s matmul where its engine ran', () => {
  const json = join(dir, 'matmul.json');
  const r = ddpm('bench', '--quick', '--engines', 'torch-cpu', '--sample-points', '100', '--json', json);
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const g: Record<string, Record<string, number>> = report.matmul_gflops;
  const columns = ['cpu', ...(gpu ? ['webgpu'] : []), ...('torch-cpu' in report.train_steps_per_s ? ['torch-cpu'] : [])];
  for (const column of columns) {
    const rates = Object.values(g[column] ?? {});
    assert.ok(rates.length >= 3 && rates.every((x) => x > 0 && Number.isFinite(x)), `${column}: a rate per shape timed (${JSON.stringify(g[column])})`);
  }
  assert.ok(g.cpu['square 128³'] > 0 && !('square 8192³' in g.cpu), 'the CPU stops where a product would take too long');
  if (gpu) {
    assert.equal(Object.keys(report.matmul_kernels).sort(), Object.keys(g.webgpu).sort(), 'a kernel named for every WebGPU shape');
    for (const name of Object.values(report.matmul_kernels)) assert.match(String(name), /^(register-64|tiled-(32|64|128))$/);
  }
  assert.equal(report.matmul_failed, {});
});

test('ddpm bench --engines tfjs-cpu: measured with bench/peers installed (npm run bench:peers; set-up does it), else skipped saying so', () => {
  const json = join(dir, 'tfjs.json');
  const installed = existsSync(join(repoRoot(), 'bench', 'peers', 'node_modules', '@tensorflow', 'tfjs'));
  if (process.env.CI === 'true') assert.ok(installed, 'under CI, set-up installed the benchmark peers');
  const r = ddpm('bench', '--quick', '--engines', 'tfjs-cpu', '--no-matmul', '--sample-points', '100', '--json', json);
  assert.is(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(json, 'utf8'));
  if (!installed) {
    assert.match(report.skipped['tfjs-cpu'], /npm run bench:peers/);
    return;
  }
  assert.ok(report.train_steps_per_s['tfjs-cpu'] > 0, `tfjs-cpu measured: ${report.skipped['tfjs-cpu']}`);
  assert.match(report.device.tfjs, /^4\./, 'the TensorFlow.js version is reported');
});

gpuTest(gpu)('ddpm bench --profile: ours-webgpu\'s GPU time per kernel and the limit model from measured parts', () => {
  const json = join(dir, 'profile.json');
  const r = ddpm('bench', '--quick', '--engines', 'ours-webgpu', '--no-matmul', '--sample-points', '200', '--profile', '--json', json);
  assert.is(r.status, 0, r.stderr);
  for (const line of [/ours-webgpu training step \(GPU timestamps, per step\)/, /^\s+train_rows\s+[\d.]+ (µs|ms)\s+[\d.]+ %$/m,
    /^\s+train_grads\s/m, /^\s+train_adam\s/m, /idle train_grads → train_(norm|adam)/, /measured step \(wall, unprofiled\)/,
    /ours-webgpu sampling 200 × 100 \(GPU timestamps, per run\)/, /^\s+sample_steps?\s+[\d.]+ (µs|ms)/m,
    /limit model on this adapter, from measured parts: a dependent dispatch replayed in a program [\d.]+ µs; our matmul at the step's shapes [\d.]+ GFLOP\/s/,
    /training step: 25\.5 MFLOP → [\d.]+ µs, [34]\.\d dispatches/]) {
    assert.match(r.stdout, line);
  }
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const kernels = report.profile.train.kernels;
  for (const name of ['train_rows', 'train_grads', 'train_adam']) { // (and train_norm on CPU drivers)
    assert.ok(kernels[name].us > 0 && kernels[name].dispatches === 1, `${name}: one dispatch a step, with GPU time`);
  }
  assert.ok(report.limit_model.dependent_dispatch_us > 0 && report.limit_model.train_step_limit_us > 0);
  assert.is(report.limit_model.rate_timed_by, 'gpu timestamps');
});

test('ddpm bench --unet: a U-Net training step on ours-webgpu beside PyTorch eager, each measured or skipped with why', () => {
  const json = join(dir, 'unet.json');
  const r = ddpm('bench', '--quick', '--engines', 'ours-cpu', '--no-matmul', '--sample-points', '100', '--unet', '--unet-batch', '2', '--unet-steps', '1', '--json', json);
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /U-Net training step \(28×28 MNIST, channels 32\/64\/64, batch 2/);
  const { unet } = JSON.parse(readFileSync(json, 'utf8'));
  assert.is(unet.batch, 2);
  const engines = [...Object.keys(unet.steps_per_s), ...Object.keys(unet.skipped)];
  assert.ok(engines.includes('ours-webgpu'), `ours-webgpu measured or skipped: ${engines}`);
  assert.ok(engines.some((e) => e.startsWith('torch')), `PyTorch measured or skipped: ${engines}`);
  for (const [engine, rate] of Object.entries(unet.steps_per_s)) {
    assert.ok((rate as number) > 0 && Number.isFinite(unet.loss[engine]), `${engine}: ${rate} steps/s, loss ${unet.loss[engine]}`);
    assert.is(unet.loss_after_steps[engine], 3, 'two warm-up steps and one timed');
  }
  if (gpu) assert.ok('ours-webgpu' in unet.steps_per_s, `with an adapter ours-webgpu runs: ${JSON.stringify(unet.skipped)}`);
});

test('ddpm bench refuses an unknown engine', () => {
  const r = ddpm('bench', '--engines', 'ours-cpu,numpy');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown engine 'numpy' \(expected ours-webgpu, ours-webgpu-eager, ours-cpu/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
