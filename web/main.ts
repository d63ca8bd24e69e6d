// The page: wires the controls to the engine's worker and draws what comes back — the loss per
// epoch and samples as training goes, the reverse process x_T → x_0 as an animation, the
// checkpoint in and out, and the GPU-vs-CPU check. Everything heavy runs in the worker.
//
// `window.ddpmPage` holds what the page shows (losses, previews, the last samples, check
// results, errors), for the browser test and for anyone curious in the console.

import type { DeviceChoice } from '../engine/webgpu/index.js';
import { makeDataset, type DatasetName } from '../ddpm/data.js';
import type { Frame } from '../ddpm/generate.js';
import { formatQuality, type QualityReport } from '../ddpm/quality.js';
import { EngineClient } from './client.js';
import { element, readRun, readSampling, setUpForm, showConfig } from './form.js';
import { drawLoss, drawPoints, robustBounds, squareView } from './plots.js';
import type { CheckResult, DeviceInfo, ModelInfo, WorkerEvent } from './protocol.js';

type Busy = 'starting' | 'training' | 'sampling' | 'loading' | 'saving' | 'checking' | null;

const state = {
  busy: 'starting' as Busy,
  device: null as DeviceInfo | null,
  model: null as ModelInfo | null,
  losses: [] as number[],
  stepsPerSecond: null as number | null,
  previews: [] as { epoch: number; quality: QualityReport }[],
  lastSample: null as { points: Float32Array; quality: QualityReport; seconds: number; frames: number } | null,
  checks: null as CheckResult[] | null,
  errors: [] as string[],
};
(globalThis as { ddpmPage?: typeof state }).ddpmPage = state;

let client: EngineClient | null = null;
const button = (id: string): HTMLButtonElement => element<HTMLButtonElement>(id);

// ---- log and status --------------------------------------------------------------------------

function log(message: string, isError = false): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${message}`;
  if (isError) item.className = 'error';
  const list = element('log');
  list.prepend(item);
  while (list.children.length > 200) list.lastChild!.remove();
  if (isError) state.errors.push(message);
}

function setBusy(busy: Busy): void {
  state.busy = busy;
  const ready = busy === null && state.device !== null; // idle, with an engine that started
  const hasModel = state.model !== null;
  button('train').disabled = !ready;
  button('train-more').disabled = !ready || !state.model?.trainable;
  button('stop').disabled = busy !== 'training';
  button('sample').disabled = !ready || !hasModel;
  button('download').disabled = !ready || !hasModel;
  button('load').disabled = !ready;
  button('check').disabled = !ready || state.device?.backend !== 'webgpu';
  element<HTMLSelectElement>('device').disabled = busy !== null;
  document.body.dataset.busy = busy ?? '';
}

/** Runs a call with the page marked busy; its error (if any) goes to the log. */
async function task(busy: Exclude<Busy, null>, work: () => Promise<void>): Promise<void> {
  setBusy(busy);
  try {
    await work();
  } catch (e) {
    log((e as Error).message, true);
  } finally {
    setBusy(null);
  }
}

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toPrecision(digits) : String(v));

function showStats(): void {
  const epoch = state.model?.epoch;
  element('stat-epoch').textContent = epoch !== undefined ? String(epoch) : '–';
  element('stat-rate').textContent = state.stepsPerSecond !== null ? state.stepsPerSecond.toFixed(1) : '–';
  element('stat-loss').textContent = state.losses.length ? fmt(state.losses.at(-1)!) : '–';
  const q = state.lastSample?.quality ?? state.previews.at(-1)?.quality;
  element('stat-quality').textContent = q ? fmt(q.slicedW1, 3) : '–';
  element('stat-floor').textContent = q ? `floor ${fmt(q.floor, 2)}` : '';
}

function showModel(): void {
  const m = state.model;
  element('model-caption').textContent = m
    ? `MLPDiffusion · ${m.config.dataset} · preset ${m.config.preset} · ${m.config.schedule} schedule, T = ${m.config.numSteps} · ` +
      `${m.config.hidden} hidden units` + (m.parameters > 0 ? `, ${m.parameters.toLocaleString('en')} parameters` : '') +
      (m.epoch !== undefined ? ` · ${m.epoch} epochs` : '')
    : 'no model yet';
  showStats();
}

// ---- pictures -----------------------------------------------------------------------------------

const dataCache = new Map<string, { points: Float32Array; view: ReturnType<typeof robustBounds> }>();
/** Data points to draw behind samples (in data units), and their box. */
function dataFor(dataset: DatasetName): { points: Float32Array; view: ReturnType<typeof robustBounds> } {
  let d = dataCache.get(dataset);
  if (!d) {
    const points = makeDataset(dataset, 2000, 1_000_001);
    d = { points, view: robustBounds(points) };
    dataCache.set(dataset, d);
  }
  return d;
}

function drawSamples(points: Float32Array | null, title: string, caption: string): void {
  const dataset = state.model?.config.dataset ?? (element<HTMLSelectElement>('dataset').value as DatasetName);
  const data = dataFor(dataset);
  const view = points ? squareView(data.view, robustBounds(points)) : squareView(data.view);
  drawPoints(element<HTMLCanvasElement>('points-canvas'), data.points, points, view, title);
  element('points-caption').textContent = caption;
}

/** Plays frames of the reverse process at a steady pace, however fast they arrive. */
class FramePlayer {
  private readonly queue: Frame[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private drained: (() => void) | null = null;
  constructor(private readonly sampler: string, private readonly msPerFrame = 40) {}

  push(frame: Frame): void {
    this.queue.push(frame);
    this.timer ??= setInterval(() => this.tick(), this.msPerFrame);
  }

  private tick(): void {
    const frame = this.queue.shift();
    if (!frame) {
      clearInterval(this.timer!);
      this.timer = null;
      this.drained?.();
      return;
    }
    drawSamples(frame.points, `reverse process, ${this.sampler} sampler: step ${frame.i} of ${frame.count}`,
      frame.i === 0 ? `x_T ~ N(0, I), ${frame.points.length / 2} points` : `x after the step at t = ${frame.t}`);
  }

  /** Resolves when every queued frame has been shown. */
  finished(): Promise<void> {
    return this.timer === null ? Promise.resolve() : new Promise((resolve) => { this.drained = resolve; });
  }
}

// ---- the engine -----------------------------------------------------------------------------------

/** A fresh worker on `choice`; the model the old one held is gone (download it first to keep it). */
async function startEngine(choice: DeviceChoice): Promise<void> {
  client?.terminate();
  state.device = null;
  forgetModel();
  const line = element('device-line');
  line.className = 'device pending';
  line.textContent = 'starting the engine…';
  await task('starting', async () => {
    client = new EngineClient(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }), (m) => log(m, true));
    const info = await client.call('init', { device: choice }).catch((e: Error) => {
      line.className = 'device cpu';
      line.textContent = `The engine did not start on '${choice}': ${e.message} Pick another device below.`;
      throw e;
    });
    state.device = info;
    line.className = `device ${info.backend}`;
    line.textContent = info.fallbackReason
      ? `No WebGPU here, so the engine runs on its CPU reference path (slower). ${info.fallbackReason}`
      : `Running on ${info.description} · ${info.engine} engine`;
    log(`engine ready: ${info.description}`);
    showModel();
  });
}

/** Clears what the page shows of the current model (before a new one). */
function forgetModel(): void {
  state.model = null;
  state.losses = [];
  state.previews = [];
  state.lastSample = null;
  state.stepsPerSecond = null;
  drawLoss(element<HTMLCanvasElement>('loss-canvas'), state.losses);
  showModel();
}

function onTrainingEvent(event: WorkerEvent): void {
  if (event.kind === 'progress') {
    state.losses.push(...event.losses);
    state.stepsPerSecond = event.stepsPerSecond;
    if (state.model) state.model.epoch = event.epoch;
    drawLoss(element<HTMLCanvasElement>('loss-canvas'), state.losses);
    showStats();
  } else if (event.kind === 'preview') {
    state.previews.push({ epoch: event.epoch, quality: event.quality });
    state.lastSample = null;
    drawSamples(event.points, `samples after ${event.epoch} epochs`, `${event.points.length / 2} points from the model as it is · ${formatQuality(event.quality)}`);
    showStats();
  }
}

async function train(fresh: boolean): Promise<void> {
  await task('training', async () => {
    const run = readRun();
    if (fresh) {
      forgetModel();
      state.model = { config: run.config, epoch: 0, parameters: 0, trainable: true };
    }
    log(fresh ? `training a new model: ${run.config.dataset}, preset ${run.config.preset}, ${run.epochs} epochs of ${run.points} points`
      : `training ${run.epochs} more epochs`);
    const result = await client!.call('train', { run, fresh }, onTrainingEvent);
    state.model = result.model;
    showModel();
    log(`${result.stopped ? 'stopped' : 'trained'}: ${result.steps} steps in ${result.seconds.toFixed(1)} s ` +
      `(${(result.steps / Math.max(result.seconds, 1e-9)).toFixed(1)} steps/s), loss ${fmt(state.losses.at(-1) ?? NaN)}`);
  });
}

async function sample(): Promise<void> {
  await task('sampling', async () => {
    const settings = readSampling(state.model!.config.numSteps);
    const player = new FramePlayer(settings.sampler);
    let frames = 0;
    const result = await client!.call('sample', settings, (event) => {
      if (event.kind === 'frame') { frames++; player.push(event.frame); }
    });
    await player.finished();
    state.lastSample = { ...result, frames };
    const how = settings.sampler === 'ddim' ? `DDIM, ${settings.steps} steps, η = ${settings.eta}` : `${settings.sampler} sampler`;
    drawSamples(result.points, `${settings.n} samples (${how}, seed ${settings.seed})`, `${formatQuality(result.quality)} · ${result.seconds.toFixed(2)} s`);
    showStats();
    log(`sampled ${settings.n} points (${how}) in ${result.seconds.toFixed(2)} s`);
  });
}

async function download(): Promise<void> {
  await task('saving', async () => {
    const { bytes, name } = await client!.call('save', {});
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: name });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    log(`downloaded ${name} (${bytes.length.toLocaleString('en')} bytes)`);
  });
}

async function load(file: File): Promise<void> {
  await task('loading', async () => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const info = await client!.call('load', { bytes, name: file.name }, undefined, [bytes.buffer]);
    forgetModel();
    state.model = info;
    showConfig(info.config);
    showModel();
    drawSamples(null, `${info.config.dataset}: data`, `loaded ${file.name}: press Sample to draw from it`);
    if (info.note) log(`note: ${info.note}`);
    log(`loaded ${file.name}`);
  });
}

async function check(): Promise<void> {
  await task('checking', async () => {
    const results = await client!.call('check', {});
    state.checks = results;
    const table = element<HTMLTableElement>('checks');
    table.tBodies[0].replaceChildren(...results.map((r) => {
      const row = document.createElement('tr');
      for (const [text, cls] of [[r.name, ''], [r.maxError.toExponential(2), ''], [r.rule, ''], [r.ok ? 'pass' : 'FAIL', r.ok ? 'ok' : 'bad']]) {
        const cell = document.createElement('td');
        cell.textContent = text;
        if (cls) cell.className = cls;
        row.append(cell);
      }
      return row;
    }));
    table.hidden = false;
    const failed = results.filter((r) => !r.ok).length;
    log(failed === 0 ? `GPU vs CPU: all ${results.length} outputs within tolerance` : `GPU vs CPU: ${failed} of ${results.length} outputs OUT of tolerance`, failed > 0);
  });
}

// ---- start ----------------------------------------------------------------------------------------

setUpForm();
button('train').addEventListener('click', () => void train(true));
button('train-more').addEventListener('click', () => void train(false));
button('stop').addEventListener('click', () => {
  void client?.call('stop', {});
  log('stopping after this slice of training…');
});
button('sample').addEventListener('click', () => void sample());
button('download').addEventListener('click', () => void download());
button('load').addEventListener('click', () => element<HTMLInputElement>('load-file').click());
element<HTMLInputElement>('load-file').addEventListener('change', (e) => {
  const input = e.target as HTMLInputElement;
  const file = input.files?.[0];
  input.value = '';
  if (file) void load(file);
});
button('check').addEventListener('click', () => void check());
element<HTMLSelectElement>('device').addEventListener('change', (e) => void startEngine((e.target as HTMLSelectElement).value as DeviceChoice));
element<HTMLSelectElement>('dataset').addEventListener('change', () => { if (!state.model) drawSamples(null, 'data', 'train a model, or load a checkpoint, to see its samples here'); });
drawSamples(null, 'data', 'train a model, or load a checkpoint, to see its samples here');
drawLoss(element<HTMLCanvasElement>('loss-canvas'), state.losses);
addEventListener('resize', () => drawLoss(element<HTMLCanvasElement>('loss-canvas'), state.losses)); // its width follows the window
void startEngine(element<HTMLSelectElement>('device').value as DeviceChoice);
