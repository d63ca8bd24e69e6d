// `ddpm bench` end to end, small (its timings are never asserted, only that it measures and
// reports): our engine on the CPU path, a short sampling run, --json with the promised keys; the
// JAX and CUDA-graph peers measured where they can run (JAX through $JAX_PYTHON) and otherwise
// skipped with a reason that names what is missing; an unknown engine is refused.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runDdpm } from './helpers.js';

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

test('ddpm bench refuses an unknown engine', () => {
  const r = ddpm('bench', '--engines', 'ours-cpu,numpy');
  assert.is(r.status, 2);
  assert.match(r.stderr, /unknown engine 'numpy' \(expected ours-webgpu, ours-webgpu-eager, ours-cpu/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
