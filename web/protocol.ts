// The messages between the page (web/main.ts, the UI thread) and its worker (web/worker.ts, where
// the engine runs, so that training never freezes the page). The page calls the worker's
// functions by name; every call gets exactly one reply (a result or an error) and, while it
// runs, any number of events (training progress, previews, frames of the reverse process).
// Calls run one at a time, in order; `stop` alone is handled at once (it ends a running train or
// sampling).

import type { LrSchedule } from '../engine/index.js';
import type { DeviceChoice } from '../engine/webgpu/index.js';
import type { ModelConfig } from '../ddpm/points/config.js';
import type { ImageModelConfig } from '../ddpm/images/config.js';
import type { EngineName } from '../ddpm/fused/index.js';
import type { Frame } from '../ddpm/generate.js';
import type { QualityReport } from '../ddpm/points/quality.js';
import type { SamplerName } from '../ddpm/sample.js';

/** Everything a training run is made from: the model's config and the training settings. */
export interface RunSettings {
  config: ModelConfig;
  /** Training points drawn from the data set. */
  points: number;
  /** Epochs this call trains (a fresh run, or more epochs of the current one). */
  epochs: number;
  batch: number;
  lr: number;
  clip: number;
  /** The weight average's decay (0: none) and the learning-rate schedule over the run's steps. */
  ema: number;
  lrSchedule: LrSchedule;
  seed: number;
}

export interface SampleSettings {
  sampler: SamplerName;
  /** ddim: steps K ≤ T. */
  steps?: number;
  /** ddim: η. */
  eta?: number;
  n: number;
  seed: number;
}

export interface DeviceInfo {
  backend: 'webgpu' | 'cpu';
  /** The adapter (or the CPU path), as the engine describes it. */
  description: string;
  /** The engine training and sampling use there (ddpm/fused/, defaultEngine). */
  engine: EngineName;
  /** Why the CPU path was taken, when WebGPU was wanted but is not there. */
  fallbackReason?: string;
}

/** A model of points (the S-curve and its kin, trained here or loaded) or of images (loaded from `ddpm train --dataset …`). */
export type PageModelConfig = ModelConfig | ImageModelConfig;

export const isImageConfig = (c: PageModelConfig): c is ImageModelConfig => c.model !== 'MLPDiffusion';

export interface ModelInfo {
  config: PageModelConfig;
  /** Epochs the model has been trained (when known). */
  epoch?: number;
  parameters: number;
  /** What was assumed about a file without a config (one saved from PyTorch). */
  note?: string;
  /** True when the model can be trained further here (it was trained in this page). */
  trainable: boolean;
}

export interface CheckResult {
  name: string;
  /** The largest |a − ref| over the output's elements (ref: the CPU, or the eager engine). */
  maxError: number;
  /** The tolerance on |a − ref|, e.g. "≤ 2.6e-4 + 1e-5·|ref|". */
  rule: string;
  ok: boolean;
  elements: number;
}

export interface Calls {
  init: { args: { device: DeviceChoice }; result: DeviceInfo };
  train: { args: { run: RunSettings; fresh: boolean }; result: { model: ModelInfo; seconds: number; steps: number; stopped: boolean } };
  stop: { args: Record<string, never>; result: null };
  /**
   * Points in data units ([n, 2]) or images in [−1, 1] ([n, H·W]); quality: the points' sliced
   * W1 (null for images); stopped: a Stop ended it between steps (no points then).
   */
  sample: { args: SampleSettings; result: { points: Float32Array | null; quality: QualityReport | null; seconds: number; stopped: boolean } };
  save: { args: Record<string, never>; result: { bytes: Uint8Array; name: string } };
  load: { args: { bytes: Uint8Array; name: string }; result: ModelInfo };
  check: { args: Record<string, never>; result: CheckResult[] };
}

export type CallName = keyof Calls;

export type WorkerEvent =
  /**
   * As training goes: the epochs completed (`epoch` of `target`) and `step` of `stepsPerEpoch`
   * into the next, the losses of epochs just completed, the rate (null before a step is done) and
   * the training time still to go (NaN until there is a rate).
   */
  | { kind: 'progress'; epoch: number; step: number; stepsPerEpoch: number; target: number; losses: number[]; stepsPerSecond: number | null; secondsLeft: number }
  | { kind: 'preview'; epoch: number; points: Float32Array; quality: QualityReport }
  /** What training is doing between steps (a preview being sampled, step i of n), until the next progress. */
  | { kind: 'phase'; text: string }
  | { kind: 'frame'; frame: Frame };

/** Page → worker. */
export interface Request<K extends CallName = CallName> {
  id: number;
  call: K;
  args: Calls[K]['args'];
}

/** Worker → page. */
export type Reply =
  | { id: number; event: WorkerEvent }
  | { id: number; result: unknown }
  | { id: number; error: string };
