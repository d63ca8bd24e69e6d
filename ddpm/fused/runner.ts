// The fused engine (../runner.ts): MLPDiffusion's training step (training.ts) and a run of its
// reverse steps (sampling.ts) as compiled WebGPU programs, scheduled so that the GPU never waits
// for the host:
//   training  epochs in chunks of about CHUNK_SECONDS of GPU work — whole epochs when an epoch
//             is shorter than that, else parts of one — each chunk recorded before the previous
//             one's losses are awaited; the chunk size follows the measured pace. A stop lands
//             between chunks, and an epoch it cuts short is undone on the device
//   sampling  the steps up to the next one looked at as one dispatch; with a signal, runs of
//             about CHUNK_SECONDS each, one in flight while the next is recorded

import type { KernelProfiler } from '../../engine/webgpu/index.js';
import { MLPDiffusion } from '../points/model.js';
import type { NoisePredictor } from '../noise-predictor.js';
import type { DiffusionEngine, EngineOptions, EpochOptions, EpochRunner, ReverseRun, ReverseRunner, Snapshot, TrainingRun } from '../runner.js';
import { fusedBackend } from './engine-choice.js';
import { FusedSampler } from './sampling.js';
import { epochDraws, FusedTraining, type StepDraws } from './training.js';

/** The GPU work between two loss readbacks or stop points, in seconds (a stop waits for at most two). */
const CHUNK_SECONDS = 0.25;

/** The losses of one chunk, once read back, and what they complete. */
interface Chunk {
  losses: Promise<Float32Array>;
  apply: (losses: Float32Array) => void;
  steps: number;
  /** Epochs recorded once this chunk is (a fraction for a part of one), for progress. */
  doneAfter: number;
}

/** The epoch being recorded in parts: its draws, how far it is recorded, and how to undo it. */
interface OpenEpoch {
  draws: StepDraws[];
  next: number;
  lossSum: number;
  rngOffset: number;
  snapshot: Snapshot | null;
}

class FusedEpochs implements EpochRunner {
  private readonly fused: FusedTraining;
  /** Steps per chunk, adapted to the GPU's pace unless fixed. */
  private chunkSteps = 64;
  private readonly fixedChunk: boolean;
  private readonly profiler: KernelProfiler | undefined;

  constructor(private readonly training: TrainingRun, options: EngineOptions) {
    const { model, schedule, data, device, rng, params, opt, average, stepsPerEpoch } = training;
    const { batch, clip, seed } = training.settings;
    const lossEvery = options.lossEvery ?? 1024;
    if (!Number.isInteger(lossEvery) || lossEvery < 1) throw new Error(`train: lossEvery must be a positive integer, got ${lossEvery}`);
    const epochsPerRead = Math.max(1, Math.round(lossEvery / stepsPerEpoch));
    this.fused = new FusedTraining({
      model: model as MLPDiffusion, schedule, data, batch, clip, seed, stream: rng.stream, packed: params, adam: opt, average,
    }, fusedBackend(device, 'train'), epochsPerRead * stepsPerEpoch, options.split);
    this.profiler = options.profiler;
    if (options.chunkSteps !== undefined && !(Number.isInteger(options.chunkSteps) && options.chunkSteps >= 1)) {
      throw new Error(`train: chunkSteps must be a positive integer, got ${options.chunkSteps}`);
    }
    this.fixedChunk = options.chunkSteps !== undefined;
    this.chunkSteps = Math.min(options.chunkSteps ?? this.chunkSteps, this.fused.logSteps);
  }

  async runEpochs(count: number, completed: (losses: readonly number[]) => void, { signal, onProgress }: EpochOptions): Promise<void> {
    const { rng, stepsPerEpoch: steps } = this.training;
    const { fused } = this;
    const n = this.training.data.length / this.training.model.dataDim;
    let open: OpenEpoch | null = null;
    let left = count;
    let recorded = this.training.epoch;
    let pending: Chunk | null = null;
    let lastSettled = performance.now();
    const settle = async (chunk: Chunk): Promise<void> => {
      chunk.apply(await chunk.losses);
      const now = performance.now();
      // Size the next chunks from this one's pace (at most 4× larger at a time).
      const pace = chunk.steps / Math.max((now - lastSettled) / 1000, 1e-6);
      lastSettled = now;
      if (!this.fixedChunk) this.chunkSteps = Math.max(1, Math.min(fused.logSteps, 4 * this.chunkSteps, Math.round(pace * CHUNK_SECONDS)));
      if (!Number.isInteger(chunk.doneAfter)) onProgress?.(chunk.doneAfter); // (whole epochs are reported by the trainer)
    };
    try {
      while ((left > 0 || open !== null) && !signal?.aborted) {
        let draws: StepDraws[];
        let apply: (l: Float32Array) => void;
        if (open === null && this.chunkSteps >= steps) {
          const epochs = Math.min(left, Math.floor(this.chunkSteps / steps));
          draws = [];
          for (let e = 0; e < epochs; e++) draws.push(...epochDraws(n, this.training.settings.batch, rng));
          left -= epochs;
          recorded += epochs;
          apply = (l) => completed(Array.from({ length: epochs }, (_, e) => l.subarray(e * steps, (e + 1) * steps).reduce((a, b) => a + b, 0) / steps));
        } else {
          if (open === null) {
            const rngOffset = rng.offset;
            open = { rngOffset, snapshot: signal ? this.training.snapshot() : null, draws: epochDraws(n, this.training.settings.batch, rng), next: 0, lossSum: 0 };
            left--;
          }
          const epoch = open;
          draws = epoch.draws.slice(epoch.next, epoch.next + this.chunkSteps);
          epoch.next += draws.length;
          const closes = epoch.next === steps;
          recorded = Math.floor(recorded) + (closes ? 1 : epoch.next / steps);
          if (closes) open = null;
          apply = (l) => {
            epoch.lossSum = l.reduce((a, b) => a + b, epoch.lossSum);
            if (closes) {
              epoch.snapshot?.dispose();
              completed([epoch.lossSum / steps]);
            }
          };
        }
        const losses = fused.run(draws, this.profiler);
        if (pending) await settle(pending);
        pending = { losses, apply, steps: draws.length, doneAfter: recorded };
      }
      if (pending) await settle(pending);
      pending = null;
    } finally {
      void pending?.losses.catch(() => {}); // a diverged loss left a chunk in flight
      if (open !== null) {
        // Stopped part-way through an epoch: put it back as it was before its first step.
        open.snapshot?.restore();
        open.snapshot?.dispose();
        rng.offset = open.rngOffset;
      }
    }
  }

  dispose(): void {
    this.fused.dispose();
  }
}

class FusedReverse implements ReverseRunner {
  readonly x;
  private readonly sampler: FusedSampler;
  private done = 0;
  /** Steps per dispatch with a signal: from 1, sized to CHUNK_SECONDS of the pace measured on the run before (at most ×4 a run). */
  private chunk = 1;
  private inFlight: { done: Promise<void>; recorded: number; steps: number } | null = null;

  constructor(private readonly reverse: ReverseRun) {
    const { model, schedule, device, x, rng, steps, options } = reverse;
    this.x = x;
    // Each step's noise key, in step order: the keys the eager engine's draws take.
    const noise = steps.map(() => rng.next().offset);
    this.sampler = new FusedSampler(model as MLPDiffusion, schedule, fusedBackend(device, 'sample'), x, rng, steps, noise, options.split);
  }

  async advance(end: number): Promise<void> {
    const { signal, device, options } = this.reverse;
    while (this.done < end) {
      const upTo = signal ? Math.min(end, this.done + this.chunk) : end;
      this.sampler.run(this.done, upTo - this.done, options.profiler);
      if (signal) {
        const run = { done: device.sync(), recorded: performance.now(), steps: upTo - this.done };
        if (this.inFlight) {
          await this.inFlight.done;
          const perStep = (performance.now() - this.inFlight.recorded) / 1000 / this.inFlight.steps;
          this.chunk = Math.max(1, Math.min(4 * this.chunk, Math.round(CHUNK_SECONDS / perStep)));
        }
        signal.throwIfAborted();
        this.inFlight = run;
      }
      this.done = upTo;
    }
    if (this.done === this.reverse.steps.length) await this.inFlight?.done;
  }

  dispose(): void {
    this.sampler.dispose();
  }
}

export const FUSED: DiffusionEngine = {
  name: 'fused',
  refuses: (model: NoisePredictor) => (model instanceof MLPDiffusion ? null : 'the fused engine runs MLPDiffusion only; use the eager engine'),
  epochs: (run, options) => new FusedEpochs(run, options),
  reverse: (run) => new FusedReverse(run),
};
