// The browser benchmark's run, row by row: the adapter, our training step (fused and eager) and
// sampling on the S-curve workload, TensorFlow.js-WebGPU's, then the matmul table (ours with the
// tuner's kernel per shape, tfjs's matMul beside it). It is the same code `ddpm bench` times
// (bench/ours.ts, bench/tfjs.ts, bench/matmul.ts), at the page's sizes (protocol.ts). After
// each row, and as each is started, the results so far go to `update` whole; a row that fails
// is kept with its reason and the run goes on. Runs in the page's worker (bench/page/worker.ts).

import { isCpuDriver, requestWebGpu, type WebGpuBackend } from '../../engine/webgpu/index.js';
import { measureMatmulTable, type MatmulCase, type MatmulTable } from '../matmul.js';
import { benchOurs, type EngineResult } from '../ours.js';
import { benchTfjs, tfjsMatmul, type Tf } from '../tfjs.js';
import { SHOWN_LIMITS, type AdapterReport, type PageBenchResults, type PageBenchSettings, type PageEngine } from './protocol.js';
import { loadTfjsWebGpu } from './tfjs-browser.js';

/** Why jax-js has no row of its own here. */
const JAXJS_NOT_MEASURED = 'jax-js is not bundled into this page; `ddpm bench --engines jax-js-webgpu` measures it in Node';

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The adapter as the engine opened it: its names, the limits that bound the kernels, the features taken. */
export function adapterReport(gpu: WebGpuBackend, userAgent: string): AdapterReport {
  const a = gpu.adapter;
  const limits: Record<string, number> = {};
  for (const name of SHOWN_LIMITS) limits[name] = gpu.device.limits[name];
  return {
    description: gpu.describe(), vendor: a.vendor, architecture: a.architecture, adapterDescription: a.description,
    isFallback: a.isFallback, cpuDriver: isCpuDriver(a), subgroupSizes: a.subgroupSizes ?? null,
    limits, features: [...gpu.device.features].sort(), userAgent,
  };
}

/** Runs every row, calling `update` with the results so far; resolves with them all. */
export async function runPageBench(settings: PageBenchSettings, update: (results: PageBenchResults) => void, userAgent: string): Promise<PageBenchResults> {
  const t0 = performance.now();
  const results: PageBenchResults = {
    settings, started: new Date().toISOString(), seconds: 0, adapter: null, tfjs: null, engines: [], skipped: {},
    matmul: { gflops: {}, kernels: {}, failed: {} }, rowSeconds: {}, running: 'opening the WebGPU adapter', failed: null,
  };
  results.skipped['jax-js-webgpu'] = JAXJS_NOT_MEASURED;
  const post = (running: string | null): void => {
    results.running = running;
    results.seconds = (performance.now() - t0) / 1000;
    update(results);
  };
  post(results.running);
  let gpu: WebGpuBackend;
  try {
    gpu = await requestWebGpu();
  } catch (e) {
    results.failed = message(e);
    for (const engine of ['ours-webgpu', 'ours-webgpu-eager', 'tfjs-webgpu'] as const) results.skipped[engine] = `no WebGPU adapter: ${results.failed}`;
    post(null);
    return results;
  }
  results.adapter = adapterReport(gpu, userAgent);
  // The run never stops early; the signal is what bench/ours.ts and bench/matmul.ts ask for.
  const signal = new AbortController().signal;

  const row = async (engine: PageEngine, measure: () => Promise<EngineResult>): Promise<void> => {
    post(`${engine}: training and sampling`);
    const start = performance.now();
    try {
      results.engines.push([engine, await measure()]);
    } catch (e) {
      results.skipped[engine] = message(e);
    }
    results.rowSeconds[engine] = (performance.now() - start) / 1000;
  };
  const oursOptions = { blocks: settings.blocks, points: settings.points, sampleN: settings.sampleN, sampleRepeats: settings.sampleRepeats, signal };
  await row('ours-webgpu', () => benchOurs(gpu, 'fused', oursOptions));
  await row('ours-webgpu-eager', () => benchOurs(gpu, 'eager', oursOptions));
  let tf: Tf | null = null; // set by the tfjs row once tfjs has loaded
  await row('tfjs-webgpu', async () => {
    const loaded = await loadTfjsWebGpu();
    tf = loaded.tf;
    results.tfjs = loaded.version;
    return benchTfjs(loaded.tf, 'webgpu', { ...settings.peer, sampleN: settings.sampleN, sampleRepeats: 1, signal });
  });

  // The matmul table: ours, then tfjs's where its engine ran; each column on its own, so that
  // one failing leaves the other. Each cell shows as soon as it is measured.
  const onCell = (name: string, c: MatmulCase, gflops: number | null): void => {
    if (gflops === null) {
      post(`matmul: ${name}, ${c.label}`);
      return;
    }
    (results.matmul.gflops[name] ??= {})[c.label] = gflops;
    post(results.running);
  };
  const options = { repeats: settings.matmulRepeats, maxSeconds: settings.maxSeconds, eachKernel: false, signal, onCell };
  const column = async (name: string, measure: () => Promise<MatmulTable>): Promise<void> => {
    const start = performance.now();
    try {
      const table = await measure();
      Object.assign(results.matmul.gflops, table.gflops);
      Object.assign(results.matmul.kernels, table.kernels);
      Object.assign(results.matmul.failed, table.failed);
    } catch (e) {
      results.matmul.failed[name] = message(e);
    }
    results.rowSeconds[`matmul ${name}`] = (performance.now() - start) / 1000;
  };
  await column('webgpu', () => measureMatmulTable([gpu], options));
  const peer = tf as Tf | null; // (assigned in a closure, which TypeScript's narrowing does not see)
  if (peer) {
    await column('tfjs-webgpu', () => measureMatmulTable([], { ...options, peers: [{ name: 'tfjs-webgpu', measure: (c) => tfjsMatmul(peer, c, settings.matmulRepeats) }] }));
  } else {
    results.matmul.failed['tfjs-webgpu'] = `its engine did not run: ${results.skipped['tfjs-webgpu'] ?? 'unknown'}`;
  }
  post(null);
  return results;
}
