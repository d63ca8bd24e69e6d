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

/** A setting in the address that the page did not take, and the field it names (if any). */
export interface AddressProblem {
  message: string;
  field?: string;
}

/**
 * Fills the menus and the preset, then the fields the address sets (?epochs=20&device=cpu…);
 * returns what in the address could not be used or is refused (a value out of its field's
 * range), for the page to show.
 */
export function setUpForm(): AddressProblem[] {
  fill('dataset', DATASETS);
  fill('preset', [...PRESET_NAMES, 'custom']);
  fill('schedule', SCHEDULES);
  fill('sampler', SAMPLERS);
  select('preset').value = 'improved';
  applyPreset('improved');
  defaults = fieldValues();
  const params = new URLSearchParams(location.search);
  const problems = applyAddress(params);
  for (const refused of refusedFields()) {
    if (params.has(refused.field)) problems.push({ message: `the address sets ${refused.field}=${params.get(refused.field)}: ${refused.message}`, field: refused.field });
  }
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
function applyAddress(params: URLSearchParams): AddressProblem[] {
  const problems: AddressProblem[] = [];
  const known = new Map(fields().map((el) => [el.id, el]));
  const preset = params.get('preset');
  if (preset !== null && preset !== 'custom' && (PRESET_NAMES as readonly string[]).includes(preset)) applyPreset(preset as PresetName);
  for (const [key, value] of params) {
    const el = known.get(key);
    if (!el) {
      problems.push({ message: `the address sets '${key}', which is not a setting here: ignored` });
      continue;
    }
    if (el instanceof HTMLSelectElement && ![...el.options].some((o) => o.value === value)) {
      problems.push({ message: `the address sets ${key}=${value}, not one of ${[...el.options].map((o) => o.value).join(', ')}: kept ${el.value}`, field: key });
      continue;
    }
    const before = el.value;
    el.value = value;
    if (el.value !== value) { // a number field takes no text that is not a number (it would be left empty)
      el.value = before;
      problems.push({ message: `the address sets ${key}=${value}, which is not a number: kept ${before}`, field: key });
    }
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

/** A setting the page refuses: which field, and why (the page shows it at the field). */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

/** A number field's rule: its name in messages and the values it takes (`min` excluded when `above`, `max` when `belowMax`). */
interface NumberRule { name: string; whole?: boolean; min: number; max?: number; above?: boolean; belowMax?: boolean }

const SEED_RULE: Omit<NumberRule, 'name'> = { whole: true, min: 0, max: 2 ** 32 - 1 };

/** Every number field's rule, by id (DDIM steps ≤ T is checked when sampling, T being the model's). */
const NUMBER_RULES: Record<string, NumberRule> = {
  steps: { name: 'steps T', whole: true, min: 2, max: 1000 },
  'data-scale': { name: 'data scale', min: 0, above: true },
  hidden: { name: 'hidden units', whole: true, min: 1, max: 1024 },
  points: { name: 'training points', whole: true, min: 1, max: 1_000_000 },
  epochs: { name: 'epochs', whole: true, min: 1 },
  batch: { name: 'batch', whole: true, min: 1, max: 100_000 },
  lr: { name: 'learning rate', min: 0, above: true },
  warmup: { name: 'warm-up steps', whole: true, min: 0 },
  'lr-floor': { name: 'lr floor', min: 0, max: 1 },
  ema: { name: 'weight average', min: 0, max: 1, belowMax: true },
  seed: { name: 'seed', ...SEED_RULE },
  'ddim-steps': { name: 'DDIM steps', whole: true, min: 1 },
  eta: { name: 'η', min: 0 },
  'sample-n': { name: 'points', whole: true, min: 1, max: 100_000 },
  'sample-seed': { name: 'seed', ...SEED_RULE },
};

/** What a rule takes, in words: "a whole number from 1 to 1024", "a number above 0". */
function accepted(r: NumberRule): string {
  const kind = r.whole ? 'a whole number' : 'a number';
  if (r.above) return `${kind} above ${r.min}`;
  if (r.max === undefined) return r.whole ? `${kind} from ${r.min} up` : `${kind} ≥ ${r.min}`;
  return `${kind} from ${r.min} to ${r.belowMax ? 'below ' : ''}${r.max}`;
}

/** Why `text` does not fit `rule` (null: it does). */
function refusal(rule: NumberRule, text: string): string | null {
  const v = Number(text);
  const fits = text.trim() !== '' && Number.isFinite(v) && (!rule.whole || Number.isInteger(v)) &&
    (rule.above ? v > rule.min : v >= rule.min) && (rule.max === undefined || (rule.belowMax ? v < rule.max : v <= rule.max));
  return fits ? null : `${rule.name} must be ${accepted(rule)}, got '${text}'`;
}

/** The number in field `id`, checked against its rule (and `max`, when given); a FieldError names the field. */
function numberField(id: string, max?: number): number {
  const rule = max === undefined ? NUMBER_RULES[id] : { ...NUMBER_RULES[id], max };
  const problem = refusal(rule, input(id).value);
  if (problem) throw new FieldError(id, problem);
  return Number(input(id).value);
}

/** Each number field whose value its rule refuses, with why (the address's refusals, as the page opens). */
function refusedFields(): FieldError[] {
  return Object.entries(NUMBER_RULES).flatMap(([id, rule]) => {
    const problem = refusal(rule, input(id).value);
    return problem ? [new FieldError(id, problem)] : [];
  });
}

/** The learning-rate schedule over a fresh run of `steps` steps; the warm-up takes at most a tenth of them (as the CLI's default). */
function readLrSchedule(steps: number): E.LrSchedule {
  const warmupSteps = Math.min(numberField('warmup'), Math.floor(steps / 10));
  if (select('lr-schedule').value !== 'cosine' || steps <= warmupSteps) return { warmupSteps, decay: 'constant', totalSteps: 0, floor: 1 };
  return { warmupSteps, decay: 'cosine', totalSteps: steps, floor: numberField('lr-floor') };
}

export function readRun(): RunSettings {
  const preset = select('preset').value as PresetName | 'custom';
  const config: ModelConfig = {
    model: 'MLPDiffusion',
    timesteps: numberField('steps'),
    hidden: numberField('hidden'),
    schedule: select('schedule').value as ScheduleName,
    dataset: select('dataset').value as DatasetName,
    dataScale: numberField('data-scale'),
    sampler: select('sampler').value as SamplerName,
    preset,
  };
  const points = numberField('points');
  const epochs = numberField('epochs');
  const batch = numberField('batch');
  return {
    config, points, epochs, batch,
    lr: numberField('lr'),
    clip: TUTORIAL_TRAIN_SETTINGS.clip,
    ema: numberField('ema'),
    // Fixed when a run starts ("Train more" continues it: past the end, a cosine stays at its floor).
    lrSchedule: readLrSchedule(epochs * Math.ceil(points / batch)),
    seed: numberField('seed'),
  };
}

export function readSampling(timesteps: number): SampleSettings {
  const sampler = select('sampler').value as SamplerName;
  const settings: SampleSettings = { sampler, n: numberField('sample-n'), seed: numberField('sample-seed') };
  if (sampler === 'ddim') {
    settings.steps = numberField('ddim-steps', timesteps);
    settings.eta = numberField('eta');
  }
  return settings;
}
