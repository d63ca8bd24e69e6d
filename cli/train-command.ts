// `ddpm train`: trains a workload's model (cli/workloads/: 2-D points by default, images with
// --dataset mnist|fashion-mnist) and writes, into --out DIR:
//   model.safetensors        the weights to sample with (PyTorch state_dict keys; the weight
//                            average with --ema) and the model config
//   train-state.safetensors  Adam's moments, the epoch and the random stream's position, the
//                            trained weights and the average with --ema (--resume)
//   metrics.json             every setting, the loss per epoch, quality, wall time, steps/s, device
//   samples.png, reverse.png the closing samples and the reverse process (the workload's pictures)
//   loss.png                 the loss per epoch
//   metrics.jsonl            a line per epoch and per checkpoint, appended as the run goes
// and what its workload adds (images: the judging classifier). Checkpoints are written every
// --save-every epochs (refreshing metrics.json, loss.png and a preview samples.png) and at the
// end; Ctrl-C or SIGTERM saves the last completed epoch and exits 130 / 143 (training-loop.ts,
// app-support/run-folder.ts). With --seeds N the run is made N times (seeds s … s+N−1, each in
// DIR/seed-<s>) and their quality summed up in DIR/seeds.json.
// The flags become settings in train-settings.ts; this file sets the run up and runs it; what
// it prints and writes about the run is train-report.ts.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { selectDevice, type ProfileReport } from '../engine/webgpu/index.js';
import { decodeTrainState, encodeTrainState, weightsNote, type SavedTrainState } from '../ddpm/checkpoint.js';
import { seedsTable } from '../ddpm/points/quality.js';
import { makeSchedule } from '../ddpm/schedules.js';
import { Trainer } from '../ddpm/train.js';
import type { WorkloadConfig } from '../ddpm/workload.js';
import { helpText, UsageError } from '../app-support/args.js';
import { resumeFolder, writeFileAtomic } from '../app-support/files.js';
import { Interrupted, withStopSignals, type StopRequest } from '../app-support/stop.js';
import { commandLine, MetricsLog, MODEL_FILE, newRunId, prepareRunFolder, readCheckpoint, runDiverged, RunLocks } from '../app-support/run-folder.js';
import { printStart, printTrained, reportFinished, runSummary, type TrainRun } from './train-report.js';
import { applyOptimizer, newRunSettings, trainSettings, type ResumedSettings, type TrainCommandSettings } from './train-settings.js';
import { sampleAfterTraining, trainWithCheckpoints, type LoopResult } from './training-loop.js';
import type { AnyWorkload, ClosingSamples, TrainFlags } from './workload.js';
import { trainWorkload } from './workloads/index.js';

/** A checkpoint read for --resume: its model, its train state and the folder it is in. */
type ResumedRun = ResumedSettings<WorkloadConfig> & { model: unknown; state: SavedTrainState<WorkloadConfig> };

export async function trainCommand(argv: readonly string[]): Promise<void> {
  const w = trainWorkload(argv);
  const f: TrainFlags | null = w.train.parse(argv);
  if (f === null) {
    process.stdout.write(helpText(w.train.usage, w.train.description, w.train.flags, w.train.renamed));
    return;
  }
  const seeds = f.seeds ?? 1;
  await withStopSignals('stopping after this step to save the last completed epoch', async (stop) => {
    if (seeds === 1) await train(w, f, argv, stop);
    else await trainSeeds(w, f, seeds, argv, stop);
  });
}

/** What one run gives the --seeds table. */
interface SeedResult {
  seed: number;
  /** The run was continued from its folder (steps and seconds are this command's). */
  continued: boolean;
  steps: number;
  trainSeconds: number;
  quality: NonNullable<ClosingSamples['seeds']>;
}

/**
 * --seeds N: the same run with seeds s … s+N−1, each in its own folder (DIR/seed-<s>), then each
 * one's quality and their mean and spread, printed and written to DIR/seeds.json. The same
 * command again continues a set that was stopped: a seed's folder that holds a run resumes it
 * (its settings must be the flags'; a finished one trains no further and is sampled again, to
 * the same quality), one that does not starts it.
 */
async function trainSeeds(w: AnyWorkload, f: TrainFlags, seeds: number, argv: readonly string[], stop: StopRequest): Promise<void> {
  if (f.resume !== undefined) throw new UsageError('ddpm train: --seeds cannot --resume one run; to continue a set, run the same --seeds command again');
  const base = f.out ?? w.train.defaultOut(newRunSettings(w, f).run.config);
  const first = f.seed ?? 0;
  const results: SeedResult[] = [];
  for (let i = 0; i < seeds; i++) {
    const seed = first + i;
    const out = join(base, `seed-${seed}`);
    const continued = !f.overwrite && existsSync(join(out, MODEL_FILE));
    console.log(`\n== seed ${seed} (${i + 1} of ${seeds})${continued ? `: continuing the run in ${out}` : ''} ==`);
    try {
      const result = await train(w, continued ? { ...f, seed, out, resume: out, overwrite: false } : { ...f, seed, out }, argv, stop);
      if (result.closing.seeds === undefined) throw new Error(`ddpm train: --seeds has no quality to compare for ${w.core.name}`);
      results.push({ ...result, quality: result.closing.seeds, continued });
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

/** The settings, the run set up and trained, its closing samples, and the report on each step. */
async function train(w: AnyWorkload, f: TrainFlags, argv: readonly string[], stop: StopRequest): Promise<{ seed: number; steps: number; trainSeconds: number; closing: ClosingSamples }> {
  if (f.resume === undefined) newRunSettings(w, f); // bad flags are refused before a device is chosen
  const { device, note } = await selectDevice(f.device ?? 'auto');
  console.log(note);
  const locks = new RunLocks();
  try {
    // A resumed run takes every setting from its checkpoint; the flags may only agree with them.
    const resumed = f.resume !== undefined ? readResumedRun(w, f.resume, device, locks) : null;
    const run = await setUpRun(w, f, trainSettings<TrainFlags, WorkloadConfig>(w, f, resumed), device, resumed, commandLine(argv), locks, stop.signal);
    printStart(run);
    const { loop, profile, log } = await trainEpochs(run, stop);
    printTrained(run, loop, profile);
    if (loop.stopped) throw loop.stopped;
    const { run: settings, samples } = run.settings;
    const closing = await sampleAfterTraining(runSummary(run, null), loop, run.trainer.epoch, run.prepared.later,
      () => run.prepared.closing(run.trainer, samples, stop.signal));
    reportFinished(run, loop, log, closing);
    return { seed: settings.seed, steps: loop.steps, trainSeconds: loop.seconds, closing };
  } finally {
    locks.release();
  }
}

function readResumedRun(w: AnyWorkload, resume: string, device: E.Backend, locks: RunLocks): ResumedRun {
  locks.take(resumeFolder(resume), 'ddpm train --resume');
  const { model, state, note } = readCheckpoint(resume, (bytes, file) => w.core.decodeModel(bytes, device, file),
    (bytes, m: E.Module, file) => decodeTrainState(bytes, m, file, (json) => w.core.parseConfig(json)));
  if (note) console.log(`note: ${note}`);
  const dir = resumeFolder(resume);
  return { model, state, dir, diverged: runDiverged(dir) };
}

/**
 * The run set up by its workload (data, model, size checks, judge), its optimizer schedule once
 * the data is counted, its folder prepared and locked (an old run --overwrite replaces stays
 * until the first step) and the trainer.
 */
async function setUpRun(w: AnyWorkload, f: TrainFlags, settings: TrainCommandSettings<WorkloadConfig>, device: E.Backend, resumed: ResumedRun | null,
  command: string, locks: RunLocks, signal: AbortSignal): Promise<TrainRun> {
  const { run, out } = settings;
  const prepared = w.train.prepare(run, f, device, resumed?.model ?? null, out);
  applyOptimizer(run, f, settings, prepared.data.length / prepared.model.dataDim);
  const folder = locks.add(prepareRunFolder(out, { command: 'ddpm train', resume: settings.resumeInPlace, overwrite: settings.overwrite }));
  await prepared.ready?.(signal);
  const schedule = makeSchedule(run.config.schedule, run.config.timesteps);
  const trainer = new Trainer(prepared.model, schedule, prepared.data, run, device,
    { engine: prepared.engine, lossEvery: prepared.lossEvery, profiler: prepared.profiler });
  if (resumed) trainer.importState(resumed.state);
  const runId = resumed?.state.runId ?? newRunId();
  return { workload: w, settings, command, device, schedule, prepared, trainer, runId, resumed: resumed !== null, folder };
}

/**
 * The epochs up to the target, with checkpoints (training-loop.ts) logged in metrics.jsonl;
 * with --profile, the GPU's time per kernel over them.
 */
async function trainEpochs(r: TrainRun, stop: StopRequest): Promise<{ loop: LoopResult; profile: ProfileReport | null; log: MetricsLog }> {
  const { run, out, saveEvery } = r.settings;
  const { trainer, runId, workload: w } = r;
  const { model, profiler } = r.prepared;
  const log = new MetricsLog(out, !r.resumed);
  log.append({ started: new Date().toISOString(), command: r.command, run_id: runId, from_epoch: trainer.epoch });
  const loop = await trainWithCheckpoints(trainer, {
    ...runSummary(r, null), folder: r.folder, epochs: run.epochs, saveEvery, stop, log,
    encode: async () => {
      const state = await trainer.exportState();
      return {
        state: await encodeTrainState(model, { ...state, settings: w.train.checkpointSettings(run), config: run.config, runId }, (c) => w.core.configJson(c)),
        model: await trainer.withSamplingWeights(() => w.core.encodeModel(model, run.config, { epoch: trainer.epoch, runId, weights: weightsNote(state, run.ema) })),
      };
    },
    preview: (signal) => r.prepared.preview(trainer, signal),
  });
  trainer.adoptSamplingWeights();
  trainer.dispose();
  const profile = profiler && loop.steps > 0 ? await profiler.read() : null;
  profiler?.destroy();
  return { loop, profile, log };
}
