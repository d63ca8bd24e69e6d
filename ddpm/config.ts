// What a model is (the config a checkpoint carries) and the presets a run starts from.
//
//   seed      the S-curve tutorial, faithfully: sigmoid schedule over T = 100 steps (ᾱ_T ≈ 0.78,
//             so x_T is far from the N(0, I) that sampling starts from), the data as it is
//             (about ±0.1), the tutorial's p_sample_loop, 4000 epochs.
//   improved  the same network, batch and T, but the data scaled ×10 (to about unit size, the
//             scale of the N(0, I) that sampling starts from), Nichol & Dhariwal's cosine
//             schedule (ᾱ_T ≈ 0: x_T is noise, as sampling assumes), Ho et al.'s sampler (no
//             noise added at the last step), and the optimisation diffusion trainers use: Adam
//             at 5e-3 warmed up over 100 steps and decayed along a cosine to a tenth, sampled
//             from a weight average (decay 0.999). Samples are scaled back. Each choice was
//             measured at 40–60 epochs (README, "Presets"): the cosine schedule and the higher
//             learning rate each help; the higher rate needs the decay and the average.
//
// In a checkpoint's __metadata__.config the keys are snake_case, the tutorial's constructor
// names where it has them: {"model":"MLPDiffusion","n_steps":100,"num_units":128,…}.

import { DATASETS, type DatasetName } from './data.js';
import { SAMPLERS, type SamplerName } from './sample.js';
import { SCHEDULES, type ScheduleName } from './schedules.js';

export interface ModelConfig {
  model: 'MLPDiffusion';
  /** T: the number of diffusion steps (rows of each step embedding). */
  numSteps: number;
  /** Width of the hidden layers (the tutorial's num_units). */
  hidden: number;
  schedule: ScheduleName;
  dataset: DatasetName;
  /** The network sees data × dataScale; samples are divided by it. */
  dataScale: number;
  /** The sampler used when none is asked for. */
  sampler: SamplerName;
  preset: PresetName | 'custom';
}

export type PresetName = 'seed' | 'improved';
export const PRESET_NAMES: readonly PresetName[] = ['seed', 'improved'];

export interface Preset {
  readonly summary: string;
  readonly schedule: ScheduleName;
  readonly numSteps: number;
  readonly dataScale: number;
  readonly sampler: SamplerName;
  readonly epochs: number;
  /** The optimisation over the run: Adam's learning rate, a weight average's decay (0: none), and the learning-rate schedule. */
  readonly lr: number;
  readonly ema: number;
  readonly lrDecay: 'constant' | 'cosine';
  readonly warmupSteps: number;
  readonly lrFloor: number;
}

export const PRESETS: Record<PresetName, Preset> = {
  seed: {
    summary: "the tutorial's: sigmoid schedule, T = 100 (ᾱ_T ≈ 0.78), data as is, tutorial sampler",
    schedule: 'sigmoid', numSteps: 100, dataScale: 1, sampler: 'tutorial', epochs: 4000,
    lr: 1e-3, ema: 0, lrDecay: 'constant', warmupSteps: 0, lrFloor: 1,
  },
  improved: {
    summary: 'cosine schedule, T = 100 (ᾱ_T ≈ 0), data ×10, DDPM sampler; lr 5e-3 with warm-up and cosine decay, weight average 0.999',
    schedule: 'cosine', numSteps: 100, dataScale: 10, sampler: 'ddpm', epochs: 4000,
    lr: 5e-3, ema: 0.999, lrDecay: 'cosine', warmupSteps: 100, lrFloor: 0.1,
  },
};

function serialize(c: ModelConfig): Record<string, unknown> {
  return {
    model: c.model, n_steps: c.numSteps, num_units: c.hidden, schedule: c.schedule, dataset: c.dataset,
    data_scale: c.dataScale, sampler: c.sampler, preset: c.preset,
  };
}

export function modelConfigJson(c: ModelConfig): string {
  return JSON.stringify(serialize(c));
}

/** Reads a checked field of a config object: the message names the field and what it must be. */
export type ConfigField = <T>(key: string, ok: (v: unknown) => boolean, expected: string) => T;

/** The fields of `__metadata__.config` JSON, each read through a check. */
export function configFields(json: string): ConfigField {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error(`__metadata__.config is not JSON: ${JSON.stringify(json.slice(0, 80))}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error('__metadata__.config is not a JSON object');
  return <T>(key: string, ok: (v: unknown) => boolean, expected: string): T => {
    if (!ok(raw[key])) throw new Error(`__metadata__.config.${key} must be ${expected}, got ${JSON.stringify(raw[key])}`);
    return raw[key] as T;
  };
}

export const positiveInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

/**
 * The largest sizes a model's config may give: far beyond any run here, yet small enough that a
 * config read from a file cannot have its model take gigabytes before the file's tensors are
 * checked against it (ddpm train's flags stop at the same limits).
 */
export const SIZE_LIMITS = {
  /** T. */
  numSteps: 100_000,
  /** A hidden layer's units, a U-Net level's channels, a classifier's hidden units. */
  width: 16_384,
  /** Hidden layers of an MLP, levels of a U-Net. */
  depth: 64,
  /** The sinusoidal timestep embedding's width. */
  timeDim: 4096,
  /** An image's height or width. */
  imageSide: 1024,
  /** Values in a table over every timestep: [T, time_dim], or [T, pixels] for a variance per pixel (64 MiB of float32). */
  stepTable: 2 ** 24,
} as const;

/** A config field's check and its description: a positive integer up to `max`. */
export const positiveIntUpTo = (max: number): [(v: unknown) => boolean, string] =>
  [(v) => positiveInt(v) && (v as number) <= max, `a positive integer ≤ ${max}`];
export const oneOf = (list: readonly string[]) => (v: unknown): boolean => list.includes(v as string);

/** A ModelConfig from its JSON, every field checked (the message names the field). */
export function parseModelConfig(json: string): ModelConfig {
  const field = configFields(json);
  return {
    model: field('model', (v) => v === 'MLPDiffusion', '"MLPDiffusion"'),
    numSteps: field('n_steps', ...positiveIntUpTo(SIZE_LIMITS.numSteps)),
    hidden: field('num_units', ...positiveIntUpTo(SIZE_LIMITS.width)),
    schedule: field('schedule', oneOf(SCHEDULES), `one of ${SCHEDULES.join(', ')}`),
    dataset: field('dataset', oneOf(DATASETS), `one of ${DATASETS.join(', ')}`),
    dataScale: field('data_scale', (v) => typeof v === 'number' && v > 0 && Number.isFinite(v), 'a positive number'),
    sampler: field('sampler', oneOf(SAMPLERS), `one of ${SAMPLERS.join(', ')}`),
    preset: field('preset', oneOf([...PRESET_NAMES, 'custom']), `one of ${PRESET_NAMES.join(', ')}, custom`),
  };
}

/**
 * The config of a state_dict without one (saved from PyTorch): T and the width from the step
 * embeddings' shape, everything else the seed preset's. `note` says so.
 */
export function configFromShapes(tensors: ReadonlyMap<string, { shape: readonly number[] }>): { config: ModelConfig; note: string } {
  const embedding = tensors.get('step_embeddings.0.weight');
  if (embedding === undefined || embedding.shape.length !== 2) {
    throw new Error("no __metadata__.config and no 'step_embeddings.0.weight' [T, num_units] to infer it from: not an MLPDiffusion state_dict");
  }
  const [numSteps, hidden] = embedding.shape;
  if (numSteps > SIZE_LIMITS.numSteps || hidden > SIZE_LIMITS.width) {
    throw new Error(`no __metadata__.config, and 'step_embeddings.0.weight' [${numSteps},${hidden}] gives T = ${numSteps} and num_units = ${hidden}: ` +
      `at most ${SIZE_LIMITS.numSteps} and ${SIZE_LIMITS.width}`);
  }
  const seed = PRESETS.seed;
  return {
    config: {
      model: 'MLPDiffusion', numSteps, hidden, schedule: seed.schedule, dataset: 's-curve',
      dataScale: seed.dataScale, sampler: seed.sampler, preset: 'custom',
    },
    note: `no config in the file (saved from PyTorch?): T = ${numSteps} and num_units = ${hidden} from its shapes; ` +
      `assuming the tutorial's sigmoid schedule, the S-curve and data scale 1`,
  };
}
