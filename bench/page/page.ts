// The bench page (web/bench.html): a Run button that starts the benchmark in a worker
// (bench/page/worker.ts — WebGPU work, ours and TensorFlow.js's, runs there, off this thread) and
// draws what comes back as it comes: the adapter and its limits, a warning where the adapter is
// a CPU's (SwiftShader, lavapipe, llvmpipe, a fallback adapter), what is being measured, the
// S-curve rows and the matmul table filled in row by row, then the JSON download and "Copy as
// Markdown". The address chooses: ?quick, a quick run started at once (CI's smoke test); ?run,
// the full run started at once; neither, the full run on Run.
//
// `window.benchPage` holds what the page shows (the results, the Markdown last copied, the JSON
// last downloaded, errors), for the browser test and for anyone curious in the console.

import { engineRows, matmulRows } from '../tables.js';
import type { BenchWorkerMessage } from './worker.js';
import { PAGE_ENGINES, pageBenchSettings, type AdapterReport, type PageBenchResults, type StartRun } from './protocol.js';
import { benchJson, benchMarkdown } from './report.js';

const state = {
  phase: 'idle' as 'idle' | 'running' | 'done',
  results: null as PageBenchResults | null,
  /** The text "Copy as Markdown" last produced. */
  copied: null as string | null,
  /** The JSON last downloaded. */
  downloaded: null as string | null,
  errors: [] as string[],
};
(globalThis as { benchPage?: typeof state }).benchPage = state;

const query = new URLSearchParams(location.search);
const quick = query.has('quick');
const settings = pageBenchSettings(quick);

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`bench.html has no #${id}`);
  return el as T;
}

/** A new element with text and attributes. */
function make(tag: string, text = '', attributes: Record<string, string> = {}): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = text;
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

function fail(message: string): void {
  state.errors.push(message);
  const status = element('status');
  status.textContent = `the run broke: ${message}`;
  status.className = 'status error';
}

// ---- drawing ---------------------------------------------------------------------------------

const bytes = (n: number): string => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(0)} MiB` : `${(n / 2 ** 10).toFixed(0)} KiB`);

function drawAdapter(a: AdapterReport): void {
  element('adapter-name').textContent = a.description;
  const list = element('adapter-details');
  list.replaceChildren();
  const item = (term: string, value: string): void => { list.append(make('dt', term), make('dd', value)); };
  item('vendor / architecture', [a.vendor, a.architecture].filter(Boolean).join(' / ') || '(not said)');
  item('description', a.adapterDescription || '(not said)');
  for (const [name, value] of Object.entries(a.limits)) item(name, /Size$/.test(name) && value >= 2 ** 10 ? `${value} (${bytes(value)})` : String(value));
  item('subgroup sizes', a.subgroupSizes ? `${a.subgroupSizes[0]}–${a.subgroupSizes[1]}` : '(not said)');
  item('features taken', a.features.join(', ') || 'none');
  item('browser', a.userAgent);
  element('software-warning').hidden = !a.cpuDriver;
}

/** The S-curve table: a row per engine, measured, being measured, waiting, or not measured and why. */
function drawEngines(r: PageBenchResults): void {
  const measured = new Map(r.engines);
  const rows = engineRows(measured, r.settings.sampleN, 'ours-webgpu');
  const head = rows[0];
  const table = element<HTMLTableElement>('engines');
  table.replaceChildren();
  const tr = document.createElement('tr');
  for (const h of head) tr.append(make('th', h, { scope: 'col' }));
  table.createTHead().append(tr);
  const body = table.createTBody();
  for (const engine of PAGE_ENGINES) {
    const row = document.createElement('tr');
    row.dataset.engine = engine;
    const cells = rows.find((cellsOf) => cellsOf[0] === engine && measured.has(engine));
    const why = r.skipped[engine];
    row.append(make('th', engine, { scope: 'row' }));
    if (cells) for (const cell of cells.slice(1)) row.append(make('td', cell));
    else {
      const running = r.running?.startsWith(`${engine}:`);
      const text = why !== undefined ? `not measured: ${why}` : running ? 'measuring…' : r.running === null ? 'not measured' : 'waiting';
      row.append(make('td', text, { colspan: String(head.length - 1), class: why !== undefined ? 'not-measured' : 'pending' }));
    }
    body.append(row);
  }
}

/** The matmul table: GFLOP/s by column, the tuner's kernel, webgpu ÷ tfjs-webgpu. */
function drawMatmul(r: PageBenchResults): void {
  const table = element<HTMLTableElement>('matmul');
  table.replaceChildren();
  const rows = matmulRows(r.matmul, r.adapter !== null);
  const tr = document.createElement('tr');
  for (const h of rows[0]) tr.append(make('th', h, { scope: 'col' }));
  table.createTHead().append(tr);
  const body = table.createTBody();
  for (const cells of rows.slice(1)) {
    const row = document.createElement('tr');
    row.dataset.shape = cells[0];
    row.append(make('th', cells[0], { scope: 'row' }));
    cells.slice(1).forEach((cell, i) => row.append(make('td', cell, { 'data-column': rows[0][i + 1] })));
    body.append(row);
  }
  const notes = element('matmul-notes');
  notes.replaceChildren(...Object.entries(r.matmul.failed).map(([peer, why]) => make('li', `${peer} matmul: not measured: ${why}`, { class: 'not-measured' })));
}

function draw(r: PageBenchResults): void {
  state.results = r;
  if (r.adapter) drawAdapter(r.adapter);
  else if (r.failed) element('adapter-name').textContent = `no WebGPU adapter: ${r.failed}`;
  drawEngines(r);
  drawMatmul(r);
  const times = Object.entries(r.rowSeconds).map(([row, seconds]) => `${row} ${seconds.toFixed(1)} s`);
  element('row-times').textContent = times.length > 0 ? `time per row, warm-ups included: ${times.join(', ')}` : '';
  const status = element('status');
  status.textContent = r.running ? `measuring ${r.running} … (${r.seconds.toFixed(0)} s so far)` : `done in ${r.seconds.toFixed(1)} s${r.settings.quick ? ' (quick run)' : ''}`;
  status.className = r.running ? 'status running' : 'status';
  if (r.running === null) finish();
}

function finish(): void {
  state.phase = 'done';
  element<HTMLButtonElement>('run').disabled = false;
  element<HTMLButtonElement>('download').disabled = false;
  element<HTMLButtonElement>('copy').disabled = false;
}

// ---- the run and the buttons -----------------------------------------------------------------

function run(): void {
  if (state.phase === 'running') return;
  state.phase = 'running';
  state.results = null;
  for (const id of ['run', 'download', 'copy']) element<HTMLButtonElement>(id).disabled = true;
  element('status').textContent = 'starting the worker…';
  const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e: MessageEvent<BenchWorkerMessage>) => {
    if ('error' in e.data) {
      fail(e.data.error);
      finish();
    } else draw(e.data.results);
    if (state.phase === 'done') worker.terminate();
  };
  worker.onerror = (e) => {
    fail(e.message || 'the worker failed to start');
    finish();
    worker.terminate();
  };
  const start: StartRun = { settings };
  worker.postMessage(start);
}

function download(): void {
  if (!state.results) return;
  const text = `${JSON.stringify(benchJson(state.results), null, 2)}\n`;
  state.downloaded = text;
  const link = make('a', '', { download: `bench-${state.results.started.slice(0, 19).replace(/:/g, '-')}.json` }) as HTMLAnchorElement;
  link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

async function copy(): Promise<void> {
  if (!state.results) return;
  const text = benchMarkdown(state.results);
  state.copied = text;
  const out = element<HTMLTextAreaElement>('markdown');
  out.value = text;
  out.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    element('copy-note').textContent = 'copied to the clipboard (also shown below)';
  } catch {
    out.select();
    element('copy-note').textContent = 'the browser refused the clipboard: the Markdown is selected below, copy it by hand';
  }
}

element('run').addEventListener('click', run);
element('download').addEventListener('click', download);
element('copy').addEventListener('click', () => void copy());
element('mode').textContent = quick
  ? 'Quick run (?quick): a few steps and small sizes, to see that everything runs — not figures to quote.'
  : `Full run: ${settings.blocks} timed blocks per engine, ${settings.sampleN.toLocaleString('en')} points sampled, matmul shapes up to about ${settings.maxSeconds} s a product. It takes a few minutes.`;
if (!('gpu' in navigator)) {
  fail('this browser offers no WebGPU (navigator.gpu): use Chrome or Edge 113+, or Chromium with --enable-unsafe-webgpu');
  element<HTMLButtonElement>('run').disabled = true;
} else if (quick || query.has('run')) run();
