// What a workload is to the code above it: a kind of data with its model, checkpoint codec and
// pictures, behind one interface, so that the commands and the page are written once for all of
// them. The shared core stays in ddpm/'s root (schedules, loss, Trainer, samplers, generate,
// the train-state format, safetensors); each workload is a folder (points/: the 2-D sets and
// MLPDiffusion; images/: MNIST and Fashion-MNIST with an MLP or a U-Net) that implements this,
// registered in workloads.ts. What is about a command line (flags, settings, what a run prints)
// is the CLI's (cli/workload.ts).

import type { Backend, Module } from '../engine/index.js';
import type { CheckpointStamp } from './checkpoint.js';
import type { SamplingFields } from './config.js';
import type { NoisePredictor } from './noise-predictor.js';
import type { Raster } from './plot/raster.js';
import type { SamplerName } from './sample.js';
import type { ScheduleName } from './schedules.js';

/** What every workload's model config holds. */
export interface WorkloadConfig {
  model: string;
  dataset: string;
  /** T: the number of diffusion steps, and their noise schedule. */
  timesteps: number;
  schedule: ScheduleName;
  /** The sampler used when none is asked for. */
  sampler: SamplerName;
}

/** A model read from model.safetensors, its config, the stamp of its save and, for a file without a config, what was assumed. */
export interface DecodedModel<C, M> {
  model: M;
  config: C;
  epoch?: number;
  runId?: string;
  weights?: string;
  note?: string;
}

/**
 * A workload (see the header): its data sets and models, its config's codec and sampling
 * defaults, how to encode and decode (and free) its model, and what a run prints and draws;
 * POINTS and IMAGES are the two.
 */
export interface Workload<C extends WorkloadConfig, M extends NoisePredictor & Module> {
  /** Its name: 'points', 'images'. */
  readonly name: string;
  /** The data sets it trains on (--dataset's values), and the model names its configs carry. */
  readonly datasets: readonly string[];
  readonly models: readonly string[];
  /** What one sample is called, in the plural: 'points', 'images'. */
  readonly samplesAre: string;
  /** The config as its checkpoint's JSON, and back, every field checked. */
  configJson(config: C): string;
  parseConfig(json: string): C;
  /** What sampling reads of the config (generate.ts). */
  samplingConfig(config: C): SamplingFields;
  /** The checkpoint's sampler, and DDIM's steps where the config keeps them. */
  samplerDefaults(config: C): { sampler: SamplerName; sampleSteps?: number };
  encodeModel(model: M, config: C, stamp?: CheckpointStamp): Promise<Uint8Array>;
  decodeModel(bytes: Uint8Array, device: Backend, file: string): DecodedModel<C, M>;
  /** Frees the model's tensors. */
  dispose(model: M): void;
  /** The run in a few words, for titles and messages: "s-curve, preset improved, cosine schedule, T = 100". */
  describeRun(config: C): string;
  lossPicture(losses: readonly number[], config: C): Raster;
}
