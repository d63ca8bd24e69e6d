// The bench page's results as files and text: the JSON download, in `ddpm bench --json`'s shape
// where the two overlap (train_steps_per_s, sample_s, loss, matmul_gflops, … by engine; the
// device block names the adapter, its limits and the browser instead of the CPU and Node), and
// "Copy as Markdown": bench/RESULTS.md's tables (bench/tables.ts's rows, the S-curve's and the
// matmul's) under a line naming the adapter and the browser.

import type { EngineResult } from '../ours.js';
import { engineRows, matmulRows } from '../tables.js';
import type { PageBenchResults } from './protocol.js';

/** The results as `ddpm bench --json` writes them, where the page measured the same things. */
export function benchJson(r: PageBenchResults): Record<string, unknown> {
  const byEngine = (pick: (e: EngineResult) => number | undefined): Record<string, number> =>
    Object.fromEntries(r.engines.flatMap(([k, e]) => (pick(e) === undefined ? [] : [[k, pick(e)!]])));
  const ours = r.engines.find(([k]) => k === 'ours-webgpu')?.[1];
  const a = r.adapter;
  return {
    device: {
      adapter: a?.description ?? null,
      adapter_info: a ? { vendor: a.vendor, architecture: a.architecture, description: a.adapterDescription, is_fallback: a.isFallback,
        cpu_driver: a.cpuDriver, subgroup_sizes: a.subgroupSizes, limits: a.limits, features: a.features } : null,
      browser: a?.userAgent ?? null,
      tfjs: r.tfjs,
      jaxjs: null,
    },
    quick: r.settings.quick,
    sample_points: r.settings.sampleN,
    train_steps_per_s: byEngine((e) => e.trainStepsPerSecond),
    sample_s: byEngine((e) => (Number.isNaN(e.sampleSeconds) ? undefined : e.sampleSeconds)),
    loss: byEngine((e) => e.loss),
    loss_after_steps: byEngine((e) => e.lossAfterSteps),
    matmul_gflops: r.matmul.gflops,
    matmul_kernels: r.matmul.kernels,
    matmul_failed: r.matmul.failed,
    webgpu_per_step: ours ? { dispatches: ours.dispatchesPerStep, submits: ours.submitsPerStep, memory_bytes: ours.memoryBytes } : null,
    skipped: r.skipped,
    row_seconds: r.rowSeconds,
    started: r.started,
    seconds: r.seconds,
    ...(r.failed ? { failed: r.failed } : {}),
  };
}

/** Rows as a Markdown table: the first column left-aligned, the figures right-aligned. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.slice(1).map(line)].join('\n');
}

/** The browser's name and version from its user agent (Chrome/…, Firefox/…, Safari), else the whole string. */
export function browserName(userAgent: string): string {
  return /(?:Edg|Firefox|Chrome|HeadlessChrome)\/[\d.]+/.exec(userAgent)?.[0] ?? (/Version\/[\d.]+.*Safari/.test(userAgent) ? 'Safari' : userAgent);
}

/** bench/RESULTS.md's rows for this run: the device named, the S-curve table, the matmul table, what was not measured. */
export function benchMarkdown(r: PageBenchResults): string {
  const a = r.adapter;
  const device = a ? `${a.description}${a.cpuDriver ? ' — a CPU driver, not a GPU' : ''}, ${browserName(a.userAgent)}` : `no adapter (${r.failed})`;
  const parts = [`**bench.html** on ${device}; ${r.started.slice(0, 10)}${r.settings.quick ? ', ?quick (a smoke test: fewer steps and repeats)' : ''}`];
  if (r.engines.length > 0) {
    parts.push(`S-curve workload (batch 128, MLPDiffusion, Adam, clip 1.0; sampling: tutorial sampler, ${r.settings.sampleN} points × 100 steps); ` +
      'ratios > 1 mean ours is faster', markdownTable(engineRows(new Map(r.engines), r.settings.sampleN, 'ours-webgpu')));
  }
  const skipped = Object.entries(r.skipped).map(([engine, why]) => `${engine}: not measured: ${why}`);
  if (skipped.length > 0) parts.push(skipped.join('  \n'));
  if (Object.keys(r.matmul.gflops).length > 0) {
    parts.push('matmul GFLOP/s (median after a warm-up; webgpu: the kernel the tuner chose, — where a product would take too long)',
      markdownTable(matmulRows(r.matmul, a !== null)));
  }
  const failed = Object.entries(r.matmul.failed).map(([peer, why]) => `${peer} matmul: not measured: ${why}`);
  if (failed.length > 0) parts.push(failed.join('  \n'));
  return `${parts.join('\n\n')}\n`;
}
