// What the browser's bench page (web/bench.html) and its worker share: the run's settings —
// the real benchmark's sizes, or ?quick's small ones — and the results as they grow, which the
// worker posts whole after every row it fills (bench/page/run.ts) and the page draws
// (bench/page/page.ts).

import type { MatmulTable } from '../matmul.js';
import type { EngineResult } from '../ours.js';

/** The engines the page times, in the order it runs them. */
export const PAGE_ENGINES = ['ours-webgpu', 'ours-webgpu-eager', 'tfjs-webgpu', 'jax-js-webgpu'] as const;
export type PageEngine = (typeof PAGE_ENGINES)[number];

/** How much the page times. */
export interface PageBenchSettings {
  quick: boolean;
  /** Points drawn by each sampling run (100 steps each). */
  sampleN: number;
  /** Ours: timed blocks of whole epochs after two warm-up epochs (bench/ours.ts)… */
  blocks: number;
  /** …of this many points (the workload's 10 000; fewer make an epoch fewer of the same steps). */
  points: number;
  sampleRepeats: number;
  /** tfjs: warm-up steps, then `repeats` timed blocks of `steps` (bench/tfjs.ts). */
  peer: { warmup: number; steps: number; repeats: number };
  matmulRepeats: number;
  /** A matmul shape is timed while one product is estimated to take at most this long (bench/matmul.ts). */
  maxSeconds: number;
}

/**
 * The sizes: without `quick`, `ddpm bench`'s (10 000 points sampled, 5 blocks, 3 sampling runs;
 * tfjs 79-step blocks after 79 warm-up steps, one sampling run; matmul medians of 5, 1 s a
 * product at most); with it, small enough for the whole page to run in under a minute on a
 * CPU's WebGPU (SwiftShader: our step at 5–15 steps/s there, tfjs's at 0.5–1): epochs of 10 steps, 100
 * points sampled, tfjs 2 timed steps — a smoke test, not a measurement to quote.
 */
export function pageBenchSettings(quick: boolean): PageBenchSettings {
  return quick
    ? { quick, sampleN: 100, blocks: 1, points: 1280, sampleRepeats: 1, peer: { warmup: 1, steps: 2, repeats: 1 }, matmulRepeats: 2, maxSeconds: 0.05 }
    : { quick, sampleN: 10_000, blocks: 5, points: 10_000, sampleRepeats: 3, peer: { warmup: 79, steps: 79, repeats: 5 }, matmulRepeats: 5, maxSeconds: 1 };
}

/** The adapter as the engine opened it. */
export interface AdapterReport {
  /** The engine's line for it (WebGpuBackend.describe()). */
  description: string;
  vendor: string;
  architecture: string;
  /** GPUAdapterInfo's own description. */
  adapterDescription: string;
  isFallback: boolean;
  /** The engine takes it for a CPU driver (isCpuDriver): its figures are not a GPU's. */
  cpuDriver: boolean;
  subgroupSizes: readonly [number, number] | null;
  /** The limits that bound the kernels, as the device was opened with them (the adapter's). */
  limits: Record<string, number>;
  /** The optional features the engine asked for and got (subgroups, timestamp-query). */
  features: string[];
  userAgent: string;
}

/** The limits the page shows. */
export const SHOWN_LIMITS = ['maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX',
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupsPerDimension'] as const;

/** Everything measured so far. */
export interface PageBenchResults {
  settings: PageBenchSettings;
  /** When the run started (ISO 8601). */
  started: string;
  /** Seconds since it started, at the last update. */
  seconds: number;
  adapter: AdapterReport | null;
  /** TensorFlow.js's version, once it loaded. */
  tfjs: string | null;
  /** The engines measured, in the order they ran. */
  engines: [PageEngine, EngineResult][];
  /** Engines not measured, and why. */
  skipped: Partial<Record<PageEngine, string>>;
  matmul: MatmulTable;
  /** Seconds each row took (an engine's, a matmul column's), warm-ups and all. */
  rowSeconds: Record<string, number>;
  /** What is being measured now; null when the run is over. */
  running: string | null;
  /** Why the whole run stopped early (no adapter at all), if it did. */
  failed: string | null;
}

/** The page → worker message: start a run. */
export interface StartRun {
  settings: PageBenchSettings;
}
