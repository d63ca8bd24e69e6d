// What every workload's model config shares, below the workloads (ddpm/points/config.ts,
// ddpm/images/config.ts): reading a config's JSON (`__metadata__.config` of a checkpoint) field by
// checked field, the largest sizes a config may give, and the fields sampling reads of any config.

import type { ScheduleName } from './schedules.js';

/**
 * What sampling reads of a workload's config (generate.ts): the noise schedule, T and the scale
 * the network sees data at. Each workload makes one from its config (samplingConfig).
 */
export interface SamplingFields {
  schedule: ScheduleName;
  timesteps: number;
  dataScale: number;
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
  timesteps: 100_000,
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

