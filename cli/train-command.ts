// `ddpm train`: trains MLPDiffusion on a 2-D data set (image data sets go to
// image/train-command.ts) and writes, into --out DIR:
//   model.safetensors        the weights (PyTorch state_dict keys) and the model config
//   train-state.safetensors  Adam's moments, the epoch and the random stream's position (--resume)
//   metrics.json             every setting, the loss per epoch, quality, wall time, steps/s, device
//   samples.png              generated points beside data points
//   reverse.png              x_T … x_0, the reverse process as a strip of frames
//   loss.png                 the loss per epoch
//   metrics.jsonl            a line per epoch and per checkpoint, appended as the run goes
// Checkpoints are written every --save-every epochs (refreshing metrics.json, loss.png and a
// preview samples.png) and at the end; Ctrl-C or SIGTERM saves the last completed epoch and
// exits 130 / 143 (training-loop.ts, run-folder.ts).

import { join } from 'node:path';
import * as E from '../engine/index.js';
import { selectDevice } from '../engine/webgpu/index.js';
import { decodeModel, decodeTrainState, encodeModel, encodeTrainState } from '../ddpm/checkpoint.js';
import { PRESET_NAMES, PRESETS, modelConfigJson, type ModelConfig } from '../ddpm/config.js';
import { DATASETS, makeDataset, type DatasetName } from '../ddpm/data.js';
import { IMAGE_DATASETS, type ImageDatasetName } from '../ddpm/image/data.js';
import { MLPDiffusion } from '../ddpm/model.js';
import type { QualityReport } from '../ddpm/quality.js';
import { makeSchedule, SCHEDULES } from '../ddpm/schedules.js';
import { Trainer, TUTORIAL_TRAIN_SETTINGS, type TrainSettings } from '../ddpm/train.js';
import { flags, helpText, OVERWRITE_FLAG, parseFlags, refuseChangedFlags, SEED_FLAG, UsageError, type FlagValues, type SavedFlags } from './args.js';
import { chooseEngine, ENGINE_FLAG } from './engine.js';
import { resumeFolder } from './files.js';
import { imageTrainCommand, isImageTraining } from './image/train-command.js';
import { drawSamples, lossPicture, PREVIEW_POINTS, previewSamples } from './pictures.js';
import { perStep, PROFILE_FLAG, profileLines, profilerFor } from './profile.js';
import { commandLine, MetricsLog, METRICS_FILE, METRICS_LOG, MODEL_FILE, newRunId, prepareRunFolder, readCheckpoint, STATE_FILE } from './run-folder.js';
import { withStopSignals, type StopRequest } from './stop.js';
import { runProgressMetrics, sampleAfterTraining, trainWithCheckpoints, writeRunSummary, type LoopResult, type RunStatus } from './training-loop.js';

const FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: [...DATASETS, ...IMAGE_DATASETS], default: 's-curve', help: 'a 2-D data set, or images (ddpm train --dataset mnist --help lists their flags)' },
  { name: 'preset', kind: 'string', choices: PRESET_NAMES, default: 'seed', help: PRESET_NAMES.map((p) => `${p}: ${PRESETS[p].summary}`).join(';\n' + ' '.repeat(28)) },
  { name: 'epochs', kind: 'int', min: 0, default: '4000', help: "total epochs (with --resume: the total to reach; default the run's own)" },
  { name: 'batch', kind: 'int', min: 1, default: '128', help: 'batch size' },
  { name: 'lr', kind: 'number', min: 0, default: '1e-3', help: 'Adam learning rate' },
  { name: 'clip', kind: 'number', min: 0, default: '1.0', help: 'gradient-norm clipping (max_norm)' },
  { name: 'schedule', kind: 'string', choices: SCHEDULES, default: "the preset's", help: 'noise schedule' },
  { name: 'steps', kind: 'int', min: 1, default: "the preset's", help: 'diffusion steps T' },
  { name: 'hidden', kind: 'int', min: 1, default: '128', help: 'hidden layer width (num_units)' },
  { name: 'data-scale', kind: 'number', min: 0, default: "the preset's", help: 'the network sees data × this; samples are scaled back' },
  { name: 'points', kind: 'int', min: 1, default: '10000', help: 'training points drawn from the data set' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to train (auto: WebGPU when an adapter exists)' },
  ENGINE_FLAG,
  { name: 'loss-every', kind: 'int', min: 1, default: '1024', help: 'fused engine: the most steps between loss readbacks (whole epochs; a readback comes every ~0.25 s anyway)' },
  PROFILE_FLAG,
  SEED_FLAG,
  { name: 'out', kind: 'string', value: 'DIR', default: 'runs/<dataset>-<preset>', help: 'output folder (refused if it holds another run)' },
  { name: 'resume', kind: 'string', value: 'DIR|FILE', help: 'continue a run from its folder (or its model.safetensors)' },
  OVERWRITE_FLAG,
  { name: 'save-every', kind: 'int', min: 0, default: '100', help: 'write checkpoints every N epochs (0: only at the end)' },
  { name: 'eval-points', kind: 'int', min: 1, default: '10000', help: 'points sampled at the end for samples.png and the quality metric' },
]);

type TrainFlags = FlagValues<typeof FLAGS>;

const DESCRIPTION = 'Trains the S-curve tutorial\'s MLPDiffusion (Adam, gradient clipping, batches shuffled every epoch)\n' +
  'and writes model.safetensors, train-state.safetensors, metrics.json, samples.png, reverse.png and loss.png.';

interface RunSettings extends TrainSettings {
  config: ModelConfig;
  epochs: number;
  points: number;
}

function settingsFromFlags(f: TrainFlags): RunSettings {
  const preset = PRESETS[f.preset ?? 'seed'];
  const custom = (['schedule', 'steps', 'data-scale'] as const).some((k) => f[k] !== undefined);
  if (f['data-scale'] !== undefined && !(f['data-scale'] > 0)) throw new UsageError('ddpm train: --data-scale must be > 0');
  if (f.lr !== undefined && !(f.lr > 0)) throw new UsageError('ddpm train: --lr must be > 0');
  if (f.clip !== undefined && !(f.clip > 0)) throw new UsageError('ddpm train: --clip must be > 0');
  return {
    config: {
      model: 'MLPDiffusion',
      numSteps: f.steps ?? preset.numSteps,
      hidden: f.hidden ?? 128,
      schedule: f.schedule ?? preset.schedule,
      dataset: f.dataset !== undefined ? pointDataset(f.dataset) : 's-curve',
      dataScale: f['data-scale'] ?? preset.dataScale,
      sampler: preset.sampler,
      preset: custom ? 'custom' : (f.preset ?? 'seed'),
    },
    epochs: f.epochs ?? preset.epochs,
    batch: f.batch ?? TUTORIAL_TRAIN_SETTINGS.batch,
    lr: f.lr ?? TUTORIAL_TRAIN_SETTINGS.lr,
    clip: f.clip ?? TUTORIAL_TRAIN_SETTINGS.clip,
    seed: f.seed ?? 0,
    points: f.points ?? 10_000,
  };
}

/** --dataset here: image data sets go to image/train-command.ts before these flags are parsed. */
function pointDataset(name: DatasetName | ImageDatasetName): DatasetName {
  const found = DATASETS.find((d) => d === name);
  if (found === undefined) throw new UsageError(`ddpm train: --dataset ${name} takes the image flags (see ddpm train --dataset ${name} --help)`);
  return found;
}

export async function trainCommand(argv: readonly string[]): Promise<void> {
  if (isImageTraining(argv)) return imageTrainCommand(argv);
  const f = parseFlags('ddpm train', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm train', DESCRIPTION, FLAGS));
    return;
  }
  await withStopSignals('stopping after this step to save the last completed epoch', (stop) => train(f, argv, stop));
}

async function train(f: TrainFlags, argv: readonly string[], stop: StopRequest): Promise<void> {
  const requested = settingsFromFlags(f);
  const { device, note } = await selectDevice(f.device ?? 'auto');
  console.log(note);

  // A resumed run takes every setting from its checkpoint; the flags may only agree with them.
  let run = requested;
  let resumed: { model: MLPDiffusion; state: ReturnType<typeof decodeTrainState>; dir: string } | null = null;
  if (f.resume !== undefined) {
    const { model, state, note: resumeNote } = readCheckpoint(f.resume, (bytes, file) => decodeModel(bytes, device, file),
      (bytes, m, file) => decodeTrainState(bytes, m, file));
    if (resumeNote) console.log(`note: ${resumeNote}`);
    const target = f.epochs !== undefined ? requested.epochs : state.settings.epochs ?? requested.epochs;
    run = { ...state.settings, config: state.config, points: state.settings.points ?? 10_000, epochs: target };
    // Every setting a resumed run takes from its checkpoint: giving a different value is an error.
    refuseChangedFlags('ddpm train', f, settingsFromResumed(run));
    if (run.epochs < state.epoch) throw new UsageError(`ddpm train: --epochs ${run.epochs} is below the ${state.epoch} epochs the run already has`);
    resumed = { model, state, dir: resumeFolder(f.resume) };
  }
  const out = f.out ?? (resumed ? resumed.dir : join('runs', `${run.config.dataset}-${run.config.preset}`));
  prepareRunFolder(out, { command: 'ddpm train', resume: resumed !== null && out === resumed.dir, overwrite: f.overwrite });
  const { config } = run;
  const schedule = makeSchedule(config.schedule, config.numSteps);
  const data = makeDataset(config.dataset, run.points, run.seed).map((v) => v * config.dataScale);
  if (!data.every(Number.isFinite)) {
    throw new UsageError(`ddpm train: the data × --data-scale ${config.dataScale} is not finite in float32 (it reaches ±Inf); use a smaller scale`);
  }
  const model = resumed?.model ?? new MLPDiffusion(config.numSteps, new E.Rng(run.seed), { hidden: config.hidden, device });
  const engine = chooseEngine('ddpm train', f, device);
  const profiler = f.profile ? profilerFor('ddpm train', device, engine) : undefined;
  const trainer = new Trainer(model, schedule, data, run, device, { engine, lossEvery: f['loss-every'], profiler });
  if (resumed) trainer.importState(resumed.state);
  const runId = resumed?.state.runId ?? newRunId();

  const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
  console.log(`model: MLPDiffusion, T = ${config.numSteps}, ${config.hidden} hidden units, ${nParams} parameters`);
  console.log(`data: ${config.dataset}, ${run.points} points${config.dataScale !== 1 ? ` (× ${config.dataScale} for the network)` : ''}; ` +
    `schedule ${config.schedule} (ᾱ_T = ${schedule.alphasBar[config.numSteps - 1].toPrecision(3)}); preset ${config.preset}`);
  if (run.batch > run.points) console.log(`note: --batch ${run.batch} is more than the ${run.points} points: each epoch is one batch of ${run.points}`);
  console.log(`training: ${resumed ? `epochs ${trainer.epoch + 1}…${run.epochs}` : `${run.epochs} epochs`} × ${trainer.stepsPerEpoch} steps, ` +
    `batch ${run.batch}, Adam lr ${run.lr}, clip ${run.clip}, seed ${run.seed}, ${engine} engine → ${out}`);

  const saveEvery = f['save-every'] ?? 100;
  const evalPoints = f['eval-points'] ?? 10_000;
  const log = new MetricsLog(out, resumed === null);
  log.append({ started: new Date().toISOString(), command: commandLine(argv), run_id: runId, from_epoch: trainer.epoch });
  // The final samples' quality and time, once drawn.
  let quality: QualityReport | null = null;
  let sampleSeconds: number | null = null;
  const metrics = (status: RunStatus, loop: LoopResult): Record<string, unknown> => ({
    command: commandLine(argv),
    status,
    run_id: runId,
    settings: { ...trainSettings(run), save_every: saveEvery },
    config: JSON.parse(modelConfigJson(config)) as unknown,
    device: { name: device.name, description: device.describe() },
    engine,
    alpha_bar_T: schedule.alphasBar[config.numSteps - 1],
    quality: quality && {
      metric: 'sliced Wasserstein-1', sampler: config.sampler, n: quality.n, directions: quality.directions,
      sliced_w1: quality.slicedW1, data_vs_data_floor: quality.floor, gaussian_vs_data: quality.gaussian,
    },
    wall_time_s: { train: loop.seconds, sample: sampleSeconds },
    ...runProgressMetrics(trainer, loop, resumed !== null),
  });
  const summary = { dir: out, metrics, lossPicture: () => lossPicture(trainer.losses, config) };
  const loop = await trainWithCheckpoints(trainer, {
    ...summary, epochs: run.epochs, saveEvery, stop, log,
    encode: async () => ({
      state: encodeTrainState(model, { ...(await trainer.exportState()), settings: trainSettings(run), config, runId }),
      model: await encodeModel(model, config, { epoch: trainer.epoch, runId }),
    }),
    preview: async (signal) => {
      const drawn = await previewSamples(model, config, device, { n: Math.min(PREVIEW_POINTS, evalPoints), seed: run.seed, out, engine, signal, epoch: trainer.epoch });
      return drawn && { sliced_w1: drawn.slicedW1, n: drawn.n, data_vs_data_floor: drawn.floor };
    },
  });
  trainer.dispose();
  console.log(`trained ${trainer.epoch - loop.firstEpoch} epochs (${loop.steps} steps) in ${loop.seconds.toFixed(1)} s: ` +
    `${(loop.steps / Math.max(loop.seconds, 1e-9)).toFixed(1)} steps/s; checkpoint ${join(out, MODEL_FILE)}`);
  if (profiler && loop.steps > 0) {
    console.log(profileLines('fused training step', perStep(await profiler.read(), loop.steps), 'step', (1e6 * loop.seconds) / loop.steps).join('\n'));
  }
  profiler?.destroy();
  if (loop.stopped) throw loop.stopped;

  const drawn = await sampleAfterTraining(summary, loop, trainer.epoch, `draw the samples with: ddpm sample --checkpoint ${out} --out points.npy --png samples.png`,
    () => drawSamples(model, config, device, { sampler: config.sampler, n: evalPoints, seed: run.seed, out, engine, signal: stop.signal }));
  ({ quality, seconds: sampleSeconds } = drawn);
  log.append({ final: trainer.epoch, quality: { sliced_w1: quality.slicedW1, n: quality.n, data_vs_data_floor: quality.floor } });
  writeRunSummary(summary, 'finished', loop);
  console.log(`wrote ${[MODEL_FILE, STATE_FILE, METRICS_FILE, METRICS_LOG, 'samples.png', 'reverse.png', 'loss.png'].map((n) => join(out, n)).join(', ')}`);
}

function trainSettings(run: RunSettings): TrainSettings & { points: number; epochs: number } {
  return { batch: run.batch, lr: run.lr, clip: run.clip, seed: run.seed, points: run.points, epochs: run.epochs };
}

/** A resumed run's settings keyed by flag name, to compare with the flags given. */
function settingsFromResumed(run: RunSettings): SavedFlags<TrainFlags> {
  return {
    dataset: run.config.dataset, preset: run.config.preset, batch: run.batch, lr: run.lr, clip: run.clip,
    schedule: run.config.schedule, steps: run.config.numSteps, hidden: run.config.hidden,
    'data-scale': run.config.dataScale, points: run.points, seed: run.seed,
  };
}
