// Checkpoints as safetensors bytes, what every workload's share (no file I/O here: the CLI writes
// them atomically, a browser downloads them).
//   model.safetensors        the weights to sample with, as the model's state_dict with PyTorch's
//                            keys and layouts, and the model config as JSON in __metadata__.config:
//                            each workload writes its own (points/checkpoint.ts, images/checkpoint.ts)
//                            with the stamp and checks here. A run that keeps a weight average
//                            (--ema) saves the average there, and says so in __metadata__.weights
//                            ("ema 0.999, 4740 updates"; else "trained").
//   train-state.safetensors  what resuming needs: Adam's moments as adam.exp_avg.<key> and
//                            adam.exp_avg_sq.<key> (PyTorch's names); with a weight average, the
//                            trained weights as raw.<key> (a state_dict of its own once the prefix
//                            is dropped) and the average as ema.<key>; in __metadata__ the epoch,
//                            the random stream's position, Adam's step counts, the average's
//                            update count, the losses so far and the run's settings.
// Decoding checks everything before a single parameter changes, and says which file is wrong
// and how.

import { CONSTANT_LR, type Module } from '../engine/index.js';
import { decodeSafetensors, encodeSafetensors, type NamedTensor } from './safetensors.js';
import type { TrainSettings, TrainState } from './train.js';

/** A checkpoint that cannot be read or does not fit: the message starts with the file's name. */
export class CheckpointError extends Error {
  /** An error about `file`: its message is `<file>: <message>`. */
  constructor(file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CheckpointError';
  }
}

/** Runs `fn`, prefixing any error it throws with the file's name. */
export function about<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(file, (e as Error).message);
  }
}

/**
 * Throws unless every value of `data` is finite, naming the tensor and the first bad element: a
 * checkpoint never holds a NaN or an infinity (one would poison everything computed from it).
 */
export function assertFinite(name: string, data: Float32Array, what = 'tensor'): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      let count = 0;
      for (let j = i; j < data.length; j++) if (!Number.isFinite(data[j])) count++;
      throw new Error(`${what} '${name}' is not finite: element ${i} is ${data[i]} (${count} of its ${data.length} values are NaN or ±Inf)`);
    }
  }
}

/** The model's parameters read back to the host, by state_dict key; refused if any is not finite. */
export async function hostStateDict(model: Module): Promise<Map<string, NamedTensor>> {
  const out = new Map<string, NamedTensor>();
  for (const [name, p] of model.stateDict()) {
    const data = (await p.toArray()) as Float32Array;
    assertFinite(name, data, 'parameter');
    out.set(name, { shape: p.shape, data });
  }
  return out;
}

/**
 * Which run and epoch a checkpoint file belongs to (in __metadata__ as run_id and epoch): the
 * model and its train state carry the same stamp, so --resume can tell they are one checkpoint.
 */
export interface CheckpointStamp {
  epoch: number;
  /** Made when a run starts and kept by every resume; absent in files written before run ids. */
  runId?: string;
  /** Which weights the model file holds (see weightsNote); absent: not said. */
  weights?: string;
}

export function stampMetadata(stamp: CheckpointStamp | undefined): Record<string, string> {
  if (stamp === undefined) return {};
  return {
    epoch: String(stamp.epoch), ...(stamp.runId !== undefined ? { run_id: stamp.runId } : {}),
    ...(stamp.weights !== undefined ? { weights: stamp.weights } : {}),
  };
}

/** __metadata__.weights of a model file: "ema <decay>, <n> updates" for a weight average, else "trained". */
export function weightsNote(state: Pick<TrainState, 'ema'>, decay: number): string {
  return state.ema ? `ema ${decay}, ${state.ema.updates} updates` : 'trained';
}

/** The stamp in a file's metadata (epoch undefined when there is none: a file saved elsewhere). */
export function readStamp(metadata: Record<string, string>): { epoch?: number; runId?: string; weights?: string } {
  return { epoch: metadata.epoch !== undefined ? Number(metadata.epoch) : undefined, runId: metadata.run_id, weights: metadata.weights };
}

/**
 * Throws unless `tensors` holds exactly the keys of `expected`, each of its shape, naming every
 * one that is missing, unexpected or of another shape. Run before a model is built: a file
 * whose config and tensors disagree is refused without allocating what the config describes.
 * `source` says what the expected shapes come from (e.g. "the config's n_steps 100, num_units 128").
 */
export function checkTensorShapes(tensors: ReadonlyMap<string, { readonly shape: readonly number[] }>,
  expected: ReadonlyMap<string, readonly number[]>, source: string): void {
  const problems: string[] = [];
  for (const [name, shape] of expected) {
    const t = tensors.get(name);
    if (t === undefined) problems.push(`missing '${name}' [${shape.join(',')}]`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      problems.push(`'${name}' has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
    }
  }
  for (const name of tensors.keys()) if (!expected.has(name)) problems.push(`unexpected '${name}'`);
  if (problems.length > 0) throw new Error(`the tensors do not fit ${source}: ${problems.join('; ')}`);
}

/** Loaded tensors must be finite (see assertFinite). */
export function assertAllFinite(tensors: ReadonlyMap<string, NamedTensor>): void {
  for (const [name, t] of tensors) assertFinite(name, t.data);
}

/**
 * Which model a checkpoint holds and on which data set, from its __metadata__.config (a file
 * without one is taken as a PyTorch MLPDiffusion state_dict); null when the bytes are not
 * readable safetensors or JSON, or name no model.
 */
export function checkpointFacts(bytes: Uint8Array): { model: string; dataset?: string } | null {
  try {
    const { metadata } = decodeSafetensors(bytes);
    if (metadata.config === undefined) return { model: 'MLPDiffusion' };
    const { model, dataset } = JSON.parse(metadata.config) as { model?: unknown; dataset?: unknown };
    return typeof model === 'string' ? { model, ...(typeof dataset === 'string' ? { dataset } : {}) } : null;
  } catch {
    return null;
  }
}

/** Which model a checkpoint holds (checkpointFacts), or null. */
export const checkpointModel = (bytes: Uint8Array): string | null => checkpointFacts(bytes)?.model ?? null;

/**
 * A train state as train.safetensors stores it: the run's state, settings and model config, and its
 * id.
 */
export interface SavedTrainState<C> extends TrainState {
  /** The run's settings; a CLI run adds its data size (points or images) and target epochs. */
  settings: TrainSettings & { points?: number; images?: number; epochs?: number };
  config: C;
  /** The run's id (see CheckpointStamp). */
  runId?: string;
}

/**
 * Train state for any model (its trained weights are read from it when a weight average is kept);
 * `configJson` writes the model's config (its workload's).
 */
export async function encodeTrainState<C>(model: Module, state: SavedTrainState<C>, configJson: (c: C) => string): Promise<Uint8Array> {
  const tensors = new Map<string, NamedTensor>();
  const steps: Record<string, number | null> = {};
  model.namedParameters().forEach(([name, p], i) => {
    const slot = state.adam[i];
    steps[name] = slot?.step ?? null;
    if (!slot) return;
    tensors.set(`adam.exp_avg.${name}`, { shape: p.shape, data: slot.m });
    tensors.set(`adam.exp_avg_sq.${name}`, { shape: p.shape, data: slot.v });
  });
  for (const [name, t] of tensors) assertFinite(name, t.data, "Adam's state");
  if (state.ema) {
    const average = state.ema.weights;
    model.namedParameters().forEach(([name, p], i) => {
      assertFinite(name, average[i], 'weight average');
      tensors.set(`ema.${name}`, { shape: p.shape, data: average[i] as Float32Array });
    });
    for (const [name, t] of await hostStateDict(model)) tensors.set(`raw.${name}`, t);
  }
  return encodeSafetensors(tensors, {
    format: 'wgpu-diffusion train state',
    epoch: String(state.epoch),
    rng_offset: String(state.rngOffset),
    adam_steps: JSON.stringify(steps),
    ...(state.ema ? { ema_updates: String(state.ema.updates) } : {}),
    losses: JSON.stringify(state.losses),
    settings: JSON.stringify(state.settings),
    config: configJson(state.config),
    ...(state.runId !== undefined ? { run_id: state.runId } : {}),
  });
}

function nonNegativeInteger(metadata: Record<string, string>, key: string): number {
  const v = Number(metadata[key]);
  if (metadata[key] === undefined || !Number.isInteger(v) || v < 0) {
    throw new Error(`__metadata__.${key} must be a non-negative integer, got ${JSON.stringify(metadata[key])}`);
  }
  return v;
}

function jsonField<T>(metadata: Record<string, string>, key: string, check: (v: unknown) => v is T, expected: string): T {
  let v: unknown;
  try {
    v = JSON.parse(metadata[key] ?? '');
  } catch {
    throw new Error(`__metadata__.${key} is missing or not JSON`);
  }
  if (!check(v)) throw new Error(`__metadata__.${key} must be ${expected}, got ${metadata[key]}`);
  return v;
}

/**
 * The trained weights a train state keeps beside a weight average (raw.<key>), by state_dict key,
 * to load into the model read from model.safetensors (which holds the average), with the state's
 * stamp (its run and epoch: they must be the model file's). Throws when the run kept no average:
 * its model file holds the trained weights already.
 */
export function trainedWeights(bytes: Uint8Array, file = 'train-state.safetensors'): { weights: Map<string, NamedTensor>; epoch?: number; runId?: string } {
  return about(file, () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== 'wgpu-diffusion train state') throw new Error(`not a train state (its __metadata__.format is ${JSON.stringify(metadata.format)})`);
    const raw = new Map([...tensors].filter(([key]) => key.startsWith('raw.')).map(([key, t]) => [key.slice(4), t] as const));
    if (raw.size === 0) throw new Error('the run kept no weight average: its model file holds the trained weights');
    assertAllFinite(raw);
    const { epoch, runId } = readStamp(metadata);
    return { weights: raw, epoch, runId };
  });
}

/**
 * A train state for `model` from train-state.safetensors bytes, every field checked;
 * `parseConfig` reads the model's config (its workload's). With a weight average, the
 * model (loaded from model.safetensors, which then holds the average) gets its trained weights
 * back from raw.<key>, once everything else has been checked.
 */
export function decodeTrainState<C>(bytes: Uint8Array, model: Module, file: string, parseConfig: (json: string) => C): SavedTrainState<C> {
  return about(file, () => {
    const { tensors, metadata } = decodeSafetensors(bytes);
    if (metadata.format !== 'wgpu-diffusion train state') {
      throw new Error(`not a train state (its __metadata__.format is ${JSON.stringify(metadata.format)})`);
    }
    assertAllFinite(tensors);
    const epoch = nonNegativeInteger(metadata, 'epoch');
    const rngOffset = nonNegativeInteger(metadata, 'rng_offset');
    const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null);
    const losses = jsonField(metadata, 'losses', isNumberArray, 'a list of numbers').map((x) => x ?? NaN);
    if (losses.length !== epoch) throw new Error(`__metadata__.losses has ${losses.length} entries for ${epoch} epochs`);
    const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
    const steps = jsonField(metadata, 'adam_steps', isObject, 'an object');
    const settings = jsonField(metadata, 'settings', isObject, 'an object') as unknown as SavedTrainState<C>['settings'];
    for (const key of ['batch', 'lr', 'clip', 'seed'] as const) {
      if (typeof settings[key] !== 'number') throw new Error(`__metadata__.settings.${key} is missing`);
    }
    const config = parseConfig(metadata.config ?? '');
    const adam = model.namedParameters().map(([name, p]) => {
      const step = steps[name];
      if (step === null) return null;
      if (!Number.isInteger(step) || (step as number) < 1) throw new Error(`__metadata__.adam_steps has no step count for '${name}'`);
      const m = tensors.get(`adam.exp_avg.${name}`), v = tensors.get(`adam.exp_avg_sq.${name}`);
      for (const [key, t] of [[`adam.exp_avg.${name}`, m], [`adam.exp_avg_sq.${name}`, v]] as const) {
        if (t === undefined) throw new Error(`missing tensor '${key}'`);
        if (t.data.length !== p.size) throw new Error(`tensor '${key}' has shape [${t.shape.join(',')}], expected [${p.shape.join(',')}]`);
      }
      return { step: step as number, m: m!.data, v: v!.data };
    });
    settings.ema ??= 0; // files written before weight averages and schedules
    settings.lrSchedule ??= CONSTANT_LR;
    if ((metadata.ema_updates !== undefined) !== (settings.ema > 0)) {
      throw new Error(`__metadata__.settings.ema is ${settings.ema} but the file ${metadata.ema_updates !== undefined ? 'holds' : 'holds no'} weight average`);
    }
    let ema: SavedTrainState<C>['ema'] = null;
    if (metadata.ema_updates !== undefined) {
      const updates = nonNegativeInteger(metadata, 'ema_updates');
      const named = model.namedParameters();
      const part = (prefix: string): Map<string, NamedTensor> => new Map(named.map(([name, p]) => {
        const t = tensors.get(`${prefix}.${name}`);
        if (t === undefined) throw new Error(`__metadata__.ema_updates is set but tensor '${prefix}.${name}' is missing`);
        if (t.data.length !== p.size) throw new Error(`tensor '${prefix}.${name}' has shape [${t.shape.join(',')}], expected [${p.shape.join(',')}]`);
        return [name, t];
      }));
      const average = part('ema'), raw = part('raw');
      model.loadStateDict(raw);
      ema = { updates, weights: named.map(([name]) => average.get(name)!.data) };
    }
    return { epoch, rngOffset, losses, adam, ema, settings, config, runId: metadata.run_id };
  });
}
