// The page's controls: filling the menus, presets, the address that holds the settings (so a
// setup is shared by copying it), and reading the form into checked settings (a bad value is an
// error that names the field and what it accepts, never a silent default).

import type * as E from '../engine/index.js';
import { PRESET_NAMES, PRESETS, type ModelConfig, type PresetName } from '../ddpm/points/config.js';
import { DATASETS, type DatasetName } from '../ddpm/points/data.js';
import { SAMPLERS, type SamplerName } from '../ddpm/sample.js';
import { SCHEDULES, type ScheduleName } from '../ddpm/schedules.js';
import { TUTORIAL_TRAIN_SETTINGS } from '../ddpm/train.js';
import { addressQuery, type FieldValues } from './address.js';
import { isImageConfig, type PageModelConfig, type RunSettings, type SampleSettings } from './protocol.js';

export function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

const input = (id: string): HTMLInputElement => element<HTMLInputElement>(id);
const select = (id: string): HTMLSelectElement => element<HTMLSelectElement>(id);

function fill(id: string, values: readonly string[]): void {
  select(id).replaceChildren(...values.map((v) => new Option(v, v)));
}

/** Fields a preset sets; editing one by hand makes the preset 'custom'. */
const PRESET_FIELDS = ['schedule', 'steps', 'data-scale'];

/** The settings' fields, in page order (the file picker aside). */
function fields(): (HTMLInputElement | HTMLSelectElement)[] {
  return [...document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#controls input[id]:not([type="file"]), #controls select[id]')];
}

const fieldValues = (): FieldValues => fields().map((el) => [el.id, el.value]);

/** What each field holds before the address changes it: the address lists only what differs. */
let defaults: FieldValues = [];

/** The address shows the current settings (those that differ from the page's defaults). */
export function syncAddress(): void {
  const query = addressQuery(fieldValues(), defaults);
  if (query !== location.search) history.replaceState(null, '', `${location.pathname}${query}${location.hash}`);
}

/** Shows the fields only one sampler or lr schedule takes. */
function showDependentFields(): void {
  for (const el of document.querySelectorAll<HTMLElement>('.ddim-only')) el.hidden = select('sampler').value !== 'ddim';
  for (const el of document.querySelectorAll<HTMLElement>('.cosine-only')) el.hidden = select('lr-schedule').value !== 'cosine';
}

/**
 * Fills the menus and the preset, then the fields the address sets (?epochs=20&device=cpu…);
 * returns what in the address could not be used, for the log.
 */
export function setUpForm(): string[] {
  fill('dataset', DATASETS);
  fill('preset', [...PRESET_NAMES, 'custom']);
  fill('schedule', SCHEDULES);
  fill('sampler', SAMPLERS);
  select('preset').value = 'improved';
  applyPreset('improved');
  defaults = fieldValues();
  const problems = applyAddress(new URLSearchParams(location.search));
  showDependentFields();
  select('preset').addEventListener('change', () => {
    const p = select('preset').value;
    if (p !== 'custom') applyPreset(p as PresetName);
  });
  for (const id of PRESET_FIELDS) element(id).addEventListener('change', () => { select('preset').value = 'custom'; });
  select('sampler').addEventListener('change', showDependentFields);
  select('lr-schedule').addEventListener('change', showDependentFields);
  // After the handlers above (listeners run in order): the address sees the preset's fields too.
  for (const event of ['input', 'change']) element('controls').addEventListener(event, syncAddress);
  syncAddress();
  return problems;
}

/**
 * The address's settings into the fields, without the fields' own reactions (a preset first, so
 * that the fields after it keep the values the address gives them, as they were when it was made).
 */
function applyAddress(params: URLSearchParams): string[] {
  const problems: string[] = [];
  const known = new Map(fields().map((el) => [el.id, el]));
  const preset = params.get('preset');
  if (preset !== null && preset !== 'custom' && (PRESET_NAMES as readonly string[]).includes(preset)) applyPreset(preset as PresetName);
  for (const [key, value] of params) {
    const el = known.get(key);
    if (!el) {
      problems.push(`the address sets '${key}', which is not a setting here: ignored`);
      continue;
    }
    if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === value)) {
      problems.push(`the address sets ${key}=${value}, not one of ${[...el.options].map((o) => o.value).join(', ')}: kept ${el.value}`);
      continue;
    }
    el.value = value;
  }
  return problems;
}

function applyPreset(name: PresetName): void {
  const p = PRESETS[name];
  select('schedule').value = p.schedule;
  input('steps').value = String(p.timesteps);
  input('data-scale').value = String(p.dataScale);
  select('sampler').value = p.sampler;
  input('lr').value = String(p.lr);
  input('ema').value = String(p.ema);
  select('lr-schedule').value = p.lrDecay;
  input('warmup').value = String(p.warmupSteps);
  input('lr-floor').value = String(p.lrFloor);
  showDependentFields();
}

/** Images drawn by default from an image model: the grid shows 64. */
const IMAGE_SAMPLES = 64;

/**
 * Shows a loaded model's config in the form: a model of points fills the model's fields; an
 * image model (whose training is the CLI's) its sampler, DDIM steps and a grid's worth of samples.
 */
export function showConfig(c: PageModelConfig): void {
  const images = isImageConfig(c);
  element('sample-n-label').textContent = images ? 'images' : 'points';
  select('sampler').value = c.sampler;
  if (images) {
    input('ddim-steps').value = String(c.samplingSteps);
    input('sample-n').value = String(IMAGE_SAMPLES);
  } else {
    select('dataset').value = c.dataset;
    select('preset').value = c.preset;
    select('schedule').value = c.schedule;
    input('steps').value = String(c.timesteps);
    input('data-scale').value = String(c.dataScale);
    input('hidden').value = String(c.hidden);
  }
  showDependentFields();
  syncAddress();
}

function integer(id: string, name: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = Number(input(id).value);
  if (input(id).value.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    throw new Error(`${name} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got '${input(id).value}'`);
  }
  return v;
}

function positive(id: string, name: string): number {
  const v = Number(input(id).value);
  if (input(id).value.trim() === '' || !(v > 0) || !Number.isFinite(v)) throw new Error(`${name} must be a number above 0, got '${input(id).value}'`);
  return v;
}

/** A number in [lo, hi) (or [lo, hi] when `closed`), named in the error. */
function within(id: string, name: string, lo: number, hi: number, closed: boolean): number {
  const v = Number(input(id).value);
  if (input(id).value.trim() === '' || !(v >= lo && (closed ? v <= hi : v < hi))) {
    throw new Error(`${name} must be a number from ${lo} to ${closed ? '' : 'below '}${hi}, got '${input(id).value}'`);
  }
  return v;
}

/** The learning-rate schedule over a fresh run of `steps` steps; the warm-up takes at most a tenth of them (as the CLI's default). */
function readLrSchedule(steps: number): E.LrSchedule {
  const warmupSteps = Math.min(integer('warmup', 'warm-up steps', 0), Math.floor(steps / 10));
  if (select('lr-schedule').value !== 'cosine' || steps <= warmupSteps) return { warmupSteps, decay: 'constant', totalSteps: 0, floor: 1 };
  return { warmupSteps, decay: 'cosine', totalSteps: steps, floor: within('lr-floor', 'lr floor', 0, 1, true) };
}

export function readRun(): RunSettings {
  const preset = select('preset').value as PresetName | 'custom';
  const config: ModelConfig = {
    model: 'MLPDiffusion',
    timesteps: integer('steps', 'steps T', 2, 1000),
    hidden: integer('hidden', 'hidden units', 1, 1024),
    schedule: select('schedule').value as ScheduleName,
    dataset: select('dataset').value as DatasetName,
    dataScale: positive('data-scale', 'data scale'),
    sampler: select('sampler').value as SamplerName,
    preset,
  };
  const points = integer('points', 'training points', 1, 1_000_000);
  const epochs = integer('epochs', 'epochs', 1);
  const batch = integer('batch', 'batch', 1, 100_000);
  return {
    config, points, epochs, batch,
    lr: positive('lr', 'learning rate'),
    clip: TUTORIAL_TRAIN_SETTINGS.clip,
    ema: within('ema', 'weight average', 0, 1, false),
    // Fixed when a run starts ("Train more" continues it: past the end, a cosine stays at its floor).
    lrSchedule: readLrSchedule(epochs * Math.ceil(points / batch)),
    seed: integer('seed', 'seed', 0, 2 ** 32 - 1),
  };
}

export function readSampling(timesteps: number): SampleSettings {
  const sampler = select('sampler').value as SamplerName;
  const settings: SampleSettings = { sampler, n: integer('sample-n', 'points', 1, 100_000), seed: integer('sample-seed', 'seed', 0, 2 ** 32 - 1) };
  if (sampler === 'ddim') {
    settings.steps = integer('ddim-steps', 'DDIM steps', 1, timesteps);
    const eta = Number(input('eta').value);
    if (input('eta').value.trim() === '' || !(eta >= 0) || !Number.isFinite(eta)) throw new Error(`η must be a number ≥ 0, got '${input('eta').value}'`);
    settings.eta = eta;
  }
  return settings;
}
