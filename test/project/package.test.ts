// The package as a user gets it: `npm pack`, the tarball installed into an empty folder with no
// bundler, and docs/getting-started.md's examples ("Using the engine", "CPU or GPU", "Training the
// diffusion model", read from the document itself so they cannot drift: test/support/
// doc-examples.ts) run by plain Node and type-checked by tsc against the emitted declarations: a
// reader following it reaches a trained diffusion model, on WebGPU where there is an adapter.
// Installed twice: without optional dependencies (no `webgpu`: the CPU path must load and `auto`
// must fall back) and with them (WebGPU where an adapter exists; under CI one must). The public
// entries hold what users need; the internal ones (engine/internal.ts, engine/webgpu/internal.ts,
// ddpm/fused/) ship, since the package uses them, but are not exported. The declarations
// type-check a consumer of every entry point under TypeScript 5.9 and the current TypeScript,
// with each module setting a project may have; the web-app example (examples/browser/) bundles
// from it with esbuild and trains on navigator.gpu in Chromium.
// npm installs with --prefer-offline: the packages come from npm's cache where `npm ci` put them.

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { defaultEngine, type EngineName } from '../../ddpm/fused/index.js';
import { gpuForTests } from '../support/gpu.js';
import { runExamples } from '../support/doc-examples.js';
import { repoRoot } from '../support/helpers.js';
import { needs } from '../support/optional.js';
import { startStaticServer } from '../../web/server.js';

const root = repoRoot();

function run(command: string, args: string[], cwd: string): string {
  // Plain output to match against: uvu's runner sets FORCE_COLOR, which Node's console.log obeys.
  const { FORCE_COLOR: _color, ...env } = process.env;
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...env, NO_COLOR: '1', npm_config_audit: 'false', npm_config_fund: 'false' } });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** docs/getting-started.md's examples as one module: their imports at the top, each body in a block of its own (they share names). */
function example(): string {
  const examples = runExamples();
  const imports = (code: string): string[] => code.split('\n').filter((l) => l.startsWith('import '));
  const body = (code: string): string => code.split('\n').filter((l) => !l.startsWith('import ')).join('\n');
  const allImports = [...new Set(examples.flatMap(imports))].join('\n');
  return `${allImports}\n${examples.map((code) => `{\n${body(code)}\n}`).join('\n')}\n`;
}

/** An empty ES-module project with the tarball installed. */
function project(dir: string, tarball: string, omitOptional: boolean): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }));
  run('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', ...(omitOptional ? ['--omit=optional'] : [])], dir);
}

const work = mkdtempSync(join(tmpdir(), 'wgpu-diffusion-package-'));
let tarball = '';

test('npm pack ships the built package: JavaScript, declarations, the CLI, no sources or tests', () => {
  const name = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop()!;
  tarball = join(work, name);
  assert.ok(existsSync(tarball), `npm pack wrote ${tarball}`);
  const files = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
  for (const f of ['dist/engine/index.js', 'dist/engine/index.d.ts', 'dist/engine/webgpu/index.d.ts', 'dist/ddpm/index.d.ts',
    'dist/shaders/matmul.wgsl.js', 'dist/commands/ddpm.js', 'bin/ddpm.mjs', 'bench/torch_ddpm.py', 'package.json', 'README.md']) {
    assert.ok(files.includes(`package/${f}`), `the tarball holds ${f}`);
  }
  const unwanted = files.filter((f) => /^package\/(test|web|scripts|examples|engine|ddpm|cli)\//.test(f) || /\.test\./.test(f));
  assert.equal(unwanted, [], 'no sources, tests or page in the tarball');
});

test('without optional dependencies (no webgpu): the getting-started examples run on the CPU and type-check', () => {
  const dir = join(work, 'cpu-only');
  project(dir, tarball, true);
  assert.not.ok(existsSync(join(dir, 'node_modules', 'webgpu')), 'webgpu is not installed');
  writeFileSync(join(dir, 'main.mjs'), example());
  const out = run(process.execPath, ['main.mjs'], dir);
  const loss = Number(/^loss (\S+)$/m.exec(out)?.[1]);
  assert.ok(Number.isFinite(loss) && loss > 0, `a finite loss printed: ${out}`);
  const [, first, last] = /^live tensors (\d+) → (\d+)$/m.exec(out) ?? [];
  assert.ok(first !== undefined && first === last, `the getting-started training loop leaks no tensor over 100 steps: ${out}`);
  assert.match(out, /device \(auto\): CPU.*no WebGPU: .*'webgpu' package could not be loaded.*npm install webgpu/, 'auto falls back to the CPU, says why and what to install');
  assert.match(out, /x·xᵀ Float32Array\(4\) \[ 5, 11, 11, 25 \]/);
  assertTrained(out, 'eager');
});

/** The diffusion example's lines: its engine, a loss that fell over 120 steps, and sliced W1 judged. */
function assertTrained(out: string, engine: EngineName): void {
  const trained = /^(\w+) engine: loss (\S+) → (\S+)$/m.exec(out);
  assert.ok(trained, `the diffusion example trained: ${out}`);
  assert.is(trained[1], engine);
  assert.ok(Number(trained[3]) < Number(trained[2]), `its loss fell: ${trained[0]}`);
  assert.match(out, /sliced W1 \d/, 'and its samples were judged');
}

test('with webgpu: the examples run (on WebGPU where an adapter exists) and tsc checks them against the declarations', async () => {
  const dir = join(work, 'full');
  project(dir, tarball, false);
  assert.ok(existsSync(join(dir, 'node_modules', 'webgpu')), 'webgpu is installed');
  writeFileSync(join(dir, 'main.mjs'), example());
  const out = run(process.execPath, ['main.mjs'], dir);
  const gpu = await gpuForTests();
  if (gpu) assert.match(out, /device \(auto\): WebGPU/, `the example ran on WebGPU: ${out}`);
  assertTrained(out, gpu ? defaultEngine(gpu) : 'eager');
  assert.match(out, /x·xᵀ Float32Array\(4\) \[ 5, 11, 11, 25 \]/);
  // The same code as TypeScript, checked strictly against dist/*.d.ts (library files included).
  writeFileSync(join(dir, 'main.ts'), example());
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] },
    files: ['main.ts'],
  }));
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
});

/** A consumer of every entry point, for the type checks: no top-level await, so CommonJS settings can check it too. */
const CONSUMER = `import * as E from 'wgpu-diffusion';
import { selectDevice, type DeviceChoice } from 'wgpu-diffusion/webgpu';
import { MLPDiffusion, Trainer } from 'wgpu-diffusion/ddpm';
import { encodePng } from 'wgpu-diffusion/ddpm/png';

export async function main(choice: DeviceChoice): Promise<number> {
  const { device } = await selectDevice(choice);
  const rng = new E.Rng(0);
  const model = new E.Sequential(new E.Linear(1, 8, rng, { device }), new E.ReLU(), new E.Linear(8, 1, rng, { device }));
  const loss = model.forward(E.randn([4, 1], rng, { device })).square().mean();
  const ddpm = new MLPDiffusion(10, rng, { hidden: 8, device });
  const png: Uint8Array = encodePng(1, 1, new Uint8Array(4));
  const live: number = E.memory().tensors;
  return (await loss.item()) + ddpm.timesteps + png.length + live + (typeof Trainer === 'function' ? 1 : 0);
}
`;

test('the declarations type-check a consumer of every entry point: TypeScript 5.9 and the current one, each module setting, library files included', () => {
  const dir = join(work, 'full');
  writeFileSync(join(dir, 'consumer.ts'), CONSUMER);
  const strict = { strict: true, noEmit: true, skipLibCheck: false, types: [] };
  const settings: Record<string, object> = {
    nodenext: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext' },
    bundler: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler' },
    // no DOM: Node's own types only (AbortSignal and the like), as a Node program has them
    'nodenext, lib es2022 (no DOM)': {
      target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['es2022'], types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
    },
  };
  const compilers = { 'TypeScript 5.9': join(root, 'test', 'typescript-5.9', 'node_modules', 'typescript', 'bin', 'tsc'), 'TypeScript 7': join(root, 'node_modules', 'typescript', 'bin', 'tsc') };
  for (const [compiler, tsc] of Object.entries(compilers)) {
    // CommonJS with TypeScript 5.9's resolution for it, node10, which reads typesVersions, not exports (TypeScript 7 has no node10).
    const all = compiler === 'TypeScript 5.9' ? { ...settings, 'commonjs (node10 resolution)': { target: 'ES2022', module: 'CommonJS' } } : settings;
    for (const [name, options] of Object.entries(all)) {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...strict, ...options }, files: ['consumer.ts'] }));
      const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
      assert.is(r.status, 0, `${compiler}, ${name}:\n${r.stdout}${r.stderr}`);
    }
  }
  const declarations = run('tar', ['-tzvf', tarball], work).split('\n').filter((l) => l.endsWith('.d.ts'));
  const largest = Math.max(...declarations.map((l) => Number(l.split(/\s+/)[2])));
  assert.ok(largest < 20_000, `no declaration file carries the WGSL sources as types (largest: ${largest} bytes)`);
});

/**
 * A program written from the docs and the declarations alone: a sine fitted by a Sequential body
 * with tensor methods (softmax over two levels, tanh gated by a sigmoid), once with SGD
 * (momentum) and once with AdamW, on the device named by its argument; it prints each loss, and
 * the live tensors before and after (everything disposed: the same).
 */
const SINE_FIT = `import * as E from 'wgpu-diffusion';
import { selectDevice } from 'wgpu-diffusion/webgpu';

const { device } = await selectDevice(process.argv[2] === 'webgpu' ? 'webgpu' : 'cpu');
const live = E.memory().tensors;
const xs = Float32Array.from({ length: 64 }, (_, i) => -3 + (6 * i) / 63);
const x = E.tensor(xs, [64, 1], { device });
const y = E.tensor(xs.map(Math.sin), [64, 1], { device });
const levels = E.tensor([-1, 1], [1, 2], { device });
const optimizers: [string, (p: E.Tensor[]) => E.SGD | E.AdamW][] = [
  ['SGD', (p) => new E.SGD(p, { lr: 0.05, momentum: 0.9 })],
  ['AdamW', (p) => new E.AdamW(p, { lr: 1e-2 })],
];
for (const [name, make] of optimizers) {
  const rng = new E.Rng(0);
  const body = new E.Sequential(new E.Linear(1, 32, rng, { device }), new E.ReLU(), new E.Linear(32, 4, rng, { device }));
  const predict = (x: E.Tensor): E.Tensor => {
    const out = body.forward(x);                                         // [64, 4]
    const mix = out.narrow(1, 0, 2).softmax(1).mul(levels).sum(1, true);  // a softmax over two levels
    const gated = out.narrow(1, 2, 1).tanh().mul(out.narrow(1, 3, 1).sigmoid());
    return mix.add(gated).mul(0.5);                                      // [64, 1]
  };
  const opt = make(body.parameters());
  const losses: number[] = [];
  for (let step = 0; step < 300; step++) {
    const loss = E.tidy(() => {
      const loss = predict(x).sub(y).square().mean();
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss;
    });
    if (step === 0 || step === 299) losses.push(await loss.item());
    loss.dispose();
  }
  console.log(name, 'loss', losses[0], '→', losses[1]);
  opt.dispose();
  body.dispose();
}
for (const t of [x, y, levels]) t.dispose();
console.log('live tensors', live, '→', E.memory().tensors);
`;

test('a sine fit written from the docs and the declarations (Sequential, tensor methods, softmax, tanh, sigmoid, SGD, AdamW) runs on the CPU and WebGPU and type-checks with TypeScript 5.9 and 7', async () => {
  const dir = join(work, 'full');
  writeFileSync(join(dir, 'sine.ts'), SINE_FIT);
  writeFileSync(join(dir, 'sine.mts'), SINE_FIT);
  for (const [compiler, tsc] of [['TypeScript 5.9', join(root, 'test', 'typescript-5.9', 'node_modules', 'typescript', 'bin', 'tsc')],
    ['TypeScript 7', join(root, 'node_modules', 'typescript', 'bin', 'tsc')]]) {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false,
        types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
      files: ['sine.ts'],
    }));
    const r = spawnSync(process.execPath, [tsc, '-p', dir], { cwd: dir, encoding: 'utf8' });
    assert.is(r.status, 0, `${compiler}:\n${r.stdout}${r.stderr}`);
  }
  // Run as written: Node 20 strips no types, so tsc (7) writes the JavaScript.
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: true,
      types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
    files: ['sine.mts'],
  }));
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
  const gpu = await gpuForTests();
  for (const device of ['cpu', ...(gpu ? ['webgpu'] : [])]) {
    const out = run(process.execPath, [join('out', 'sine.mjs'), device], dir);
    for (const name of ['SGD', 'AdamW']) {
      const [, first, last] = new RegExp(`^${name} loss (\\S+) → (\\S+)$`, 'm').exec(out) ?? [];
      assert.ok(Number(last) < Number(first) / 5, `${device}, ${name}: the loss falls fivefold (${first} → ${last})\n${out}`);
    }
    const [, before, after] = /^live tensors (\d+) → (\d+)$/m.exec(out) ?? [];
    assert.ok(before !== undefined && before === after, `${device}: every tensor disposed\n${out}`);
  }
});

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const inBrowser = needs('browser', existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM)`);

inBrowser('the web-app example (examples/browser/) type-checks, bundles with esbuild from the installed package and trains on navigator.gpu in Chromium', async () => {
  const dir = join(work, 'full', 'web-app');
  mkdirSync(dir, { recursive: true });
  for (const f of ['main.ts', 'index.html']) copyFileSync(join(root, 'examples', 'browser', f), join(dir, f));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'ESNext', moduleResolution: 'Bundler', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, skipLibCheck: false, types: [] },
    files: ['main.ts'],
  }));
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], dir);
  // As a user would: npx esbuild main.ts --bundle --format=esm --outfile=bundle.js (the package's
  // "browser" field leaves Dawn's Node bindings out).
  await build({ entryPoints: [join(dir, 'main.ts')], bundle: true, format: 'esm', platform: 'browser', outfile: join(dir, 'bundle.js'), logLevel: 'error' });
  const server = await startStaticServer(dir);
  const profile = mkdtempSync(join(tmpdir(), 'web-app-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true,
    args: ['--headless=new', '--no-sandbox', '--no-first-run', '--disable-background-networking', '--enable-unsafe-webgpu'],
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => {
      const s = (globalThis as { example?: { done: boolean; error: string | null } }).example;
      return s !== undefined && (s.done || s.error !== null);
    }, null, { timeout: 120_000, polling: 250 });
    const state = await page.evaluate(() => (globalThis as unknown as { example: { device: string; losses: number[]; error: string | null } }).example);
    assert.is(state.error, null, `the example ran without error: ${state.error}`);
    assert.equal(problems, []);
    assert.match(state.device, /WebGPU/, `it took the browser's GPU: ${state.device}`);
    assert.ok(state.losses.at(-1)! < state.losses[0] / 5, `the loss falls fivefold: ${state.losses.join(', ')}`);
    assert.match(await page.textContent('#loss') ?? '', /step 200: loss/);
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('the public entries hold what users need; the internal ones are shipped (the package uses them) but not exported', () => {
  const dir = join(work, 'full');
  const script = `
    const names = async (m) => Object.keys(await import(m));
    const out = { engine: await names('wgpu-diffusion'), webgpu: await names('wgpu-diffusion/webgpu'), ddpm: await names('wgpu-diffusion/ddpm'), refused: [] };
    for (const m of ['wgpu-diffusion/dist/engine/internal.js', 'wgpu-diffusion/dist/engine/webgpu/internal.js', 'wgpu-diffusion/dist/ddpm/fused/index.js']) {
      try { await import(m); } catch (e) { out.refused.push(e.code); }
    }
    console.log(JSON.stringify(out));`;
  const got = JSON.parse(run(process.execPath, ['--input-type=module', '-e', script], dir)) as Record<'engine' | 'webgpu' | 'ddpm' | 'refused', string[]>;
  for (const name of ['tensor', 'matmul', 'Adam', 'Linear', 'Rng', 'tidy', 'packParameters']) assert.ok(got.engine.includes(name), `wgpu-diffusion exports ${name}`);
  for (const name of ['im2col', 'philox4x32', 'adamBiasCorrection', 'packedCopy']) assert.not.ok(got.engine.includes(name), `${name} is internal`);
  for (const name of ['selectDevice', 'WebGpuBackend', 'KernelProfiler']) assert.ok(got.webgpu.includes(name), `wgpu-diffusion/webgpu exports ${name}`);
  for (const name of ['Program', 'MatmulTuner', 'MATMUL_KERNELS', 'uniformStruct', 'storageBindings']) assert.not.ok(got.webgpu.includes(name), `${name} is internal`);
  for (const name of ['Trainer', 'sample', 'MLPDiffusion', 'ENGINE_NAMES']) assert.ok(got.ddpm.includes(name), `wgpu-diffusion/ddpm exports ${name}`);
  for (const name of ['FusedTraining', 'FusedSampler', 'epochDraws', 'FUSED_CONTRACT']) assert.not.ok(got.ddpm.includes(name), `${name} is internal`);
  assert.equal(got.refused, Array(3).fill('ERR_PACKAGE_PATH_NOT_EXPORTED'), 'the internal entries are not in the package\'s exports');
});

test('the installed ddpm command runs from dist/', () => {
  const dir = join(work, 'full');
  const out = run(process.execPath, [join(dir, 'node_modules', 'wgpu-diffusion', 'bin', 'ddpm.mjs'), '--version'], dir);
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.is(out.trim(), `ddpm ${version}`);
});

test('the installed ddpm bench says how to add the TensorFlow.js peer it lacks (and fails: its only engine did not run)', () => {
  const dir = join(work, 'full');
  const json = join(dir, 'bench.json');
  const r = spawnSync(process.execPath, [join(dir, 'node_modules', 'wgpu-diffusion', 'bin', 'ddpm.mjs'), 'bench', '--quick', '--engines', 'tfjs-cpu',
    '--no-matmul', '--samples', '100', '--json', json], { cwd: dir, encoding: 'utf8' });
  assert.is(r.status, 1, `${r.stdout}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as { skipped: Record<string, string> };
  assert.match(report.skipped['tfjs-cpu'] ?? '', /not in the default install.*npm run bench:peers.*npm install @tensorflow\/tfjs/);
  assert.ok(r.stderr.includes(`none of the engines asked for could be measured: tfjs-cpu: ${report.skipped['tfjs-cpu']}`), r.stderr);
});

test.after(() => rmSync(work, { recursive: true, force: true }));

test.run();
