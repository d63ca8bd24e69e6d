// The page: wires the controls to the engine's worker and draws what comes back — progress,
// the loss and sliced W1 per epoch, samples as training goes, the reverse process x_T → x_0
// (played, paused, replayed or scrubbed), the checkpoint in and out (points, or an image model's
// grid and strip), exports, and the GPU-vs-CPU check. Everything heavy runs in the worker.
//
// `window.ddpmPage` holds what the page shows (losses, previews, the last samples, the player,
// check results, errors), for the browser test and for anyone curious in the console.

import type { DeviceChoice } from '../engine/webgpu/index.js';
import { makeDataset, type DatasetName } from '../ddpm/points/data.js';
import { clock } from '../ddpm/duration.js';
import type { Frame } from '../ddpm/generate.js';
import { describeImageRun, describeSampler, imageReversePicture, imageSamplesPicture } from '../ddpm/images/pictures.js';
import { imageGrid } from '../ddpm/plot/image-grid.js';
import { formatQuality, type QualityReport } from '../ddpm/points/quality.js';
import { EngineClient } from './client.js';
import { historyCsv, sampleColumns, samplesCsv, type HistoryPoint } from './exports.js';
import { element, FieldError, readRun, readSampling, setUpForm, showConfig, type AddressProblem } from './form.js';
import { drawLoss, drawPoints, drawQuality, drawRaster, robustBounds, squareView } from './plots.js';
import { isImageConfig, type CheckResult, type DeviceInfo, type ModelInfo, type SampleSettings, type WorkerEvent } from './protocol.js';
import { ReversePlayer } from './reverse-player.js';

type Busy = 'starting' | 'training' | 'sampling' | 'loading' | 'saving' | 'checking' | null;

/** Below this width the settings start folded (style.css puts them above the pictures there). */
const NARROW = '(max-width: 760px)';
/** Images in the grid (the CLI's samples.png shows 64 too). */
const GRID_IMAGES = 64;

const state = {
  busy: 'starting' as Busy,
  device: null as DeviceInfo | null,
  model: null as ModelInfo | null,
  losses: [] as number[],
  stepsPerSecond: null as number | null,
  /** The run under way (or the last): the epoch it goes to, the step reached within the current epoch, and its training time still to go. */
  progress: null as { target: number; step: number; stepsPerEpoch: number; secondsLeft: number } | null,
  /** What training does between steps (sampling a preview), shown until the next progress. */
  phase: null as string | null,
  previews: [] as { epoch: number; quality: QualityReport }[],
  lastSample: null as { points: Float32Array; quality: QualityReport | null; seconds: number; frames: number; settings: SampleSettings } | null,
  /** The reverse process as the player holds it: frames kept, the one shown, and the order drawn since the last (re)play. */
  reverse: { count: 0, index: -1, playing: false, drawn: [] as number[] },
  checks: null as CheckResult[] | null,
  errors: [] as string[],
};
(globalThis as { ddpmPage?: typeof state }).ddpmPage = state;

let client: EngineClient | null = null;
const button = (id: string): HTMLButtonElement => element<HTMLButtonElement>(id);
const canvas = (id: string): HTMLCanvasElement => element<HTMLCanvasElement>(id);

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
  button('stop').disabled = busy !== 'training' && busy !== 'sampling';
  button('sample').disabled = !ready || !hasModel;
  button('download').disabled = !ready || !hasModel;
  button('load').disabled = !ready;
  button('check').disabled = !ready || state.device?.backend !== 'webgpu';
  button('export-csv').disabled = state.lastSample === null;
  button('export-history').disabled = state.losses.length === 0 && state.previews.length === 0;
  element<HTMLSelectElement>('device').disabled = busy !== null;
  document.body.dataset.busy = busy ?? '';
}

/**
 * Marks a field the page refuses: its section unfolds, the message sits under the field, and
 * (with `reveal`) the field is scrolled to the middle of the window and takes the focus. Editing
 * the field clears the mark.
 */
function markField(id: string, message: string, reveal: boolean): void {
  const field = element<HTMLInputElement | HTMLSelectElement>(id);
  const box = field.closest<HTMLElement>('.field')!;
  const group = field.closest('details');
  if (group) group.open = true;
  box.hidden = false; // (a DDIM-only field under another sampler)
  box.classList.add('invalid');
  field.setAttribute('aria-invalid', 'true');
  let note = box.querySelector<HTMLElement>('.field-error');
  if (!note) {
    note = Object.assign(document.createElement('small'), { className: 'field-error', id: `${id}-error` });
    note.setAttribute('role', 'alert');
    box.append(note);
    field.setAttribute('aria-describedby', `${field.getAttribute('aria-describedby') ?? ''} ${note.id}`.trim());
  }
  note.textContent = message;
  if (reveal) {
    field.scrollIntoView({ block: 'center' });
    field.focus({ preventScroll: true });
  }
}

/** Takes the mark off a field once it is edited. */
function unmarkField(field: HTMLElement): void {
  const box = field.closest('.field');
  if (!box?.classList.contains('invalid')) return;
  box.classList.remove('invalid');
  field.removeAttribute('aria-invalid');
  box.querySelector('.field-error')?.remove();
  field.setAttribute('aria-describedby', (field.getAttribute('aria-describedby') ?? '').replace(`${field.id}-error`, '').trim());
}

/** What the address asked for and the page did not take: listed under the header, each field marked. */
function showAddressProblems(problems: readonly AddressProblem[]): void {
  const notice = element('address-notice');
  notice.hidden = problems.length === 0;
  element('address-problems').replaceChildren(...problems.map((p) => Object.assign(document.createElement('li'), { textContent: p.message })));
  for (const p of problems) {
    log(p.message, true);
    if (p.field) markField(p.field, p.message, false);
  }
}

/** Runs a call with the page marked busy; its error (if any) goes to the log, and to its field when it is a setting's. */
async function task(busy: Exclude<Busy, null>, work: () => Promise<void>): Promise<void> {
  setBusy(busy);
  try {
    await work();
  } catch (e) {
    log((e as Error).message, true);
    if (e instanceof FieldError) markField(e.field, e.message, true);
  } finally {
    setBusy(null);
  }
}

const fmt = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toPrecision(digits) : String(v));

function showStats(): void {
  const epoch = state.model?.epoch;
  const target = state.progress?.target;
  element('stat-epoch').textContent = epoch === undefined ? '–' : target !== undefined ? `${epoch} / ${target}` : String(epoch);
  const p = state.progress;
  element('stat-step').textContent = state.busy !== 'training' || !p ? ''
    : state.phase ?? (p.stepsPerEpoch > 0 ? `step ${p.step} / ${p.stepsPerEpoch}` : 'starting…');
  element('stat-rate').textContent = state.stepsPerSecond !== null ? state.stepsPerSecond.toFixed(1) : '–';
  element('stat-left').textContent = state.busy === 'training' && p && Number.isFinite(p.secondsLeft) ? clock(p.secondsLeft) : '–';
  element('stat-loss').textContent = state.losses.length ? fmt(state.losses.at(-1)!) : '–';
  const q = state.lastSample?.quality ?? state.previews.at(-1)?.quality;
  element('stat-quality').textContent = q ? fmt(q.slicedW1, 3) : '–';
  element('stat-floor').textContent = q ? `floor ${fmt(q.floor, 2)}` : '';
}

function showModel(): void {
  const m = state.model;
  const c = m?.config;
  element('model-caption').textContent = !m || !c ? 'no model yet'
    : (isImageConfig(c) ? `MLPImageDiffusion · ${describeImageRun(c)}`
      : `MLPDiffusion · ${c.dataset} · preset ${c.preset} · ${c.schedule} schedule, T = ${c.timesteps} · ${c.hidden} hidden units`) +
      (m.parameters > 0 ? `, ${m.parameters.toLocaleString('en')} parameters` : '') +
      (m.epoch !== undefined ? ` · ${m.epoch} epochs` : '');
  showStats();
}

/** Sliced W1 per preview epoch with its floor: the quality chart's points and History CSV's column. */
const qualityHistory = (): HistoryPoint[] => state.previews.map((p) => ({ epoch: p.epoch, slicedW1: p.quality.slicedW1, floor: p.quality.floor }));

function drawCharts(): void {
  drawLoss(canvas('loss-canvas'), state.losses);
  canvas('loss-canvas').setAttribute('aria-label', state.losses.length
    ? `training loss per epoch: ${state.losses.length} epochs, last ${fmt(state.losses.at(-1)!)}` : 'training loss per epoch: no epochs yet');
  const history = qualityHistory();
  drawQuality(canvas('quality-canvas'), history);
  const last = history.at(-1);
  canvas('quality-canvas').setAttribute('aria-label', last
    ? `sliced W1 per epoch: ${history.length} previews, last ${fmt(last.slicedW1, 3)} at epoch ${last.epoch} (floor ${fmt(last.floor, 2)})`
    : 'sliced W1 per epoch: no previews yet');
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

/**
 * Points over their data set. The view takes in the points too, unless `dataView`: then it keeps
 * the data's axes (a preview's, so that an untrained model's stragglers do not shrink the data to
 * a dot) and the caption counts the points outside it.
 */
function drawSamples(points: Float32Array | null, title: string, caption: string, dataView = false): void {
  const config = state.model?.config;
  const dataset = config && !isImageConfig(config) ? config.dataset : (element<HTMLSelectElement>('dataset').value as DatasetName);
  const data = dataFor(dataset);
  const view = points && !dataView ? squareView(data.view, robustBounds(points)) : squareView(data.view);
  const target = canvas('points-canvas');
  target.classList.remove('images');
  drawPoints(target, data.points, points, view, title);
  const outside = points && dataView ? pointsOutside(points, view) : 0;
  const n = points ? points.length / 2 : 0;
  target.setAttribute('aria-label', points ? `${n} samples (blue) over the ${dataset} data (grey): ${title}` : `the ${dataset} data set: ${title}`);
  element('points-caption').textContent = outside > 0 ? `${caption} · ${outside} of ${n} outside the view` : caption;
}

/** How many of [n, 2] points lie outside `view`. */
function pointsOutside(points: Float32Array, view: ReturnType<typeof squareView>): number {
  let outside = 0;
  for (let i = 0; i < points.length; i += 2) {
    const [x, y] = [points[i], points[i + 1]];
    if (!(x >= view.x0 && x <= view.x1 && y >= view.y0 && y <= view.y1)) outside++;
  }
  return outside;
}

/** The first images of a frame or of the final samples, as a grid in the samples' canvas. */
function drawImages(images: Float32Array, title: string, caption: string, final: boolean): void {
  const m = state.model!;
  if (!isImageConfig(m.config)) return;
  const config = m.config;
  const d = config.width * config.height;
  const shown = Math.min(GRID_IMAGES, images.length / d);
  const s = state.lastSample?.settings;
  const raster = final && s
    ? imageSamplesPicture(images, config, { sampler: s.sampler, steps: s.steps ?? config.timesteps, eta: s.eta, epoch: m.epoch, count: shown })
    : imageGrid(images.subarray(0, shown * d), { width: config.width, height: config.height, columns: 8, title });
  const target = canvas('points-canvas');
  target.classList.add('images');
  drawRaster(target, raster);
  target.setAttribute('aria-label', `${shown} images of ${config.dataset}: ${title}`);
  element('points-caption').textContent = caption;
}

/** The reverse process of the first samples as one picture: a row each, x_T … x_0 across. */
function drawStrip(frames: readonly Frame[], settings: SampleSettings): void {
  const config = state.model?.config;
  const figure = element('strip-figure');
  figure.hidden = !config || !isImageConfig(config) || frames.length === 0;
  if (figure.hidden || !config || !isImageConfig(config)) return;
  drawRaster(canvas('strip-canvas'), imageReversePicture(frames, config, { sampler: settings.sampler, steps: settings.steps ?? config.timesteps, eta: settings.eta }));
  canvas('strip-canvas').setAttribute('aria-label', `the reverse process of ${Math.min(8, frames[0].points.length / (config.width * config.height))} samples, ${frames.length} frames from x_T to x_0`);
}

/** "DDIM, 20 steps, η = 0.5", as the CLI says it. */
const describeSettings = (s: SampleSettings, timesteps: number): string => describeSampler(s.sampler, s.steps ?? timesteps, s.eta);

const frameLabel = (frame: Frame): string => (frame.i === 0 ? `x_T (step 0 of ${frame.count})` : `step ${frame.i} of ${frame.count}, t = ${frame.t}`);

/** A frame on screen; the last one, once sampling has finished, with the samples' own title. */
function drawFrame(frame: Frame, index: number): void {
  const s = state.lastSample;
  const final = s !== null && index === player.count - 1;
  const config = state.model?.config;
  const sampler = s?.settings ?? pendingSettings;
  const how = sampler && config ? describeSettings(sampler, config.timesteps) : '';
  if (config && isImageConfig(config)) {
    drawImages(frame.points, `reverse process (${how}): ${frameLabel(frame)}`,
      final ? `${s.points.length / (config.width * config.height)} images, seed ${s.settings.seed} · ${s.seconds.toFixed(2)} s` : frameLabel(frame), final);
  } else if (final) {
    drawSamples(frame.points, `${s.settings.n} samples (${how}, seed ${s.settings.seed})`, `${s.quality ? formatQuality(s.quality) : ''} · ${s.seconds.toFixed(2)} s`);
  } else {
    drawSamples(frame.points, `reverse process (${how}): ${frameLabel(frame)}`,
      frame.i === 0 ? `x_T ~ N(0, I), ${frame.points.length / 2} points` : `x after the step at t = ${frame.t}`);
  }
}

/** The sampling settings of the run whose frames are arriving (before its result is in). */
let pendingSettings: SampleSettings | null = null;

const player = new ReversePlayer(drawFrame, () => {
  state.reverse = { count: player.count, index: player.index, playing: player.isPlaying, drawn: [...player.drawn] };
  const slider = element<HTMLInputElement>('frame');
  slider.max = String(Math.max(0, player.count - 1));
  slider.value = String(Math.max(0, player.index));
  slider.disabled = player.count === 0;
  const playButton = button('play');
  playButton.textContent = player.isPlaying ? 'Pause' : 'Play';
  playButton.setAttribute('aria-label', player.isPlaying ? 'pause the reverse process' : 'play the reverse process');
  playButton.disabled = player.count === 0;
  button('replay').disabled = player.count === 0;
  const shown = player.index >= 0 ? player.all[player.index] : null;
  element('frame-label').textContent = shown ? `frame ${player.index + 1} of ${player.count}: ${frameLabel(shown)}` : 'no frames yet';
});

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
  state.progress = null;
  player.clear();
  element('strip-figure').hidden = true;
  drawCharts();
  showModel();
}

function onTrainingEvent(event: WorkerEvent): void {
  if (event.kind === 'progress') {
    state.losses.push(...event.losses);
    state.stepsPerSecond = event.stepsPerSecond;
    state.progress = { target: event.target, step: event.step, stepsPerEpoch: event.stepsPerEpoch, secondsLeft: event.secondsLeft };
    state.phase = null;
    if (state.model) state.model.epoch = event.epoch;
    drawCharts();
    showStats();
  } else if (event.kind === 'phase') {
    state.phase = event.text;
    showStats();
  } else if (event.kind === 'preview') {
    state.phase = null;
    state.previews.push({ epoch: event.epoch, quality: event.quality });
    state.lastSample = null;
    drawSamples(event.points, `samples after ${event.epoch} epochs`, `${event.points.length / 2} points from the model as it is · ${formatQuality(event.quality)}`, true);
    drawCharts();
    showStats();
  }
}

async function train(fresh: boolean): Promise<void> {
  await task('training', async () => {
    const run = readRun();
    if (fresh) {
      forgetModel();
      state.model = { config: run.config, epoch: 0, parameters: 0, trainable: true };
      showConfig(run.config);
    }
    state.progress = { target: (state.model?.epoch ?? 0) + run.epochs, step: 0, stepsPerEpoch: 0, secondsLeft: NaN };
    state.phase = null;
    showStats();
    log(fresh ? `training a new model: ${run.config.dataset}, preset ${run.config.preset}, ${run.epochs} epochs of ${run.points} points`
      : `training ${run.epochs} more epochs`);
    const result = await client!.call('train', { run, fresh }, onTrainingEvent);
    state.model = result.model;
    showModel();
    log(`${result.stopped ? `stopped at epoch ${result.model.epoch} (an epoch cut short is undone)` : 'trained'}: ${result.steps} steps in ${result.seconds.toFixed(1)} s ` +
      `(${(result.steps / Math.max(result.seconds, 1e-9)).toFixed(1)} steps/s), loss ${fmt(state.losses.at(-1) ?? NaN)}`);
  });
}

async function sample(): Promise<void> {
  await task('sampling', async () => {
    const config = state.model!.config;
    const settings = readSampling(config.timesteps);
    state.lastSample = null;
    pendingSettings = settings;
    player.start();
    const result = await client!.call('sample', settings, (event) => {
      if (event.kind !== 'frame') return;
      player.push(event.frame);
      drawStrip(player.all, settings);
    });
    const how = describeSettings(settings, config.timesteps);
    if (result.stopped || result.points === null) {
      player.end();
      const total = settings.sampler === 'ddim' ? settings.steps : config.timesteps;
      log(`sampling stopped after ${Math.max(0, player.count - 1)} of ${total} steps: nothing kept but the frames shown`);
      return;
    }
    state.lastSample = { points: result.points, quality: result.quality, seconds: result.seconds, frames: player.count, settings };
    player.end();
    player.redraw(); // at the last frame already: it now shows the samples' title
    showStats();
    const what = isImageConfig(config) ? 'images' : 'points';
    log(`sampled ${settings.n} ${what} (${how}) in ${result.seconds.toFixed(2)} s`);
  });
}

/** Saves `blob` as a download called `name`. */
function saveFile(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function download(): Promise<void> {
  await task('saving', async () => {
    const { bytes, name } = await client!.call('save', {});
    saveFile(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }), name);
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
    if (isImageConfig(info.config)) {
      const d = info.config.width * info.config.height;
      drawImages(new Float32Array(8 * d).fill(-1), `${info.config.dataset}: press Sample to draw from it`, `loaded ${file.name}`, false);
    } else {
      drawSamples(null, `${info.config.dataset}: data`, `loaded ${file.name}: press Sample to draw from it`);
    }
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

// ---- exports ----------------------------------------------------------------------------------------

function exportPng(): void {
  canvas('points-canvas').toBlob((blob) => {
    if (!blob) return log('the samples could not be drawn as a PNG', true);
    saveFile(blob, 'ddpm-samples.png');
    log('saved the samples as shown: ddpm-samples.png');
  }, 'image/png');
}

function exportCsv(): void {
  const s = state.lastSample;
  if (!s) return;
  const width = s.points.length / s.settings.n;
  saveFile(new Blob([samplesCsv(s.points, sampleColumns(width))], { type: 'text/csv' }), 'ddpm-samples.csv');
  log(`saved ${s.settings.n} samples: ddpm-samples.csv`);
}

function exportHistory(): void {
  const history = qualityHistory();
  saveFile(new Blob([historyCsv(state.losses, history)], { type: 'text/csv' }), 'ddpm-history.csv');
  log(`saved the loss of ${state.losses.length} epochs and ${history.length} sliced W1 values: ddpm-history.csv`);
}

// ---- start ----------------------------------------------------------------------------------------

showAddressProblems(setUpForm());
for (const event of ['input', 'change']) element('controls').addEventListener(event, (e) => unmarkField(e.target as HTMLElement));
if (matchMedia(NARROW).matches) for (const group of document.querySelectorAll<HTMLDetailsElement>('#controls details')) group.open = false;
button('train').addEventListener('click', () => void train(true));
button('train-more').addEventListener('click', () => void train(false));
button('stop').addEventListener('click', () => {
  void client?.call('stop', {});
  log(state.busy === 'sampling' ? 'stopping the sampler after this step…' : 'stopping the training…');
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
button('play').addEventListener('click', () => (player.isPlaying ? player.pause() : player.play()));
button('replay').addEventListener('click', () => player.replay());
element<HTMLInputElement>('frame').addEventListener('input', (e) => player.seek(Number((e.target as HTMLInputElement).value)));
button('export-png').addEventListener('click', exportPng);
button('export-csv').addEventListener('click', exportCsv);
button('export-history').addEventListener('click', exportHistory);
element<HTMLSelectElement>('device').addEventListener('change', (e) => void startEngine((e.target as HTMLSelectElement).value as DeviceChoice));
element<HTMLSelectElement>('dataset').addEventListener('change', () => { if (!state.model) drawSamples(null, 'data', 'train a model, or load a checkpoint, to see its samples here'); });
drawSamples(null, 'data', 'train a model, or load a checkpoint, to see its samples here');
drawCharts();
addEventListener('resize', () => { drawCharts(); if (state.model === null || !isImageConfig(state.model.config)) player.redraw(); }); // widths follow the window
void startEngine(element<HTMLSelectElement>('device').value as DeviceChoice);
