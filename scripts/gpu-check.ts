// `npm run gpu-check`: everything a real GPU must show, in one command, in at most ten minutes,
// written as one dated section of bench/RESULTS.md that names the device. Five stages run one
// after another, each a child process with its share of the time (what one leaves over passes
// to the next); a stage that fails or runs out of time is named in the section, with what it
// printed, and the next one runs:
//   parity  the engine's and the workload's suites that use the GPU (test/engine, test/ddpm:
//           every kernel against the CPU reference), with CI=true so a missing adapter fails
//   bench   ddpm bench --quick --profile with every peer (two timed blocks of 79 steps each, one
//           sampling run): PyTorch eager and CUDA graphs, JAX at both precisions, TensorFlow.js;
//           the GPU time per kernel and the limit model
//   matmul  the matmul table up to 8192³: the tuner's choice, every kernel forced in turn,
//           PyTorch's BLAS and cuBLAS (exact f32 and TF32)
//   unet    ddpm bench --model unet --profile at batch 128: our U-Net step beside PyTorch's on the same
//           machine, its peak device memory and GPU time per kernel family
//   train   ddpm train --preset seed --epochs 4000 on the default engine (fused, WebGPU)
// Every stage's JSON report (and the training run's folder) is kept in --reports DIR.
//
// On a CPU driver (lavapipe, SwiftShader), or with no adapter, it refuses: its figures would say
// nothing about a GPU. --dry-run (or `npm run gpu-check --dry-run`) runs every stage at toy
// sizes on any adapter and writes its section to a scratch file (artifacts/gpu-check-dry-run.md
// unless --results says otherwise), never to RESULTS.md: CI runs it (test/apps/bench.test.ts), so
// the command cannot rot while no GPU is at hand. Ctrl-C or SIGTERM stops the stage running
// (ddpm reports what it measured) and writes the section with what was done.
//
// On a machine without npm or esbuild (the GPU machine of bench/RESULTS.md), after the project
// was built elsewhere: node build/scripts/gpu-check.js --results FILE --reports DIR.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isCpuDriver, tryWebGpu } from '../engine/webgpu/index.js';
import { flags, helpText, parseFlags, UsageError } from '../app-support/args.js';
import { errorMessage } from '../app-support/errors.js';
import { writeFileAtomic } from '../app-support/files.js';
import { handleStopSignals, Interrupted, type StopRequest } from '../app-support/stop.js';

const FLAGS = flags([
  { name: 'dry-run', kind: 'switch', help: 'every stage at toy sizes, on any adapter (a CPU driver too); the section goes to a scratch file' },
  { name: 'results', kind: 'string', value: 'FILE', default: 'bench/RESULTS.md (--dry-run: artifacts/gpu-check-dry-run.md)',
    help: 'the Markdown file the dated section is added to, newest first' },
  { name: 'reports', kind: 'string', value: 'DIR', default: 'artifacts/gpu-check', help: 'where each stage\'s JSON report and the training run are kept' },
  { name: 'budget', kind: 'int', min: 60, default: '540', help: 'seconds for all five stages together' },
]);

const DESCRIPTION = 'Runs what a real GPU must show (the GPU-vs-CPU suites, ddpm bench --profile with every peer, the\n' +
  'matmul table, the U-Net step at batch 128, the seed training) and adds one dated section naming the\n' +
  'device to bench/RESULTS.md. Refuses a CPU driver unless --dry-run.';

/** The repository: two folders above this file, bundled (build/scripts/) or not (scripts/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DDPM = join(ROOT, 'bin', 'ddpm.mjs');
const UVU = join(ROOT, 'node_modules', 'uvu', 'bin.js');

/** One stage: what it is, its command (node's arguments), its share of the budget. */
interface Stage {
  name: string;
  title: string;
  args: string[];
  env?: Record<string, string>;
  weight: number;
  /** The JSON report it writes, summarised under its output. */
  json?: string;
}

interface StageResult {
  stage: Stage;
  /** 'ok'; 'failed (exit N)'; 'stopped at its time limit of N s'; 'stopped by SIGINT'; 'could not start: …'. */
  outcome: string;
  ok: boolean;
  seconds: number;
  stdout: string;
  stderr: string;
}

/** The engine's and the workload's suites that use the GPU: their sources call gpuForTests. */
function gpuSuites(): string[] {
  return ['engine', 'ddpm'].flatMap((layer) => readdirSync(join(ROOT, 'test', layer))
    .filter((f) => f.endsWith('.test.ts') && readFileSync(join(ROOT, 'test', layer, f), 'utf8').includes('gpuForTests('))
    .map((f) => `${layer}/${f.replace(/\.ts$/, '.js')}`));
}

/** The five stages, full size or (dry) toy size; reports go to `reports`. */
function stages(dry: boolean, reports: string): Stage[] {
  const suites = dry ? gpuSuites().filter((s) => s === 'engine/gpu-errors.test.js') : gpuSuites();
  const pattern = `^(${suites.map((s) => s.replace(/[.]/g, '\\.')).join('|')})$`;
  const json = (name: string): string => join(reports, `${name}.json`);
  const toy = (full: string[], small: string[]): string[] => (dry ? small : full);
  return [
    { name: 'parity', title: 'the GPU-vs-CPU suites', weight: 0.2, args: [UVU, join(ROOT, 'build', 'test'), pattern], env: { CI: 'true' } },
    { name: 'bench', title: 'ddpm bench --profile with every peer', weight: 0.3, json: json('bench'),
      args: [DDPM, 'bench', '--quick', '--profile', '--no-matmul', ...toy([], ['--samples', '200']), '--json', json('bench')] },
    { name: 'matmul', title: 'the matmul table: the tuner\'s choice, every kernel, PyTorch\'s BLAS and cuBLAS f32/TF32', weight: 0.2, json: json('matmul'),
      args: [DDPM, 'bench', ...toy([], ['--quick']), '--engines', 'torch-cpu,torch-cuda', '--samples', '100', '--matmul-kernels', '--json', json('matmul')] },
    { name: 'unet', title: 'ddpm bench --model unet: the U-Net step, ours beside PyTorch', weight: 0.1, json: json('unet'),
      args: [DDPM, 'bench', '--model', 'unet', '--profile', '--no-matmul', ...toy(['--unet-batch', '128'], ['--unet-batch', '2', '--unet-steps', '1']),
        '--json', json('unet')] },
    { name: 'train', title: 'ddpm train --preset seed', weight: 0.2,
      args: [DDPM, 'train', '--preset', 'seed', ...toy(['--epochs', '4000'], ['--epochs', '2', '--data-size', '1000', '--samples', '200']),
        '--overwrite', '--out', join(reports, 'seed-run')] },
  ];
}

/** Runs a stage to its end, its time limit (SIGTERM, then SIGKILL 20 s later) or a stop request. */
function runStage(stage: Stage, seconds: number, stop: StopRequest): Promise<StageResult> {
  return new Promise((resolveResult) => {
    const start = performance.now();
    const child = spawn(process.execPath, stage.args, { cwd: ROOT, env: { ...process.env, ...stage.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', why: string | null = null;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; process.stderr.write(d); });
    const end = (signal: NodeJS.Signals, reason: string): void => {
      if (why !== null) return;
      why = reason;
      child.kill(signal);
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    };
    const limit = setTimeout(() => end('SIGTERM', `stopped at its time limit of ${Math.round(seconds)} s`), seconds * 1000);
    const onStop = (): void => end(stop.reason!.signal, `stopped by ${stop.reason!.signal}`);
    stop.signal.addEventListener('abort', onStop, { once: true });
    const done = (outcome: string, ok: boolean): void => {
      clearTimeout(limit);
      stop.signal.removeEventListener('abort', onStop);
      resolveResult({ stage, outcome, ok, seconds: (performance.now() - start) / 1000, stdout, stderr });
    };
    child.on('error', (e) => done(`could not start: ${e.message}`, false));
    child.on('close', (code, signal) => done(why ?? (code === 0 ? 'ok' : `failed (${code !== null ? `exit ${code}` : signal})`), why === null && code === 0));
  });
}

/** What names the machine: the GPU's name (nvidia-smi's, else the adapter's device), and lines on the adapter, CPU, Node and commit. */
function machine(adapter: string): { name: string; lines: string[] } {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8' });
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const gpus = smi.status === 0 ? smi.stdout.trim().split('\n').filter((l) => l !== '') : [];
  // The adapter reads "WebGPU: vendor / architecture / device: driver …".
  const device = /\/ ([^/:]+):[^/]*$/.exec(adapter)?.[1] ?? adapter;
  return {
    name: gpus[0]?.split(',')[0].trim() ?? device,
    lines: [
      `- adapter: ${adapter}`,
      ...(gpus.length > 0 ? [`- GPU (nvidia-smi: name, driver): ${gpus.join('; ')}`] : []),
      `- CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}; Node ${process.version}`,
      ...(git.status === 0 ? [`- code: commit ${git.stdout.trim()}`] : []),
    ],
  };
}

/** The stage's output for the section: its stdout (ddpm's tables), and on failure the end of its stderr. */
function stageBlock(r: StageResult): string {
  const command = ['node', ...r.stage.args.map((a) => (a.startsWith(ROOT) ? relative(ROOT, a) || '.' : a))]
    .map((a) => (/^[\w./=,:-]+$/.test(a) ? a : `'${a}'`)).join(' ');
  const lines = r.stdout.trimEnd().split('\n');
  const shown = r.stage.name === 'parity' ? lines.filter((l) => /Total:|Passed:|Skipped:|Duration:|FAIL|parity:/.test(l)) : lines;
  const tail = r.ok ? [] : ['', '(stderr, last lines)', ...r.stderr.trimEnd().split('\n').slice(-15)];
  return [
    `### ${r.stage.name}: ${r.stage.title} — ${r.outcome} (${r.seconds.toFixed(0)} s)`,
    '',
    `\`${command}\``,
    '',
    '```text',
    // (uvu's colour codes stripped: the Markdown stays plain text)
    ...[...shown, ...tail].map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')),
    '```',
    '',
  ].join('\n');
}

/** The dated section: a heading naming the device, the machine, each stage's outcome and output. */
function section(date: string, adapter: string, dry: boolean, results: readonly StageResult[], seconds: number, stoppedBy: string | null): string {
  const { name, lines } = machine(adapter);
  const summary = results.map((r) => `${r.stage.name} ${r.outcome}`).join('; ');
  return [
    `## ${date}: gpu-check on ${name}${dry ? ' (dry run: toy sizes, not figures)' : ''}`,
    '',
    ...lines,
    `- \`npm run gpu-check${dry ? ' --dry-run' : ''}\`: ${seconds.toFixed(0)} s; ${summary}${stoppedBy ? `; stopped by ${stoppedBy}` : ''}`,
    '',
    ...results.map(stageBlock),
  ].join('\n');
}

/** `text` placed as the newest section of the Markdown file at `path` (after its title), written atomically. */
function addSection(path: string, text: string): void {
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n\n';
  const at = old.search(/^## /m);
  const next = at < 0 ? `${old.trimEnd()}\n\n${text}` : `${old.slice(0, at)}${text}\n${old.slice(at)}`;
  writeFileAtomic(path, `${next.trimEnd()}\n`);
}

async function main(argv: readonly string[]): Promise<number> {
  const f = parseFlags('gpu-check', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('npm run gpu-check --', DESCRIPTION, FLAGS));
    return 0;
  }
  const dry = f['dry-run'] || process.env.npm_config_dry_run === 'true';
  const results = resolve(f.results ?? (dry ? 'artifacts/gpu-check-dry-run.md' : join(ROOT, 'bench', 'RESULTS.md')));
  if (dry && results === join(ROOT, 'bench', 'RESULTS.md')) throw new UsageError('gpu-check: a dry run\'s section is not figures: it is never written to bench/RESULTS.md');
  const reports = resolve(f.reports ?? join(ROOT, 'artifacts', 'gpu-check'));
  for (const needed of [DDPM, UVU, join(ROOT, 'build', 'test')]) {
    if (!existsSync(needed)) throw new Error(`gpu-check: no ${relative(ROOT, needed)}: run npm run setup (or node scripts/build.mjs) first`);
  }

  const { backend, reason } = await tryWebGpu();
  if (!backend && !dry) throw new Error(`gpu-check: no WebGPU adapter (${reason}); --dry-run runs the stages anyway, at toy sizes`);
  const adapter = backend ? backend.describe() : `none (${reason})`;
  if (backend && isCpuDriver(backend.adapter) && !dry) {
    throw new Error(`gpu-check: ${adapter} is a CPU driver: its figures would say nothing about a GPU. ` +
      '--dry-run runs every stage at toy sizes to check the command itself');
  }
  console.log(`gpu-check${dry ? ' (dry run: toy sizes)' : ''} on ${adapter}; section → ${results}; reports → ${reports}`);
  mkdirSync(reports, { recursive: true });

  const stop = handleStopSignals('stopping the stage running; the section keeps what was done');
  const budget = f.budget ?? 540;
  const start = performance.now();
  const done: StageResult[] = [];
  try {
    const all = stages(dry, reports);
    for (const [i, stage] of all.entries()) {
      if (stop.signal.aborted) break;
      // Its share of what is left, so that time a stage leaves over passes to the next.
      const left = budget - (performance.now() - start) / 1000;
      const share = stage.weight / all.slice(i).reduce((s, x) => s + x.weight, 0);
      console.log(`\n== ${stage.name}: ${stage.title} (at most ${Math.round(left * share)} s) ==`);
      const r = await runStage(stage, Math.max(10, left * share), stop);
      console.log(`== ${stage.name}: ${r.outcome}, ${r.seconds.toFixed(1)} s ==`);
      done.push(r);
    }
  } finally {
    stop.dispose();
  }
  const seconds = (performance.now() - start) / 1000;
  const date = new Date().toISOString().slice(0, 10);
  addSection(results, section(date, adapter, dry, done, seconds, stop.reason?.signal ?? null));
  const failed = done.filter((r) => !r.ok).map((r) => r.stage.name);
  console.log(`\ngpu-check: ${done.length - failed.length} of 5 stages ok${failed.length ? `; not ok: ${failed.join(', ')}` : ''}; wrote a section to ${results}`);
  if (stop.reason) throw stop.reason;
  return failed.length === 0 ? 0 : 1;
}

try {
  process.exit(await main(process.argv.slice(2)));
} catch (e) {
  if (e instanceof Interrupted) process.exit(e.exitCode);
  process.stderr.write(`${errorMessage(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
}
