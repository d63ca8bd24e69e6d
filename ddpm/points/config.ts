// What a model is (the config a checkpoint carries) and the presets a run starts from.
//
//   seed      the S-curve tutorial, faithfully: sigmoid schedule over T = 100 steps (ᾱ_T ≈ 0.78,
//             so x_T is far from the N(0, I) that sampling starts from), the data as it is
//             (about ±0.1), the tutorial's p_sample_loop, 4000 epochs (about 75 minutes on
//             2 CPU cores with a software WebGPU adapter).
//   improved  the same network, batch and T, but the data scaled ×10 (to about unit size, the
//             scale of the N(0, I) that sampling starts from), Nichol & Dhariwal's cosine
//             schedule (ᾱ_T ≈ 0: x_T is noise, as sampling assumes), Ho et al.'s sampler (no
//             noise added at the last step), and the optimisation diffusion trainers use: Adam
//             at 5e-3 warmed up over 100 steps and decayed along a cosine to a tenth, sampled
//             from a weight average (decay 0.999). Samples are scaled back. Each choice was
//             measured at 40–60 epochs (docs/ddpm-command.md, "Presets"): the cosine schedule and the higher
//             learning rate each help; the higher rate needs the decay and the average.
//             45 epochs: README's quick start (28.6 s of training on 2 CPU cores with a
//             software WebGPU adapter).
//
// In a checkpoint's __metadata__.config the keys are snake_case, the tutorial's constructor
// names where it has them: {"model":"MLPDiffusion","n_steps":100,"num_units":128,…}.

import { configFields, oneOf, positiveIntUpTo, SIZE_LIMITS, type SamplingFields } from '../config.js';
import { DATASETS, type DatasetName } from './data.js';
import { SAMPLERS, type SamplerName } from '../sample.js';
import { SCHEDULES, type ScheduleName } from '../schedules.js';

/**
 * A points model's config, as its checkpoint carries it (model.safetensors' metadata, in the
 * tutorial's field names): T, the hidden width, the schedule, the dataset, the data scale, the
 * default sampler and the preset it came from.
 */
export interface ModelConfig {
  model: 'MLPDiffusion';
  /** T: the number of diffusion steps (rows of each step embedding; n_steps in the file). */
  timesteps: number;
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

/**
 * The points workload's presets (see the header): 'seed', the tutorial as it is, and 'improved'.
 */
export type PresetName = 'seed' | 'improved';
/** Every preset's name, 'seed' first. */
export const PRESET_NAMES: readonly PresetName[] = ['seed', 'improved'];

/**
 * A preset's settings: the schedule, T, data scale and sampler of its model, and the training a run
 * uses (epochs, learning rate and its schedule, weight average).
 */
export interface Preset {
  readonly summary: string;
  readonly schedule: ScheduleName;
  readonly timesteps: number;
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

/** Each preset's settings, with a line saying what it is (see the header). */
export const PRESETS: Record<PresetName, Preset> = {
  seed: {
    summary: "the tutorial's: sigmoid schedule, T = 100 (ᾱ_T ≈ 0.78), data as is, tutorial sampler",
    schedule: 'sigmoid', timesteps: 100, dataScale: 1, sampler: 'tutorial', epochs: 4000,
    lr: 1e-3, ema: 0, lrDecay: 'constant', warmupSteps: 0, lrFloor: 1,
  },
  improved: {
    summary: 'cosine schedule, T = 100 (ᾱ_T ≈ 0), data ×10, DDPM sampler; lr 5e-3 with warm-up and cosine decay, weight average 0.999',
    schedule: 'cosine', timesteps: 100, dataScale: 10, sampler: 'ddpm', epochs: 45,
    lr: 5e-3, ema: 0.999, lrDecay: 'cosine', warmupSteps: 100, lrFloor: 0.1,
  },
};

function serialize(c: ModelConfig): Record<string, unknown> {
  return {
    model: c.model, n_steps: c.timesteps, num_units: c.hidden, schedule: c.schedule, dataset: c.dataset,
    data_scale: c.dataScale, sampler: c.sampler, preset: c.preset,
  };
}

/** What sampling reads of the config (generate.ts). */
export const samplingConfig = (c: ModelConfig): SamplingFields => ({ schedule: c.schedule, timesteps: c.timesteps, dataScale: c.dataScale });

/**
 * A points model's config as the JSON its checkpoint stores (the tutorial's field names: n_steps,
 * num_units, data_scale); parseModelConfig reads it back.
 */
export function modelConfigJson(c: ModelConfig): string {
  return JSON.stringify(serialize(c));
}

/** A ModelConfig from its JSON, every field checked (the message names the field). */
export function parseModelConfig(json: string): ModelConfig {
  const field = configFields(json);
  return {
    model: field('model', (v) => v === 'MLPDiffusion', '"MLPDiffusion"'),
    timesteps: field('n_steps', ...positiveIntUpTo(SIZE_LIMITS.timesteps)),
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
  const [timesteps, hidden] = embedding.shape;
  if (timesteps > SIZE_LIMITS.timesteps || hidden > SIZE_LIMITS.width) {
    throw new Error(`no __metadata__.config, and 'step_embeddings.0.weight' [${timesteps},${hidden}] gives T = ${timesteps} and num_units = ${hidden}: ` +
      `at most ${SIZE_LIMITS.timesteps} and ${SIZE_LIMITS.width}`);
  }
  const seed = PRESETS.seed;
  return {
    config: {
      model: 'MLPDiffusion', timesteps, hidden, schedule: seed.schedule, dataset: 's-curve',
      dataScale: seed.dataScale, sampler: seed.sampler, preset: 'custom',
    },
    note: `no config in the file (saved from PyTorch?): T = ${timesteps} and num_units = ${hidden} from its shapes; ` +
      `assuming the tutorial's sigmoid schedule, the S-curve and data scale 1`,
  };
}
