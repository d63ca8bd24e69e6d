// The benchmark's two tables as rows of text, a header row first: the S-curve workload's (train
// steps/s, sampling time, each with its ratio to ours) and the matmul table's (GFLOP/s by column,
// the tuner's kernel, ours ÷ each peer). `ddpm bench` prints them aligned (bench/bench-command.ts);
// the browser's bench page (bench/page/) shows them and copies them as Markdown.

import type { MatmulTable } from './matmul.js';
import type { EngineResult } from './ours.js';

/**
 * The S-curve table: a row per engine measured, in order, with ratios to `oursName` (by default
 * ours-webgpu, else ours-cpu; blank while it is not measured); > 1 means ours is faster.
 * `sampleN`: the points each sampling run drew.
 */
export function engineRows(results: ReadonlyMap<string, EngineResult>, sampleN: number,
  oursName = results.has('ours-webgpu') ? 'ours-webgpu' : 'ours-cpu'): string[][] {
  const ours = results.get(oursName);
  const rows = [['engine', 'train steps/s', `${oursName} ÷ this`, `sample ${sampleN}×100`, `this ÷ ${oursName}`, 'loss', 'after steps']];
  for (const [engine, r] of results) {
    rows.push([
      engine, r.trainStepsPerSecond.toFixed(1), ours ? `${(ours.trainStepsPerSecond / r.trainStepsPerSecond).toFixed(2)}×` : '',
      ...(Number.isNaN(r.sampleSeconds) ? ['not timed', ''] : [`${r.sampleSeconds.toFixed(2)} s`, ours ? `${(r.sampleSeconds / ours.sampleSeconds).toFixed(2)}×` : '']),
      r.loss.toFixed(4),
      String(r.lossAfterSteps),
    ]);
  }
  return rows;
}

/**
 * The matmul table: a row per shape timed on any column, '—' where a column left it out; with
 * `gpu` (our WebGPU backend ran), the kernel the tuner chose and webgpu ÷ each peer present.
 */
export function matmulRows(matmul: MatmulTable, gpu: boolean): string[][] {
  const g = matmul.gflops;
  const columns = Object.keys(g);
  const labels = [...new Set(columns.flatMap((b) => Object.keys(g[b])))];
  const ratios = ['cpu', 'tfjs-webgpu', 'torch-cpu', 'torch-cuda'].filter((peer) => gpu && 'webgpu' in g && peer in g);
  const ratio = (l: string, peer: string): string => (g.webgpu[l] && g[peer][l] ? `${(g.webgpu[l] / g[peer][l]).toFixed(2)}×` : '—');
  const head = ['shape', ...columns, ...(gpu ? ['webgpu kernel'] : []), ...ratios.map((peer) => `webgpu ÷ ${peer}`)];
  return [head, ...labels.map((l) => [
    l, ...columns.map((b) => g[b][l]?.toFixed(2) ?? '—'),
    ...(gpu ? [matmul.kernels[l] ?? '—'] : []),
    ...ratios.map((peer) => ratio(l, peer)),
  ])];
}
