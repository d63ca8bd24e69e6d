// `ddpm bench` (also `npm run bench`): every engine on the tutorial's workload in one run, on
// one machine and, for the GPU engines, one Dawn adapter — ours on WebGPU and on the CPU path,
// TensorFlow.js on WebGPU and CPU, PyTorch on the CPU and on CUDA when it has one (eager, and
// with each epoch and each sampling run one CUDA graph: torch-cuda-graphs), JAX with each epoch
// one jitted lax.scan on its default device, at its default matmul precision (jax; TF32 on a GPU
// that has it) and at 'highest' (jax-f32) — plus matmul GFLOP/s. Prints a table with ratios from
// this run and, with --json FILE, writes
//   { device, train_steps_per_s, sample_s, loss, matmul_gflops, webgpu_per_step, limit_model,
//     profile, skipped, unet }.
// --model names what is timed: mlp, the S-curve's MLPDiffusion on --engines (the default), and
// unet, a U-Net training step, ours-webgpu beside PyTorch eager (bench/unet.ts).
// After the table: the limit model (bench/gpu-report.ts) and, with --profile, the fused engine's
// GPU time per kernel.
// An engine that cannot run is left out with its reason; when none of the engines asked for
// could run, the command fails (exit 1, naming each and why) after reporting what else it
// measured. --json's folder is checked before anything runs. Medians after warm-up; --quick does
// fewer repeats. Ctrl-C or SIGTERM stops the engine being timed (a Python peer is killed),
// reports the engines measured so far and exits 130 / 143.

import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from '../engine/index.js';
import { DAWN_OPTIONS, tryWebGpu, type WebGpuBackend } from '../engine/webgpu/index.js';
import { flags, helpText, parseFlags, UsageError, type CommandFlags, type FlagValues } from '../app-support/args.js';
import { withStopSignals, type StopRequest } from '../app-support/stop.js';
import { errorMessage } from '../app-support/errors.js';
import { prepareOutputFile, writeFileAtomic } from '../app-support/files.js';
import { benchJax, findJax } from './jax.js';
import { limitReport, profileReport } from './gpu-report.js';
import { measureMatmulTable, type MatmulPeer, type MatmulTable, type WholeMatmulPeer } from './matmul.js';
import { benchOurs, type EngineResult } from './ours.js';
import { benchJaxjs, jaxjsMatmul, loadJaxjs } from './jaxjs.js';
import { benchTfjs, tfjsMatmul } from './tfjs.js';
import { loadTfjs } from './tfjs-load.js';
import { engineRows, matmulRows } from './tables.js';
import { benchTorch, findTorch, torchMatmul, type TorchPeer } from './torch.js';
import { benchUNetOurs, benchUNetTorch, type UNetStep } from './unet.js';

const ENGINES = ['ours-webgpu', 'ours-webgpu-eager', 'ours-cpu', 'jax-js-wasm', 'jax-js-webgpu', 'tfjs-webgpu', 'tfjs-cpu', 'torch-cpu', 'torch-cuda', 'torch-cuda-graphs',
  'jax', 'jax-f32'] as const;
type Engine = (typeof ENGINES)[number];

const FLAGS = flags([
  { name: 'quick', kind: 'switch', help: '2 timed blocks of 79 steps per engine instead of 5, one sampling run (noisier)' },
  { name: 'json', kind: 'string', value: 'FILE', help: 'also write the results as JSON' },
  { name: 'model', kind: 'string', value: 'LIST', default: 'mlp', help: 'comma-separated models to time: mlp (the S-curve\'s MLPDiffusion on --engines), unet (a U-Net training step, 28×28 MNIST, channels 32/64/64, on ours-webgpu beside PyTorch eager)' },
  { name: 'engines', kind: 'string', value: 'LIST', default: ENGINES.join(','), help: 'comma-separated engines to run the mlp on, or none' },
  { name: 'no-matmul', kind: 'switch', help: 'skip the matmul GFLOP/s table' },
  { name: 'matmul-kernels', kind: 'switch', help: 'the matmul table also times each WebGPU matmul kernel forced in turn' },
  { name: 'samples', kind: 'int', min: 1, default: '10000', help: 'points sampled over 100 steps (fewer: a smoke test, not the workload)' },
  { name: 'profile', kind: 'switch', help: "ours-webgpu's GPU time per kernel (timestamp-query) in a profiled training and sampling run; with --model unet, the U-Net step's dispatches and time per kernel family too" },
  { name: 'unet-batch', kind: 'int', min: 1, default: '128', help: 'the U-Net step\'s batch' },
  { name: 'unet-steps', kind: 'int', min: 1, default: '10 (3 with --quick)', help: 'timed U-Net steps after two warm-up steps' },
]);
const MODELS = ['mlp', 'unet'];
const RENAMED = { 'sample-points': { to: 'samples' }, unet: { to: 'model', value: 'mlp,unet' } };

const DESCRIPTION = 'Benchmarks the S-curve workload (batch 128, MLPDiffusion, Adam, clipping; sampling 10 000 points ×\n' +
  '100 steps) on our engine and its peers in one run, and matmul GFLOP/s on our backends.\n\n' +
  'Peers: jax-js-wasm, jax-js-webgpu (jax-js, each training step one jitted call, synced); tfjs-webgpu,\n' +
  'tfjs-cpu (TensorFlow.js); torch-cpu, torch-cuda (PyTorch, eager); torch-cuda-graphs\n' +
  '(PyTorch on CUDA, each epoch one CUDA graph replay after the reshuffle, sampling one more); jax, jax-f32\n' +
  '(JAX and optax, each epoch one jitted lax.scan, sampling a jitted lax.fori_loop, on JAX\'s default device;\n' +
  'jax at the default matmul precision, TF32 on a GPU that has it, jax-f32 at \'highest\', exact f32).\n' +
  'PyTorch is looked for in $PYTHON, /usr/bin/python3, python3; JAX in $JAX_PYTHON first. A peer that\n' +
  'cannot run is listed as not measured, with the reason.';

/** `ddpm bench`'s usage, description, flags, old spellings and parser: its --help, and its part of docs/cli-reference.md. */
export const BENCH_FLAGS: CommandFlags<FlagValues<typeof FLAGS>> = {
  usage: 'ddpm bench', description: DESCRIPTION, flags: FLAGS, renamed: RENAMED,
  parse: (argv) => parseFlags('ddpm bench', argv, FLAGS, RENAMED),
};

/**
 * The repository root, or the installed package's (bench/torch_ddpm.py and bench/peers/ live
 * there): the nearest folder above with a package.json.
 */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Dawn's GPU object, shared by our engine and tfjs-webgpu so both get the same adapter. */
async function sharedDawn(): Promise<GPU | null> {
  const g: { navigator?: { gpu?: GPU } } = globalThis;
  if (g.navigator?.gpu) return g.navigator.gpu;
  try {
    const dawn = await import('webgpu');
    Object.assign(globalThis, dawn.globals);
    g.navigator ??= {};
    g.navigator.gpu = dawn.create([...DAWN_OPTIONS]);
    return g.navigator.gpu;
  } catch {
    return null;
  }
}

/** Everything `ddpm bench` runs with, defaults applied. */
interface BenchSettings {
  engines: ReadonlySet<string>;
  quick: boolean;
  /** Points sampled over 100 steps. */
  sampleN: number;
  matmul: boolean;
  /** The matmul table also times every WebGPU kernel forced in turn. */
  matmulKernels: boolean;
  profile: boolean;
  /** --model unet: the U-Net step's batch and timed steps; null: not asked for. */
  unet: { batch: number; steps: number } | null;
  /** --json FILE, if given. */
  json: string | undefined;
}

/** The machine and peers' versions (for the JSON). */
interface BenchDevice {
  adapter: string | null;
  cpu: string;
  node: string;
  tfjs: string | null;
  /** @jax-js/jax's version, where a jax-js engine loaded. */
  jaxjs: string | null;
  torch: string | null;
  jax: string | null;
  jax_device: string | null;
}

/** What the engines measured, and why each that did not run did not. */
interface BenchResults {
  device: BenchDevice;
  gpu: WebGpuBackend | null;
  results: Map<Engine, EngineResult>;
  skipped: Map<Engine, string>;
  matmul: MatmulTable;
  /** --model unet's steps by engine, and why one was not measured. */
  unet: { results: Map<string, UNetStep>; skipped: Map<string, string> } | null;
}

export async function benchCommand(argv: readonly string[]): Promise<void> {
  const f = BENCH_FLAGS.parse(argv);
  if (f === null) {
    process.stdout.write(helpText(BENCH_FLAGS.usage, BENCH_FLAGS.description, BENCH_FLAGS.flags, BENCH_FLAGS.renamed));
    return;
  }
  const settings = benchSettings(f);
  // Before any engine runs: an unwritable --json fails now, not after minutes of timing.
  if (settings.json !== undefined) prepareOutputFile('ddpm bench', '--json', settings.json);
  await withStopSignals('stopping: the engines measured so far are reported', async (stop) => {
    await reportBench(settings, await runBench(settings, stop), stop);
  });
}

/** The flags with their defaults; a model --model or an engine --engines does not know is a UsageError. */
function benchSettings(f: FlagValues<typeof FLAGS>): BenchSettings {
  const models = new Set((f.model ?? 'mlp').split(',').map((s) => s.trim()));
  for (const m of models) if (!MODELS.includes(m)) throw new UsageError(`ddpm bench: --model takes ${MODELS.join(', ')} (comma-separated), got '${m}'`);
  const list = f.engines ?? ENGINES.join(',');
  const engines = new Set(list === 'none' || !models.has('mlp') ? [] : list.split(',').map((s) => s.trim()));
  for (const e of engines) if (!ENGINES.some((name) => name === e)) throw new UsageError(`ddpm bench: unknown engine '${e}' (expected ${ENGINES.join(', ')})`);
  const unet = models.has('unet') ? { batch: f['unet-batch'] ?? 128, steps: f['unet-steps'] ?? (f.quick ? 3 : 10) } : null;
  return { engines, quick: f.quick, sampleN: f.samples ?? 10_000, matmul: !f['no-matmul'], matmulKernels: f['matmul-kernels'], profile: f.profile, unet, json: f.json };
}

/** Every engine asked for, one after the other (each one's progress on stderr), then matmul GFLOP/s on our backends. */
async function runBench(settings: BenchSettings, stop: StopRequest): Promise<BenchResults> {
  const { engines: wanted, quick, sampleN } = settings;
  const { signal } = stop;

  await sharedDawn();
  const { backend: gpu, reason: noGpu } = await tryWebGpu();
  const torch = findTorch();
  const device: BenchDevice = {
    adapter: gpu ? gpu.describe() : null,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    node: process.version,
    tfjs: null,
    jaxjs: null,
    torch: typeof torch === 'string' ? null : torch.version,
    jax: null,
    jax_device: null,
  };
  console.log(`adapter: ${device.adapter ?? `none (${noGpu})`}`);
  console.log(`cpu: ${device.cpu}; node ${device.node}${device.torch ? `; torch ${device.torch}` : ''}`);

  const results = new Map<Engine, EngineResult>();
  const skipped = new Map<Engine, string>();
  const run = async (engine: Engine, fn: () => Promise<EngineResult>): Promise<void> => {
    if (!wanted.has(engine) || signal.aborted) return;
    process.stderr.write(`${engine}: running…\n`);
    try {
      const r = await fn();
      results.set(engine, r);
      process.stderr.write(`${engine}: ${r.trainStepsPerSecond.toFixed(1)} steps/s, sampling ${Number.isNaN(r.sampleSeconds) ? 'not timed' : `${r.sampleSeconds.toFixed(2)} s`}, ` +
        `loss ${r.loss.toFixed(4)} after ${r.lossAfterSteps} steps\n`);
    } catch (e) {
      if (signal.aborted) {
        skipped.set(engine, `stopped by ${stop.reason!.signal}`);
        return;
      }
      skipped.set(engine, errorMessage(e));
      process.stderr.write(`${engine}: not measured: ${errorMessage(e)}\n`);
    }
  };
  const noEngine = (why: string) => async (): Promise<EngineResult> => { throw new Error(why); };

  // Every engine warms up, then times blocks of whole epochs (79 steps each; ours: as many
  // epochs per block as take about a second), so losses after an epoch can be compared
  // (tfjs-cpu, far slower, does fewer steps).
  const epochs = quick ? 2 : 5;
  const oursOptions = { blocks: epochs, sampleN, sampleRepeats: quick ? 1 : 3, signal };
  const peerOptions = { warmup: 79, steps: 79, repeats: epochs, sampleN, sampleRepeats: quick ? 1 : 3, signal };
  await run('ours-webgpu', gpu ? () => benchOurs(gpu, 'fused', oursOptions) : noEngine(`no WebGPU adapter: ${noGpu}`));
  await run('ours-webgpu-eager', gpu ? () => benchOurs(gpu, 'eager', oursOptions) : noEngine(`no WebGPU adapter: ${noGpu}`));
  await run('ours-cpu', () => benchOurs(E.cpu, 'eager', { ...oursOptions, sampleRepeats: 1 }));
  await run('torch-cpu', async () => {
    if (typeof torch === 'string') throw new Error(torch);
    return benchTorch(torch, repoRoot(), 'cpu', peerOptions);
  });
  await run('torch-cuda', async () => {
    if (typeof torch === 'string') throw new Error(torch);
    if (!torch.cuda) throw new Error('torch sees no CUDA device');
    return benchTorch(torch, repoRoot(), 'cuda', peerOptions);
  });
  await run('torch-cuda-graphs', async () => {
    if (typeof torch === 'string') throw new Error(torch);
    if (!torch.cuda) throw new Error('torch sees no CUDA device');
    return benchTorch(torch, repoRoot(), 'cuda', { ...peerOptions, graphs: true });
  });
  const jax = wanted.has('jax') || wanted.has('jax-f32') ? findJax() : 'not asked for';
  for (const [engine, precision] of [['jax', 'default'], ['jax-f32', 'highest']] as const) {
    await run(engine, async () => {
      if (typeof jax === 'string') throw new Error(jax);
      const r = await benchJax(jax, repoRoot(), precision, peerOptions);
      device.jax = jax.version;
      device.jax_device = r.device;
      return r;
    });
  }
  // jax-js: its Wasm backend, then its WebGPU one on Dawn's GPU (navigator.gpu, as tfjs-webgpu).
  await run('jax-js-wasm', async () => {
    const { jax, version } = await loadJaxjs('wasm', repoRoot());
    device.jaxjs = version;
    return benchJaxjs(jax, peerOptions);
  });
  await run('jax-js-webgpu', async () => {
    const g: { navigator?: { gpu?: GPU } } = globalThis;
    if (!gpu || !g.navigator?.gpu) throw new Error(`no WebGPU adapter: ${noGpu}`);
    const { jax, version } = await loadJaxjs('webgpu', repoRoot());
    device.jaxjs = version;
    return benchJaxjs(jax, { ...peerOptions, sampleRepeats: 1 });
  });
  // tfjs last: it changes globals (its backends register once per process).
  await run('tfjs-webgpu', async () => {
    const g: { navigator?: { gpu?: GPU } } = globalThis;
    if (!gpu || !g.navigator?.gpu) throw new Error(`no WebGPU adapter: ${noGpu}`);
    const { tf, version } = await loadTfjs('webgpu', repoRoot(), g.navigator.gpu);
    device.tfjs = version;
    return benchTfjs(tf, 'webgpu', { ...peerOptions, sampleRepeats: 1 });
  });
  await run('tfjs-cpu', async () => {
    const { tf, version } = await loadTfjs('cpu', repoRoot());
    device.tfjs = version;
    // Its sampling takes minutes (10 000 points through one-hot matmuls, 100 times): not under --quick.
    return benchTfjs(tf, 'cpu', { warmup: 5, steps: quick ? 10 : 40, repeats: 1, sampleN, sampleRepeats: quick ? 0 : 1, signal });
  });

  // A shape is timed while one product is estimated to take at most 1 s (--quick: 0.25 s).
  // TensorFlow.js-WebGPU's matmul joins the table where its engine was asked for and loads.
  const repeats = quick ? 2 : 5;
  const peers: MatmulPeer[] = [];
  const g: { navigator?: { gpu?: GPU } } = globalThis;
  if (settings.matmul && gpu && g.navigator?.gpu && settings.engines.has('tfjs-webgpu') && results.has('tfjs-webgpu')) {
    const { tf } = await loadTfjs('webgpu', repoRoot(), g.navigator.gpu);
    peers.push({ name: 'tfjs-webgpu', measure: (c) => tfjsMatmul(tf, c, repeats) });
  }
  // jax-js's matmul (one jitted product) on each backend whose engine ran; the last init'd is the default device.
  for (const backend of ['wasm', 'webgpu'] as const) {
    if (!settings.matmul || !results.has(`jax-js-${backend}`)) continue;
    peers.push({ name: `jax-js-${backend}`, measure: async (c) => {
      const { jax } = await loadJaxjs(backend, repoRoot());
      return jaxjsMatmul(jax, c, repeats);
    } });
  }
  // PyTorch's matmul where its engine ran: torch-cpu's BLAS; on CUDA cuBLAS in exact f32 and with TF32.
  const maxSeconds = quick ? 0.25 : 1;
  const wholePeers: WholeMatmulPeer[] = [];
  if (settings.matmul && typeof torch !== 'string') {
    const peer = torch;
    const timed = (name: string, device: 'cpu' | 'cuda', tf32: boolean): WholeMatmulPeer =>
      ({ name, measureAll: (cases) => torchMatmul(peer, repoRoot(), device, cases, { repeats, maxSeconds, tf32, signal }) });
    if (results.has('torch-cpu')) wholePeers.push(timed('torch-cpu', 'cpu', false));
    if (results.has('torch-cuda')) wholePeers.push(timed('torch-cuda', 'cuda', false), timed('torch-cuda-tf32', 'cuda', true));
  }
  const matmul: MatmulTable = settings.matmul
    ? await measureMatmulTable(gpu ? [gpu, E.cpu] : [E.cpu], { repeats, maxSeconds, eachKernel: settings.matmulKernels, signal, peers, wholePeers })
    : { gflops: {}, kernels: {}, failed: {} };
  const unet = settings.unet && !signal.aborted ? await runUNet({ ...settings.unet, profile: settings.profile }, gpu, noGpu, torch, signal) : null;
  return { device, gpu, results, skipped, matmul, unet };
}

/** --model unet: our step on WebGPU, then PyTorch eager's; one that cannot run is skipped with why. */
async function runUNet(options: { batch: number; steps: number; profile: boolean }, gpu: WebGpuBackend | null, noGpu: string, torch: TorchPeer | string,
  signal: AbortSignal): Promise<NonNullable<BenchResults['unet']>> {
  const results = new Map<string, UNetStep>(), skipped = new Map<string, string>();
  const attempt = async (name: string, fn: () => Promise<UNetStep>): Promise<void> => {
    process.stderr.write(`U-Net step, ${name}: running…\n`);
    try {
      results.set(name, await fn());
    } catch (e) {
      if (signal.aborted) return;
      skipped.set(name, errorMessage(e));
    }
  };
  if (gpu) await attempt('ours-webgpu', () => benchUNetOurs(gpu, options.batch, options.steps, signal, options.profile));
  else skipped.set('ours-webgpu', noGpu);
  if (typeof torch === 'string') skipped.set('torch', torch);
  else if (!signal.aborted) await attempt(`torch-${torch.cuda ? 'cuda' : 'cpu'}`, () => benchUNetTorch(torch, repoRoot(), options.batch, options.steps, signal));
  return { results, skipped };
}

/**
 * The table, then (ours-webgpu on a GPU) --profile's GPU time per kernel and the limit model
 * (gpu-report.ts), and with --json the results as JSON; a stop still reports what was measured,
 * then ends the command.
 */
async function reportBench(settings: BenchSettings, measured: BenchResults, stop: StopRequest): Promise<void> {
  const { quick, sampleN, json } = settings;
  const { device, gpu, results, skipped, matmul, unet } = measured;
  const { signal } = stop;
  const notes = device.jax ? [`jax, jax-f32: JAX ${device.jax} on ${device.jax_device}; jax at JAX's default matmul precision ` +
    `(TF32 on a GPU that has it), jax-f32 at 'highest' (exact f32)`] : [];
  if (device.jaxjs) notes.push(`jax-js-wasm, jax-js-webgpu: @jax-js/jax ${device.jaxjs}, each training step one jit call, synced every step`);
  printReport(results, skipped, matmul, gpu, sampleN, notes);
  if (unet && settings.unet) printUNet(unet, settings.unet.batch);
  const ours = results.get('ours-webgpu');
  // A stop during the profiled runs leaves the profile out; what was measured is still reported.
  const profile = settings.profile && gpu && ours && !signal.aborted
    ? await profileReport(gpu, ours, sampleN, signal).catch((e: unknown) => { if (signal.aborted) return null; throw e; })
    : null;
  if (settings.profile && !ours && settings.engines.size > 0) console.log('\n--profile: times ours-webgpu, which did not run');
  const limit = gpu && !signal.aborted ? await limitReport(gpu, results, sampleN) : null;
  if (json !== undefined) {
    const byEngine = (pick: (r: EngineResult) => number | undefined): Record<string, number> =>
      Object.fromEntries([...results].flatMap(([k, r]) => (pick(r) === undefined ? [] : [[k, pick(r)!]])));
    writeFileAtomic(json, `${JSON.stringify({
      device,
      quick,
      sample_points: sampleN,
      train_steps_per_s: byEngine((r) => r.trainStepsPerSecond),
      sample_s: byEngine((r) => (Number.isNaN(r.sampleSeconds) ? undefined : r.sampleSeconds)),
      loss: byEngine((r) => r.loss),
      loss_after_steps: byEngine((r) => r.lossAfterSteps),
      matmul_gflops: matmul.gflops,
      matmul_kernels: matmul.kernels,
      matmul_failed: matmul.failed,
      webgpu_per_step: ours ? { dispatches: ours.dispatchesPerStep, submits: ours.submitsPerStep, memory_bytes: ours.memoryBytes } : null,
      limit_model: limit,
      profile,
      skipped: Object.fromEntries(skipped),
      unet: unet && settings.unet ? {
        batch: settings.unet.batch,
        steps_per_s: Object.fromEntries([...unet.results].map(([k, r]) => [k, r.stepsPerSecond])),
        loss: Object.fromEntries([...unet.results].map(([k, r]) => [k, r.loss])),
        loss_after_steps: Object.fromEntries([...unet.results].map(([k, r]) => [k, r.steps])),
        device: Object.fromEntries([...unet.results].map(([k, r]) => [k, r.device])),
        peak_device_bytes: unet.results.get('ours-webgpu')?.peakBytes ?? null,
        profile: unet.results.get('ours-webgpu')?.profile ?? null,
        skipped: Object.fromEntries(unet.skipped),
      } : null,
      ...(stop.reason ? { stopped_by: stop.reason.signal } : {}),
    }, null, 2)}\n`);
    console.log(`wrote ${json}`);
  }
  stop.throwIfStopped();
  if (settings.engines.size > 0 && results.size === 0) {
    throw new Error(`ddpm bench: none of the engines asked for could be measured: ${[...skipped].map(([e, why]) => `${e}: ${why}`).join('; ')}`);
  }
}

function printReport(results: Map<Engine, EngineResult>, skipped: Map<Engine, string>,
  matmul: MatmulTable, gpu: E.Backend | null, sampleN: number, notes: readonly string[] = []): void {
  const rows = engineRows(results, sampleN);
  if (results.size > 0) { // (--engines none: no S-curve table)
    console.log(`\nS-curve workload (batch 128, MLPDiffusion, Adam, clip 1.0; sampling: tutorial sampler, ${sampleN} points × 100 steps)`);
    console.log('ratios > 1 mean ours is faster; loss: mean training loss over the last 79 timed steps (engines at the same step count must agree)\n');
    printTable(rows);
  }
  for (const note of notes) console.log(note);
  for (const [engine, why] of skipped) console.log(`${engine}: not measured: ${why}`);
  if (results.has('tfjs-cpu') && Number.isNaN(results.get('tfjs-cpu')!.sampleSeconds)) {
    console.log('tfjs-cpu: sampling not timed under --quick (it takes minutes); run without --quick');
  }
  const w = results.get('ours-webgpu');
  if (w) {
    console.log(`\nours-webgpu per training step: ${w.dispatchesPerStep?.toFixed(1)} dispatches, ${w.submitsPerStep?.toFixed(3)} submits; ` +
      `device memory held: ${((w.memoryBytes ?? 0) / 2 ** 20).toFixed(1)} MiB`);
  }
  const columns = Object.keys(matmul.gflops);
  if (columns.length > 0) {
    console.log('\nmatmul GFLOP/s (median after a warm-up; webgpu: the kernel the tuner chose, — where a product would take too long)\n');
    printTable(matmulRows(matmul, gpu !== null));
    for (const [peer, why] of Object.entries(matmul.failed)) console.log(`${peer} matmul: not measured: ${why}`);
  }
}

/** The U-Net step's table: steps/s, ours ÷ each, the loss after the same steps. */
function printUNet(unet: NonNullable<BenchResults['unet']>, batch: number): void {
  const ours = unet.results.get('ours-webgpu');
  console.log(`\nU-Net training step (28×28 MNIST, channels 32/64/64, batch ${batch}, Adam 3e-3, clip 1.0; eager; loss: mean of the timed steps)\n`);
  printTable([['engine', 'steps/s', 'ours ÷ this', 'loss', 'after steps', 'device'], ...[...unet.results].map(([name, r]) => [
    name, r.stepsPerSecond.toFixed(3), ours ? `${(ours.stepsPerSecond / r.stepsPerSecond).toFixed(2)}×` : '', r.loss.toFixed(4), String(r.steps), r.device,
  ])]);
  for (const [name, why] of unet.skipped) console.log(`${name}: not measured: ${why}`);
  if (ours?.peakBytes !== undefined) console.log(`ours-webgpu: peak live device memory during the timed steps ${(ours.peakBytes / 2 ** 20).toFixed(1)} MiB`);
  const profile = ours?.profile;
  if (profile && 'unavailable' in profile) console.log(`\n--profile: ${profile.unavailable}`);
  else if (profile) {
    console.log(`\nours-webgpu U-Net step by kernel family (GPU timestamps; ${profile.dispatchesPerStep.toFixed(0)} dispatches and ` +
      `${(profile.gpuUsPerStep / 1000).toFixed(1)} ms of kernels + idle per step)\n`);
    printTable([['kernel family', 'ms / step', 'share', 'dispatches / step'], ...profile.families.map((f) => [
      f.family, (f.us / 1000).toFixed(2), `${((100 * f.us) / profile.gpuUsPerStep).toFixed(1)} %`, f.dispatches.toFixed(0),
    ])]);
  }
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('   '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('   '));
  }
}
