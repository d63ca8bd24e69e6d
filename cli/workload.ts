// What `ddpm train` and `ddpm sample` need of a workload beyond ddpm/workload.ts: its flags, the
// settings they make, and a run set up on its data (its model, how it previews, samples and
// judges, what it reports). The commands (train-command.ts, sample-command.ts) are written once
// over this; each workload implements it in workloads/ and is registered in workloads/index.ts.

import type * as E from '../engine/index.js';
import type { KernelProfiler } from '../engine/webgpu/index.js';
import type { EngineName } from '../ddpm/fused/index.js';
import type { Generated } from '../ddpm/generate.js';
import type { NoisePredictor } from '../ddpm/noise-predictor.js';
import type { Trainer, TrainSettings } from '../ddpm/train.js';
import type { Workload, WorkloadConfig } from '../ddpm/workload.js';
import type { CommandFlags, SavedFlags } from '../app-support/args.js';
import type { OptimizerDefaults, OptimizerFlags } from './optimizer-flags.js';
import type { SamplerChoice, SamplerFlags } from './sampler-flags.js';

/** The flags every workload's `ddpm train` has. */
export type TrainFlags = OptimizerFlags & {
  readonly epochs?: number; readonly batch?: number; readonly lr?: number; readonly clip?: number; readonly 'data-size'?: number;
  readonly seed?: number; readonly seeds?: number; readonly device?: 'auto' | 'cpu' | 'webgpu'; readonly out?: string; readonly resume?: string;
  readonly overwrite: boolean; readonly 'save-every'?: number; readonly samples?: number;
};

/** The flags every workload's `ddpm sample` has. */
export type SampleFlags = SamplerFlags & {
  readonly checkpoint?: string; readonly samples?: number; readonly seed?: number; readonly device?: 'auto' | 'cpu' | 'webgpu';
  readonly weights?: 'saved' | 'trained'; readonly out?: string; readonly png?: string;
};

/** The settings a run's checkpoint keeps, and a resumed run takes from it. */
export interface RunSettings<C> extends TrainSettings {
  config: C;
  epochs: number;
  /** Training examples used (--data-size; null: all the data set has). */
  dataSize: number | null;
}

/** A run's closing samples: the seconds they took, and their quality for metrics.json, metrics.jsonl and --seeds. */
export interface ClosingSamples {
  seconds: number;
  /** More of metrics.json's wall_time_s (images: the judge's seconds). */
  times?: Record<string, number>;
  quality: Record<string, unknown>;
  log: Record<string, unknown>;
  /** The points workload's sliced W1 (and its floor) for the --seeds table. */
  seeds?: { slicedW1: number; floor: number; n: number };
}

/** A run set up on the workload's data: its model, and what it previews, samples and reports. */
export interface PreparedRun<M extends NoisePredictor & E.Module> {
  model: M;
  /** The training data [count, dataDim]. */
  data: Float32Array;
  engine: EngineName;
  profiler?: KernelProfiler;
  lossEvery?: number;
  /** Once the run's folder is prepared: what it needs there before the first epoch (images: the judging classifier). */
  ready?(signal: AbortSignal): Promise<void>;
  /** How to draw the closing samples later, should a signal stop them. */
  later: string;
  /** The workload's settings in metrics.json beside the checkpoint's. */
  settingsMetrics?: Record<string, unknown>;
  /** The lines before the first epoch (the model, the data, the training ahead but the optimizer's). */
  startLines(trainer: Trainer<M>, resumed: boolean): string[];
  /** A checkpoint's quick look (writes samples.png); its quality for metrics.jsonl, null when stopped. */
  preview(trainer: Trainer<M>, signal: AbortSignal): Promise<Record<string, unknown> | null>;
  /** Draws `n` samples of the finished run (frees the model), judges them, prints and draws them. */
  closing(trainer: Trainer<M>, n: number, signal: AbortSignal): Promise<ClosingSamples>;
  /** The workload's part of metrics.json before the quality: the device, and what it is judged with. */
  metrics(): Record<string, unknown>;
  /** Files it writes beside the checkpoint, for the closing list. */
  files: string[];
}

export interface CliWorkload<F extends TrainFlags, S extends SampleFlags, C extends WorkloadConfig, M extends NoisePredictor & E.Module> {
  readonly core: Workload<C, M>;
  readonly train: CommandFlags<F> & {
    /** --save-every's and --samples' defaults; --data-size's (null: all the data). */
    defaults: { saveEvery: number; samples: number; dataSize: number | null };
    /** A new run's config, and the defaults its flags fall back on; bad values are UsageErrors. */
    newRun(f: F): { config: C; epochs: number; lr: number; optimizer: OptimizerDefaults };
    /** A resumed run's epochs when it saved none. */
    defaultEpochs(config: C): number;
    /** The flags that set `config`, to compare with those given beside --resume (which may be refused outright). */
    flagsOfConfig(config: C, f: F): SavedFlags<F>;
    defaultOut(config: C): string;
    /** The settings train-state.safetensors keeps, in its order. */
    checkpointSettings(run: RunSettings<C>): TrainSettings & Record<string, unknown>;
    /** The run's data and model (new, or the resumed one), checked to fit the device, before its folder is touched. */
    prepare(run: RunSettings<C>, f: F, device: E.Backend, resumed: M | null, out: string): PreparedRun<M>;
  };
  readonly sample: CommandFlags<S> & {
    defaultSamples: number;
    /** Refuses an --out missing, or --out and --png that are not this workload's files. */
    checkFiles(out: string | undefined, png: string | undefined): asserts out is string;
    engine(f: S, device: E.Backend): EngineName;
    /** The model in words for its line: "MLPDiffusion, T = 100, …". */
    describe(config: C, epoch: number | undefined): string;
    /** Keeps the drawn samples (else they only stream to an .npy or .csv --out): it judges or draws them after. */
    keeps(out: string, png: string | undefined): boolean;
    /** A sample's shape in an .npy file: [2] for a point, [height, width] for an image. */
    rowShape(config: C): number[];
    sampledLine(n: number, seconds: number, choice: SamplerChoice, config: C): string;
    /** Set up before sampling (a judge is checked before the sampling it would judge); returns what it does with the samples after. */
    before(checkpoint: string, config: C, f: S, device: E.Backend): Promise<(drawn: Generated, choice: SamplerChoice, epoch: number | undefined) => Promise<void>>;
  };
}

/** Any workload, whatever its flags, config and model (each implementation is checked against CliWorkload with its own). */
export type AnyWorkload = CliWorkload<any, any, any, any>;
