// `ddpm bench` and `npm run gpu-check`, end to end and small (timings are never asserted, only
// that each engine is measured and reported, or named as not measured with why). One dry run
// of gpu-check (every stage at toy sizes, as CI runs it on lavapipe) serves the checks of its
// stages, which are ddpm bench and ddpm train runs:
//   - gpu-check writes its dated section to the scratch file it is given (never RESULTS.md),
//     naming the adapter and each stage's outcome; without --dry-run a CPU driver is refused;
//   - bench: every engine of the tutorial's workload, --quick, with the JSON's promised keys;
//     ours-cpu's whole epochs; the JAX and CUDA-graph peers measured where they can run, else
//     skipped with a reason naming what is missing; TensorFlow.js and jax-js from bench/peers; on WebGPU,
//     --profile's per-kernel GPU times and the limit model from measured parts;
//   - matmul: the table with our backends, the kernel the tuner chose, each kernel forced in
//     turn, and PyTorch's column where its engine ran;
//   - unet: --model unet's step on ours-webgpu and PyTorch (each measured, or skipped with why) with
//     --engines none;
// and an unknown engine is refused.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoRoot, runDdpm } from '../support/helpers.js';
import { isCpuDriver } from '../../engine/webgpu/index.js';
import { gpuForTests, gpuTest } from '../support/gpu.js';

const gpu = await gpuForTests();
const dir = mkdtempSync(join(tmpdir(), 'ddpm-bench-'));
const scratch = join(dir, 'gpu-check.md');
const resultsFile = join(repoRoot(), 'bench', 'RESULTS.md');
const resultsBefore = readFileSync(resultsFile, 'utf8');

/** `node build/scripts/gpu-check.js args…` in the repository (npm run gpu-check without the build). */
function gpuCheck(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(repoRoot(), 'build', 'scripts', 'gpu-check.js'), ...args], { cwd: repoRoot(), encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dry = gpuCheck('--dry-run', '--results', scratch, '--reports', dir);
/** A stage's `ddpm bench --json` report, as JSON (its keys: bench/bench-command.ts). */
const report = (stage: string): any => JSON.parse(readFileSync(join(dir, `${stage}.json`), 'utf8'));

test('gpu-check --dry-run: every stage at toy sizes, its section in the scratch file, RESULTS.md untouched', () => {
  assert.is(dry.status, 0, `${dry.stdout}\n${dry.stderr}`);
  assert.match(dry.stdout, /gpu-check: 5 of 5 stages ok; wrote a section to /);
  const text = readFileSync(scratch, 'utf8');
  assert.match(text, /^# Benchmark results\n\n## \d{4}-\d\d-\d\d: gpu-check on .+ \(dry run: toy sizes, not figures\)\n/);
  assert.match(text, /^- adapter: /m);
  for (const stage of ['parity', 'bench', 'matmul', 'unet', 'train']) assert.match(text, new RegExp(`^### ${stage}: .* — ok \\(\\d+ s\\)$`, 'm'));
  assert.match(text, /Total: +\d+\n +Passed: +\d+\n +Skipped: +0/, 'the parity stage ran its suite, nothing skipped');
  assert.match(text, /trained 2 epochs \(\d+ steps\) in [\d.]+ s/);
  assert.ok(existsSync(join(dir, 'seed-run', 'model.safetensors')), 'the training stage\'s run is kept in --reports');
  assert.is(readFileSync(resultsFile, 'utf8'), resultsBefore, 'bench/RESULTS.md is not written by a dry run');
  const refused = gpuCheck('--dry-run', '--results', resultsFile);
  assert.is(refused.status, 2);
  assert.match(refused.stderr, /a dry run's section is not figures: it is never written to bench\/RESULTS\.md/);
});

// (On a real GPU the full run is what gpu-check is for, not a test.)
if (gpu && isCpuDriver(gpu.adapter)) test('gpu-check without --dry-run refuses a CPU driver, saying why', () => {
  const r = gpuCheck('--results', join(dir, 'refused.md'));
  assert.is(r.status, 1);
  assert.match(r.stderr, /is a CPU driver: its figures would say nothing about a GPU\. --dry-run runs every stage at toy sizes/);
  assert.not.ok(existsSync(join(dir, 'refused.md')));
});

test('bench: every engine measured, or skipped with what it lacks; the JSON has the promised keys', () => {
  const r = report('bench');
  for (const key of ['device', 'train_steps_per_s', 'sample_s', 'loss', 'matmul_gflops', 'skipped']) assert.ok(key in r, `${key} in the report`);
  const engines = ['ours-webgpu', 'ours-webgpu-eager', 'ours-cpu', 'jax-js-wasm', 'jax-js-webgpu', 'tfjs-webgpu', 'tfjs-cpu', 'torch-cpu', 'torch-cuda', 'torch-cuda-graphs', 'jax', 'jax-f32'];
  for (const engine of engines) {
    const why: string | undefined = r.skipped[engine];
    const measured = engine in r.train_steps_per_s;
    assert.ok(measured !== (why !== undefined), `${engine}: measured or skipped, not both (${why})`);
    if (why !== undefined) {
      if (engine.startsWith('jax')) assert.match(why, /jax/, `${engine}'s reason names what is missing`);
      if (engine.startsWith('torch-cuda')) assert.match(why, /CUDA|torch/, `${engine}'s reason names what is missing`);
      continue;
    }
    assert.ok(r.train_steps_per_s[engine] > 0, `${engine}: ${r.train_steps_per_s[engine]} steps/s`);
    assert.ok(Number.isFinite(r.loss[engine]), `${engine}: loss ${r.loss[engine]}`);
  }
  assert.ok(r.sample_s['ours-cpu'] > 0);
  const steps = r.loss_after_steps['ours-cpu'];
  assert.ok(steps % 79 === 0 && steps >= 4 * 79, `ours-cpu: two warm-up epochs and two timed blocks of whole epochs: ${steps} steps`);
  for (const engine of ['jax', 'jax-f32', 'torch-cuda-graphs']) {
    if (!(engine in r.train_steps_per_s)) continue;
    const after = r.loss_after_steps[engine];
    assert.ok(after % 79 === 0 && after >= 3 * 79, `${engine}: whole epochs, a warm-up and two timed: ${after} steps`);
    assert.ok(r.loss[engine] > 0.2 && r.loss[engine] < 0.9, `${engine}: loss ${r.loss[engine]} after ${after} steps (the tutorial's is ~0.45)`);
  }
  if ('jax' in r.train_steps_per_s) assert.ok(r.device.jax && r.device.jax_device, 'the JAX version and device are reported');
  const installed = existsSync(join(repoRoot(), 'bench', 'peers', 'node_modules', '@tensorflow', 'tfjs'));
  if (process.env.CI === 'true') assert.ok(installed, 'under CI, set-up installed the benchmark peers');
  if (installed) {
    assert.ok(r.train_steps_per_s['tfjs-cpu'] > 0, `tfjs-cpu measured: ${r.skipped['tfjs-cpu']}`);
    assert.match(r.device.tfjs, /^4\./, 'the TensorFlow.js version is reported');
  } else {
    assert.match(r.skipped['tfjs-cpu'], /npm run bench:peers/);
  }
  // jax-js from bench/peers: its Wasm engine runs anywhere; its WebGPU one where there is an adapter.
  if (existsSync(join(repoRoot(), 'bench', 'peers', 'node_modules', '@jax-js', 'jax'))) {
    for (const engine of ['jax-js-wasm', ...(gpu ? ['jax-js-webgpu'] : [])]) {
      assert.ok(r.train_steps_per_s[engine] > 0, `${engine} measured: ${r.skipped[engine]}`);
      assert.ok(r.loss[engine] > 0.2 && r.loss[engine] < 0.9, `${engine}: loss ${r.loss[engine]} after ${r.loss_after_steps[engine]} steps (the tutorial's is ~0.45)`);
      assert.ok(r.sample_s[engine] > 0, `${engine} sampled`);
    }
    assert.match(r.device.jaxjs, /^0\./, 'the jax-js version is reported');
  } else {
    assert.match(r.skipped['jax-js-wasm'], /npm run bench:peers/);
  }
  const text = readFileSync(scratch, 'utf8');
  for (const [engine, why] of Object.entries(r.skipped)) assert.ok(text.includes(`${engine}: not measured: ${why}`), `${engine}'s reason is printed`);
  if ('jax' in r.train_steps_per_s) assert.match(text, /jax-f32 at 'highest' \(exact f32\)/);
});

gpuTest(gpu)('bench --profile: ours-webgpu\'s GPU time per kernel and the limit model from measured parts', () => {
  const text = readFileSync(scratch, 'utf8');
  for (const line of [/ours-webgpu training step \(GPU timestamps, per step\)/, /^\s+train_rows\s+[\d.]+ (µs|ms)\s+[\d.]+ %$/m,
    /^\s+train_grads\s/m, /^\s+train_adam\s/m, /idle train_grads → train_(norm|adam)/, /measured step \(wall, unprofiled\)/,
    /ours-webgpu sampling 200 × 100 \(GPU timestamps, per run\)/, /^\s+sample_steps?(_sg)?\s+[\d.]+ (µs|ms)/m,
    /limit model on this adapter, from measured parts: a dependent dispatch replayed in a program [\d.]+ µs; our matmul at the step's shapes [\d.]+ GFLOP\/s/,
    /training step: 25\.5 MFLOP → [\d.]+ µs, [34]\.\d dispatches/]) {
    assert.match(text, line);
  }
  const r = report('bench');
  const kernels = r.profile.train.kernels;
  for (const name of ['train_rows', 'train_grads', 'train_adam']) { // (and train_norm on CPU drivers)
    assert.ok(kernels[name].us > 0 && kernels[name].dispatches === 1, `${name}: one dispatch a step, with GPU time`);
  }
  assert.ok(r.limit_model.dependent_dispatch_us > 0 && r.limit_model.train_step_limit_us > 0);
  assert.is(r.limit_model.rate_timed_by, 'gpu timestamps');
});

test('matmul table: our backends, the kernel the tuner chose, each kernel forced, and PyTorch\'s matmul where its engine ran', () => {
  const r = report('matmul');
  const g: Record<string, Record<string, number>> = r.matmul_gflops;
  const columns = ['cpu', ...(gpu ? ['webgpu', 'webgpu register-64', 'webgpu tiled-32', 'webgpu tiled-64', 'webgpu tiled-128'] : []),
    ...('torch-cpu' in r.train_steps_per_s ? ['torch-cpu'] : [])];
  for (const column of columns) {
    const rates = Object.values(g[column] ?? {});
    assert.ok(rates.length >= 3 && rates.every((x) => x > 0 && Number.isFinite(x)), `${column}: a rate per shape timed (${JSON.stringify(g[column])})`);
  }
  assert.ok(g.cpu['square 128³'] > 0 && !('square 8192³' in g.cpu), 'the CPU stops where a product would take too long');
  if (gpu) {
    assert.equal(Object.keys(r.matmul_kernels).sort(), Object.keys(g.webgpu).sort(), 'a kernel named for every WebGPU shape');
    for (const name of Object.values(r.matmul_kernels)) assert.match(String(name), /^(register-64|tiled-(32|64|128)|subgroup-16x64)$/);
  }
  assert.equal(r.matmul_failed, {});
  assert.equal(Object.keys(r.train_steps_per_s).filter((e) => !['torch-cpu', 'torch-cuda'].includes(e)), [], 'only the engines asked for');
});

test('bench --model unet: the U-Net step on ours-webgpu beside PyTorch, each measured or skipped with why', () => {
  const text = readFileSync(scratch, 'utf8');
  assert.match(text, /U-Net training step \(28×28 MNIST, channels 32\/64\/64, batch 2/);
  const { unet, train_steps_per_s } = report('unet');
  assert.equal(train_steps_per_s, {}, 'no S-curve engine was asked for');
  assert.is(unet.batch, 2);
  const engines = [...Object.keys(unet.steps_per_s), ...Object.keys(unet.skipped)];
  assert.ok(engines.includes('ours-webgpu'), `ours-webgpu measured or skipped: ${engines}`);
  assert.ok(engines.some((e) => e.startsWith('torch')), `PyTorch measured or skipped: ${engines}`);
  for (const [engine, rate] of Object.entries(unet.steps_per_s)) {
    assert.ok((rate as number) > 0 && Number.isFinite(unet.loss[engine]), `${engine}: ${rate} steps/s, loss ${unet.loss[engine]}`);
    assert.is(unet.loss_after_steps[engine], 3, 'two warm-up steps and one timed');
  }
  if (gpu) {
    assert.ok('ours-webgpu' in unet.steps_per_s, `with an adapter ours-webgpu runs: ${JSON.stringify(unet.skipped)}`);
    assert.ok(unet.peak_device_bytes > 0, `ours' peak device memory: ${unet.peak_device_bytes}`);
    // --profile: the step's dispatches by kernel family, or why the adapter cannot time them.
    if (!('unavailable' in unet.profile)) {
      const families = unet.profile.families as { family: string; us: number; dispatches: number }[];
      assert.ok(families.some((f) => f.family.endsWith('forward_main') && f.family.startsWith('conv')), `a convolution family: ${families.map((f) => f.family)}`);
      assert.is(Math.round(families.reduce((s, f) => s + f.dispatches, 0)), Math.round(unet.profile.dispatchesPerStep), 'the families\' dispatches add up to the step\'s');
      assert.match(text, /ours-webgpu U-Net step by kernel family \(GPU timestamps; \d+ dispatches/);
    }
  }
});

test('ddpm bench refuses an unknown engine', () => {
  const r = runDdpm(dir, 'bench', '--engines', 'ours-cpu,numpy');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown engine 'numpy' \(expected ours-webgpu, ours-webgpu-eager, ours-cpu/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
