// `ddpm train`: trains MLPDiffusion on a 2-D data set (image data sets go to
// image/train-command.ts) and writes, into --out DIR:
//   model.safetensors        the weights to sample with (PyTorch state_dict keys; the weight
//                            average with --ema) and the model config
//   train-state.safetensors  Adam's moments, the epoch and the random stream's position, the
//                            trained weights and the average with --ema (--resume)
//   metrics.json             every setting, the loss per epoch, quality, wall time, steps/s, device
//   samples.png              generated points beside data points
//   reverse.png              x_T … x_0, the reverse process as a strip of frames
//   loss.png                 the loss per epoch
//   metrics.jsonl            a line per epoch and per checkpoint, appended as the run goes
// Checkpoints are written every --save-every epochs (refreshing metrics.json, loss.png and a
// preview samples.png) and at the end; Ctrl-C or SIGTERM saves the last completed epoch and
// exits 130 / 143 (training-loop.ts, run-folder.ts). With --seeds N the run is made N times
// (seeds s … s+N−1, each in DIR/seed-<s>) and their quality summed up in DIR/seeds.json.
// The flags become settings in train-settings.ts; this file sets the run up and runs it; what
// it prints and writes about the run is train-report.ts.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { selectDevice, type ProfileReport } from '../engine/webgpu/index.js';
import { sampleBatch } from '../ddpm/generate.js';
import { decodeModel, decodeTrainState, encodeModel, encodeTrainState, weightsNote, type SavedTrainState } from '../ddpm/checkpoint.js';
import { makeDataset } from '../ddpm/data.js';
import { MLPDiffusion } from '../ddpm/model.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import { helpText, parseFlags, UsageError } from '../app-support/args.js';
import { chooseEngine } from './engine.js';
import { resumeFolder, writeFileAtomic } from '../app-support/files.js';
import { imageTrainCommand, isImageTraining } from './image/train-command.js';
import { drawSamples, PREVIEW_POINTS, previewSamples } from './pictures.js';
import { profilerFor } from '../app-support/profile.js';
import { checkSizes, type SizePlan } from './size-limits.js';
import { commandLine, MetricsLog, MODEL_FILE, newRunId, prepareRunFolder, readCheckpoint, runDiverged, RunLocks } from './run-folder.js';
import { Interrupted, withStopSignals, type StopRequest } from '../app-support/stop.js';
import { printStart, printTrained, reportFinished, runSummary, type ClosingSamples, type TrainRun } from './train-report.js';
import { checkpointSettings, defaultOut, requestedSettings, TRAIN_DESCRIPTION, TRAIN_FLAGS, trainSettings, type TrainCommandSettings, type TrainFlags } from './train-settings.js';
import { sampleAfterTraining, trainWithCheckpoints, type LoopResult } from './training-loop.js';

/** A checkpoint read for --resume: its model, its train state and the folder it is in. */
interface ResumedRun {
  model: MLPDiffusion;
  state: SavedTrainState;
  dir: string;
  /** Its metrics.json says it diverged. */
  diverged: boolean;
}

export async function trainCommand(argv: readonly string[]): Promise<void> {
  if (isImageTraining(argv)) return imageTrainCommand(argv);
  const f = parseFlags('ddpm train', argv, TRAIN_FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm train', TRAIN_DESCRIPTION, TRAIN_FLAGS));
    return;
  }
  const seeds = f.seeds ?? 1;
  await withStopSignals('stopping after this step to save the last completed epoch', async (stop) => {
    if (seeds === 1) await train(f, argv, stop);
    else await trainSeeds(f, seeds, argv, stop);
  });
}

/** What one run gives the --seeds table. */
interface SeedResult {
  seed: number;
  /** The run was continued from its folder (steps and seconds are this command's). */
  continued: boolean;
  steps: number;
  trainSeconds: number;
  quality: ClosingSamples['quality'];
}

/**
 * --seeds N: the same run with seeds s … s+N−1, each in its own folder (DIR/seed-<s>), then each
 * one's quality and their mean and spread, printed and written to DIR/seeds.json. The same
 * command again continues a set that was stopped: a seed's folder that holds a run resumes it
 * (its settings must be the flags'; a finished one trains no further and is sampled again, to
 * the same quality), one that does not starts it.
 */
async function trainSeeds(f: TrainFlags, seeds: number, argv: readonly string[], stop: StopRequest): Promise<void> {
  if (f.resume !== undefined) throw new UsageError('ddpm train: --seeds cannot --resume one run; to continue a set, run the same --seeds command again');
  const base = f.out ?? defaultOut(requestedSettings(f).config);
  const first = f.seed ?? 0;
  const results: SeedResult[] = [];
  for (let i = 0; i < seeds; i++) {
    const seed = first + i;
    const out = join(base, `seed-${seed}`);
    const continued = !f.overwrite && existsSync(join(out, MODEL_FILE));
    console.log(`\n== seed ${seed} (${i + 1} of ${seeds})${continued ? `: continuing the run in ${out}` : ''} ==`);
    try {
      const result = await train(continued ? { ...f, seed, out, resume: out, overwrite: false } : { ...f, seed, out }, argv, stop);
      results.push({ ...result, continued });
    } catch (e) {
      if (e instanceof Interrupted) {
        process.stderr.write(`the set of ${seeds} seeds is not complete (${i} done): run the same command again to continue it\n`);
      }
      throw e;
    }
  }
  const table = seedsTable(results);
  console.log(`\n${table.lines.join('\n')}`);
  mkdirSync(base, { recursive: true });
  writeFileAtomic(join(base, 'seeds.json'), `${JSON.stringify({ command: commandLine(argv), runs: results.map((r) => ({
    seed: r.seed, continued: r.continued, steps: r.steps, train_s: r.trainSeconds, sliced_w1: r.quality.slicedW1, data_vs_data_floor: r.quality.floor, n: r.quality.n,
  })), sliced_w1: table.summary }, null, 2)}\n`);
  console.log(`wrote ${join(base, 'seeds.json')}`);
}

/** The runs' table, and the mean and sample standard deviation of sliced W1 (and its ratio to the floor). */
export function seedsTable(results: readonly SeedResult[]): { lines: string[]; summary: { mean: number; sd: number; floor: number; mean_over_floor: number } } {
  const w1 = results.map((r) => r.quality.slicedW1);
  const mean = w1.reduce((a, b) => a + b, 0) / w1.length;
  const sd = w1.length > 1 ? Math.sqrt(w1.reduce((a, b) => a + (b - mean) ** 2, 0) / (w1.length - 1)) : 0;
  const floor = results.reduce((a, r) => a + r.quality.floor, 0) / results.length;
  const lines = [
    'seed   steps   train s   sliced W1   floor',
    ...results.map((r) => `${String(r.seed).padEnd(6)} ${String(r.steps).padStart(6)}  ${r.trainSeconds.toFixed(1).padStart(8)}   ${r.quality.slicedW1.toFixed(5)}     ${r.quality.floor.toFixed(5)}`),
    `sliced W1 over ${results.length} seeds: mean ${mean.toFixed(5)}, sd ${sd.toFixed(5)} (${(mean / floor).toFixed(2)}× the data-vs-data floor ${floor.toFixed(5)})`,
  ];
  return { lines, summary: { mean, sd, floor, mean_over_floor: mean / floor } };
}

/** The settings, the run set up and trained, its closing samples, and the report on each step. */
async function train(f: TrainFlags, argv: readonly string[], stop: StopRequest): Promise<Omit<SeedResult, 'continued'>> {
  const requested = requestedSettings(f);
  const { device, note } = await selectDevice(f.device ?? 'auto');
  console.log(note);
  const locks = new RunLocks();
  try {
    // A resumed run takes every setting from its checkpoint; the flags may only agree with them.
    const resumed = f.resume !== undefined ? readResumedRun(f.resume, device, locks) : null;
    const run = setUpRun(trainSettings(f, requested, resumed), device, resumed, commandLine(argv), locks);
    printStart(run);
    const { loop, profile, log } = await trainEpochs(run, stop);
    printTrained(run, loop, profile);
    if (loop.stopped) throw loop.stopped;
    const closing = await drawClosingSamples(run, loop, stop);
    reportFinished(run, loop, log, closing);
    return { seed: run.settings.run.seed, steps: loop.steps, trainSeconds: loop.seconds, quality: closing.quality };
  } finally {
    locks.release();
  }
}

function readResumedRun(resume: string, device: E.Backend, locks: RunLocks): ResumedRun {
  locks.take(resumeFolder(resume), 'ddpm train --resume');
  const { model, state, note } = readCheckpoint(resume, (bytes, file) => decodeModel(bytes, device, file),
    (bytes, m, file) => decodeTrainState(bytes, m, file));
  if (note) console.log(`note: ${note}`);
  const dir = resumeFolder(resume);
  return { model, state, dir, diverged: runDiverged(dir) };
}

/**
 * The run's data made (and checked to be finite once scaled), the engine and profiler the device
 * allows, its folder prepared and locked (an old run --overwrite replaces stays until the first
 * step), its model (new or resumed) and the trainer.
 */
function setUpRun(settings: TrainCommandSettings, device: E.Backend, resumed: ResumedRun | null, command: string, locks: RunLocks): TrainRun {
  const { run, out } = settings;
  const { config } = run;
  checkSizes('ddpm train', device, pointsRunPlan(run, settings.evalPoints));
  const schedule = makeSchedule(config.schedule, config.numSteps);
  const data = makeDataset(config.dataset, run.points, run.seed).map((v) => v * config.dataScale);
  if (!data.every(Number.isFinite)) {
    throw new UsageError(`ddpm train: the data × --data-scale ${config.dataScale} is not finite in float32 (it reaches ±Inf); use a smaller scale`);
  }
  const engine = chooseEngine('ddpm train', settings, device);
  const profiler = settings.profile ? profilerFor('ddpm train', device, engine) : undefined;
  const folder = locks.add(prepareRunFolder(out, { command: 'ddpm train', resume: settings.resumeInPlace, overwrite: settings.overwrite }));
  const model = resumed?.model ?? new MLPDiffusion(config.numSteps, new E.Rng(run.seed), { hidden: config.hidden, device });
  const trainer = new Trainer(model, schedule, data, run, device, { engine, lossEvery: settings.lossEvery, profiler });
  if (resumed) trainer.importState(resumed.state);
  const runId = resumed?.state.runId ?? newRunId();
  return { settings, command, device, schedule, model, trainer, engine, profiler, runId, resumed: resumed !== null, folder };
}

/** What a points run allocates (MLPDiffusion: ddpm/model.ts), for checkSizes before any of it is. */
function pointsRunPlan(run: TrainCommandSettings['run'], evalPoints: number): SizePlan {
  const { points, batch } = run;
  const h = run.config.hidden, T = run.config.numSteps;
  const dense = 2 * h * h + 7 * h + 2; // Linear(2,h), two Linear(h,h), Linear(h,2)
  const params = dense + 3 * T * h; // and three Embedding(T, h)
  return {
    tensors: [
      { what: 'the training data', flags: '--points', values: 2 * points },
      { what: "a hidden layer's weight (hidden²)", flags: '--hidden', values: h * h },
      { what: 'a step embedding (steps × hidden)', flags: '--steps and --hidden', values: T * h },
      { what: "a batch's activations", flags: '--batch and --hidden', values: batch * h },
      { what: "a sampling batch's activations", flags: '--eval-points and --hidden', values: Math.min(evalPoints, sampleBatch(2)) * h },
    ],
    host: [
      // The data as drawn, scaled, and an epoch's shuffled batches: float32 [points, 2] each.
      { flags: '--points', bytes: 3 * 8 * points },
      // Weights, gradients, Adam's two moments, a weight average, packed copies, a checkpoint's bytes.
      { flags: '--hidden and --steps', bytes: 8 * 4 * params },
      // The samples, in data units and as drawn.
      { flags: '--eval-points', bytes: 2 * 8 * evalPoints },
    ],
    // Forward 2 FLOP a weight a point, backward 4.
    step: { flop: 6 * dense * batch, flags: `--hidden ${h} --batch ${batch}` },
  };
}

/**
 * The epochs up to the target, with checkpoints (training-loop.ts) logged in metrics.jsonl;
 * with --profile, the GPU's time per kernel over them.
 */
async function trainEpochs(r: TrainRun, stop: StopRequest): Promise<{ loop: LoopResult; profile: ProfileReport | null; log: MetricsLog }> {
  const { run, out, saveEvery, evalPoints } = r.settings;
  const { model, trainer, device, engine, runId } = r;
  const { config } = run;
  const log = new MetricsLog(out, !r.resumed);
  log.append({ started: new Date().toISOString(), command: r.command, run_id: runId, from_epoch: trainer.epoch });
  const loop = await trainWithCheckpoints(trainer, {
    ...runSummary(r, null), folder: r.folder, epochs: run.epochs, saveEvery, stop, log,
    encode: async () => {
      const state = await trainer.exportState();
      return {
        state: await encodeTrainState(model, { ...state, settings: checkpointSettings(run), config, runId }),
        model: await trainer.withSamplingWeights(() => encodeModel(model, config, { epoch: trainer.epoch, runId, weights: weightsNote(state, run.ema) })),
      };
    },
    preview: async (signal) => {
      const drawn = await trainer.withSamplingWeights(() => previewSamples(model, config, device, { n: Math.min(PREVIEW_POINTS, evalPoints), seed: run.seed, out, engine, signal, epoch: trainer.epoch }));
      return drawn && { sliced_w1: drawn.slicedW1, n: drawn.n, data_vs_data_floor: drawn.floor };
    },
  });
  trainer.adoptSamplingWeights();
  trainer.dispose();
  const profile = r.profiler && loop.steps > 0 ? await r.profiler.read() : null;
  r.profiler?.destroy();
  return { loop, profile, log };
}

/** --eval-points samples of the finished run, their quality, samples.png and reverse.png. */
async function drawClosingSamples(r: TrainRun, loop: LoopResult, stop: StopRequest): Promise<ClosingSamples> {
  const { run, out, evalPoints } = r.settings;
  const drawn = await sampleAfterTraining(runSummary(r, null), loop, r.trainer.epoch,
    `draw the samples with: ddpm sample --checkpoint ${out} --out points.npy --png samples.png`,
    () => drawSamples(r.model, run.config, r.device, {
      sampler: run.config.sampler, n: evalPoints, seed: run.seed, out, engine: r.engine, signal: stop.signal, source: `the model of epoch ${r.trainer.epoch}`,
    }));
  return { quality: drawn.quality, seconds: drawn.seconds };
}
