// The points workload on the command line (ddpm/points/: the S-curve and the other 2-D sets,
// MLPDiffusion): its `ddpm train` and `ddpm sample` flags and presets, a run set up on its data
// (checked to fit the device), its previews and closing samples judged by sliced W1, and what it
// reports. The default workload: `ddpm train` with no flags is README's quick start.

import { join } from 'node:path';
import * as E from '../../engine/index.js';
import { defaultEngine, ENGINE_NAMES, type EngineName } from '../../ddpm/fused/index.js';
import { generate, sampleBatch } from '../../ddpm/generate.js';
import { PRESET_NAMES, PRESETS, type ModelConfig, type PresetName } from '../../ddpm/points/config.js';
import { IMAGE_DATASETS } from '../../ddpm/images/data.js';
import { DATASETS, makeDataset } from '../../ddpm/points/data.js';
import { MLPDiffusion } from '../../ddpm/points/model.js';
import { reversePicture, samplesPicture } from '../../ddpm/points/pictures.js';
import { formatQuality, judgeSamples } from '../../ddpm/points/quality.js';
import { POINTS } from '../../ddpm/points/workload.js';
import { SIZE_LIMITS } from '../../ddpm/config.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { flag, flags, parseFlags, SEED_FLAG, UsageError, type FlagValues } from '../../app-support/args.js';
import { PROFILE_FLAG, profilerFor } from '../../app-support/profile.js';
import { generateWithProgress, writePicture } from '../pictures.js';
import { CHECKPOINT_FLAG, SAMPLE_DEVICE_FLAG, SAMPLE_RENAMED, SAMPLE_SEED_FLAG, SAMPLER_FLAGS } from '../sampler-flags.js';
import { checkSizes, samplingBatch, type SizePlan } from '../../app-support/size-limits.js';
import { DATA_SIZE_FLAG, DEVICE_FLAG, EPOCHS_FLAG, OUT_FLAG, runFolderFlags, SAMPLES_FLAG, trainingFlags } from '../train-settings.js';
import { epochsAhead } from '../train-report.js';
import { WEIGHTS_FLAG } from '../weights-flag.js';
import type { CliWorkload, RunSettings } from '../workload.js';

/** Points drawn at each checkpoint for a quick samples.png (about 10 s on the CPU path, 2 cores). */
const PREVIEW_POINTS = 1000;

const TIMES = 'on 2 CPU cores with a software WebGPU adapter';
const PRESET_TIMES: Record<PresetName, string> = {
  seed: `${PRESETS.seed.epochs} epochs: about 75 minutes ${TIMES}`,
  improved: `${PRESETS.improved.epochs} epochs: 28.6 s of training and ~4 s of closing samples ${TIMES}`,
};

// --engine, in train and sample (the points workload alone has a fused engine): fused (compiled GPU kernels) or eager (one kernel per op); the
// default is fused on WebGPU and eager on the CPU (ddpm/fused/, defaultEngine).
const ENGINE_FLAG = flag({
  name: 'engine', kind: 'string', choices: ENGINE_NAMES, default: 'fused on WebGPU, else eager',
  help: 'fused: whole steps as a few compiled GPU kernels; eager: one kernel per op (the reference)',
});

/** --engine as given (`f.engine`), else the device's default; fused needs WebGPU. */
function chooseEngine(command: string, f: { readonly engine?: EngineName }, device: E.Backend): EngineName {
  const engine = f.engine ?? defaultEngine(device);
  if (engine === 'fused' && device.name !== 'webgpu') {
    throw new UsageError(`${command}: --engine fused needs WebGPU (the device is '${device.name}'); use --engine eager or --device webgpu`);
  }
  return engine;
}

const PRESET = "the preset's";
const TRAIN_FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: [...DATASETS, ...IMAGE_DATASETS], default: 's-curve', help: 'a 2-D data set, or images (ddpm train --dataset mnist --help lists their flags)' },
  { name: 'preset', kind: 'string', choices: PRESET_NAMES, default: 'improved', help: PRESET_NAMES.map((p) => `${p}: ${PRESETS[p].summary} (${PRESET_TIMES[p]})`).join(';\n' + ' '.repeat(28)) },
  { ...EPOCHS_FLAG, default: `the preset's: ${PRESET_NAMES.map((p) => `${PRESETS[p].epochs} for ${p}`).join(', ')}` },
  ...trainingFlags({ lr: PRESET, decay: PRESET, warmup: PRESET, floor: PRESET, ema: PRESET, schedule: PRESET, timesteps: PRESET, minTimesteps: 1 }),
  { name: 'hidden', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: '128', help: 'hidden layer width (num_units)' },
  { name: 'data-scale', kind: 'number', min: 0, default: "the preset's", help: 'the network sees data × this; samples are scaled back' },
  { ...DATA_SIZE_FLAG, default: '10000', help: 'training points drawn from the data set' },
  DEVICE_FLAG,
  ENGINE_FLAG,
  { name: 'loss-every', kind: 'int', min: 1, default: '1024', help: 'fused engine: the most steps between loss readbacks (whole epochs; a readback comes every ~0.25 s anyway)' },
  PROFILE_FLAG,
  SEED_FLAG,
  { name: 'seeds', kind: 'int', min: 1, value: 'N', default: '1', help: 'N runs, seeds --seed … --seed+N−1, each in DIR/seed-<s>; then the mean and spread of their quality (seeds.json)' },
  ...runFolderFlags('runs/<dataset>-<preset>', '100'),
  { ...SAMPLES_FLAG, default: '10000', help: 'points sampled at the end for samples.png and the quality metric' },
]);
type Flags = FlagValues<typeof TRAIN_FLAGS>;
const TRAIN_RENAMED = { points: { to: 'data-size' }, steps: { to: 'timesteps' }, 'eval-points': { to: 'samples' } };

const SAMPLE_FLAGS = flags([
  { ...CHECKPOINT_FLAG, help: 'a run folder of ddpm train, or its model.safetensors (or a PyTorch state_dict as safetensors)' },
  ...SAMPLER_FLAGS,
  { ...SAMPLES_FLAG, default: '10000', help: 'number of points' },
  SAMPLE_SEED_FLAG,
  SAMPLE_DEVICE_FLAG,
  ENGINE_FLAG,
  WEIGHTS_FLAG,
  { ...OUT_FLAG, value: 'FILE', help: 'where the points go: .npy (numpy.load) or .csv (x,y)' },
  { name: 'png', kind: 'string', value: 'FILE', help: 'also draw the samples beside the data (and FILE with -reverse before .png: the reverse process); an image model: its grid' },
]);

/** What a points run allocates (MLPDiffusion: ddpm/points/model.ts), for checkSizes before any of it is. */
function sizePlan(run: RunSettings<ModelConfig>, samples: number): SizePlan {
  const { batch } = run;
  const points = run.dataSize ?? 0;
  const h = run.config.hidden, T = run.config.timesteps;
  const dense = 2 * h * h + 7 * h + 2; // Linear(2,h), two Linear(h,h), Linear(h,2)
  const params = dense + 3 * T * h; // and three Embedding(T, h)
  return {
    tensors: [
      { what: 'the training data', flags: '--data-size', values: 2 * points },
      { what: "a hidden layer's weight (hidden²)", flags: '--hidden', values: h * h },
      { what: 'a step embedding (timesteps × hidden)', flags: '--timesteps and --hidden', values: T * h },
      { what: "a batch's activations", flags: '--batch and --hidden', values: batch * h },
      { what: "a sampling batch's activations", flags: '--samples and --hidden', values: Math.min(samples, sampleBatch(2)) * h },
    ],
    host: [
      // The data as drawn, scaled, and an epoch's shuffled batches: float32 [points, 2] each.
      { flags: '--data-size', bytes: 3 * 8 * points },
      // Weights, gradients, Adam's two moments, a weight average, packed copies, a checkpoint's bytes.
      { flags: '--hidden and --timesteps', bytes: 8 * 4 * params },
      // The samples, in data units and as drawn.
      { flags: '--samples', bytes: 2 * 8 * samples },
    ],
    // Forward 2 FLOP a weight a point, backward 4.
    step: { flop: 6 * dense * batch, flags: `--hidden ${h} --batch ${batch}` },
  };
}

export const POINTS_CLI: CliWorkload<Flags, FlagValues<typeof SAMPLE_FLAGS>, ModelConfig, MLPDiffusion> = {
  core: POINTS,
  train: {
    usage: 'ddpm train',
    description: 'Trains the S-curve tutorial\'s MLPDiffusion (Adam, gradient clipping, batches shuffled every epoch)\n' +
      'and writes model.safetensors, train-state.safetensors, metrics.json, samples.png, reverse.png and loss.png\n' +
      '(with --seeds N, one such folder per seed and seeds.json: the quality of each and their mean and spread).\n' +
      `With no flags it is README's quick start: --preset improved, ${PRESET_TIMES.improved}.`,
    flags: TRAIN_FLAGS,
    renamed: TRAIN_RENAMED,
    parse: (argv) => parseFlags('ddpm train', argv, TRAIN_FLAGS, TRAIN_RENAMED),
    defaults: { saveEvery: 100, samples: 10_000, dataSize: 10_000 },
    newRun(f) {
      const preset = PRESETS[f.preset ?? 'improved'];
      const custom = (['schedule', 'timesteps', 'data-scale'] as const).some((k) => f[k] !== undefined);
      if (f['data-scale'] !== undefined && !(f['data-scale'] > 0)) throw new UsageError('ddpm train: --data-scale must be > 0');
      return {
        config: {
          model: 'MLPDiffusion', timesteps: f.timesteps ?? preset.timesteps, hidden: f.hidden ?? 128, schedule: f.schedule ?? preset.schedule,
          dataset: DATASETS.find((d) => d === f.dataset) ?? 's-curve', // an image --dataset is the images workload's (workloads/index.ts)
          dataScale: f['data-scale'] ?? preset.dataScale, sampler: preset.sampler,
          preset: custom ? 'custom' : (f.preset ?? 'improved'),
        },
        epochs: preset.epochs,
        lr: preset.lr,
        optimizer: { ema: preset.ema, decay: preset.lrDecay, warmupSteps: preset.warmupSteps, floor: preset.lrFloor },
      };
    },
    defaultEpochs: (config) => (config.preset === 'custom' ? PRESETS.improved : PRESETS[config.preset]).epochs,
    flagsOfConfig: (c) => ({ dataset: c.dataset, preset: c.preset, schedule: c.schedule, timesteps: c.timesteps, hidden: c.hidden, 'data-scale': c.dataScale }),
    defaultOut: (config) => join('runs', `${config.dataset}-${config.preset}`),
    checkpointSettings: (run) => ({
      batch: run.batch, lr: run.lr, clip: run.clip, ema: run.ema, lrSchedule: run.lrSchedule, seed: run.seed, points: run.dataSize, epochs: run.epochs,
    }),
    prepare(run, f, device, resumed, out) {
      const { config } = run;
      const samples = f.samples ?? 10_000;
      checkSizes('ddpm train', device, sizePlan(run, samples));
      const data = makeDataset(config.dataset, run.dataSize ?? 10_000, run.seed).map((v) => v * config.dataScale);
      if (!data.every(Number.isFinite)) {
        throw new UsageError(`ddpm train: the data × --data-scale ${config.dataScale} is not finite in float32 (it reaches ±Inf); use a smaller scale`);
      }
      const engine: EngineName = chooseEngine('ddpm train', f, device);
      const model = resumed ?? new MLPDiffusion(config.timesteps, new E.Rng(run.seed), { hidden: config.hidden, device });
      const sampling = { sampler: config.sampler, seed: run.seed, engine };
      const alphaBarT = makeSchedule(config.schedule, config.timesteps).alphasBar[config.timesteps - 1];
      return {
        model, data, engine, lossEvery: f['loss-every'], files: [],
        profiler: f.profile ? profilerFor('ddpm train', device, engine) : undefined,
        later: `draw the samples with: ddpm sample --checkpoint ${out} --out points.npy --png samples.png`,
        startLines: (trainer, isResumed) => {
          const nParams = model.parameters().reduce((s, p) => s + p.size, 0);
          const points = run.dataSize ?? 10_000;
          return [
            `model: MLPDiffusion, T = ${config.timesteps}, ${config.hidden} hidden units, ${nParams} parameters`,
            `data: ${config.dataset}, ${points} points${config.dataScale !== 1 ? ` (× ${config.dataScale} for the network)` : ''}; ` +
              `schedule ${config.schedule} (ᾱ_T = ${alphaBarT.toPrecision(3)}); preset ${config.preset}`,
            ...(run.batch > points ? [`note: --batch ${run.batch} is more than the ${points} points: each epoch is one batch of ${points}`] : []),
            `training: ${epochsAhead(trainer, run.epochs, isResumed)}, ` +
              `batch ${run.batch}, clip ${run.clip}, seed ${run.seed}, ${engine} engine → ${out}`,
          ];
        },
        async preview(trainer, signal) {
          let points: Float32Array;
          try {
            ({ points } = await trainer.withSamplingWeights(() => generate(model, POINTS.samplingConfig(config), device,
              { ...sampling, n: Math.min(PREVIEW_POINTS, samples), signal, frames: 0, batch: samplingBatch(model, device) })));
          } catch (e) {
            if (signal.aborted) return null;
            throw e;
          }
          const quality = judgeSamples(points, config.dataset);
          writePicture(join(out, 'samples.png'), samplesPicture(points, config, config.sampler, quality, trainer.epoch));
          return { sliced_w1: quality.slicedW1, n: quality.n, data_vs_data_floor: quality.floor };
        },
        async closing(trainer, n, signal) {
          const generated = await generateWithProgress(model, POINTS.samplingConfig(config), device, { ...sampling, n, signal }, `the model of epoch ${trainer.epoch}`);
          const quality = judgeSamples(generated.points, config.dataset);
          console.log(`quality: ${formatQuality(quality)}`);
          writePicture(join(out, 'samples.png'), samplesPicture(generated.points, config, config.sampler, quality));
          writePicture(join(out, 'reverse.png'), reversePicture(generated.frames, config, config.sampler));
          return {
            seconds: generated.seconds,
            quality: {
              metric: 'sliced Wasserstein-1', sampler: config.sampler, n: quality.n, directions: quality.directions,
              sliced_w1: quality.slicedW1, data_vs_data_floor: quality.floor, gaussian_vs_data: quality.gaussian,
            },
            log: { sliced_w1: quality.slicedW1, n: quality.n, data_vs_data_floor: quality.floor },
            seeds: { slicedW1: quality.slicedW1, floor: quality.floor, n: quality.n },
          };
        },
        metrics: () => ({ device: { name: device.name, description: device.describe() }, engine, alpha_bar_T: alphaBarT }),
      };
    },
  },
  sample: {
    usage: 'ddpm sample',
    description: 'Draws points from a trained model and writes them as .npy or .csv.\n' +
      'An image model\'s checkpoint draws images: its flags are listed by ddpm sample --checkpoint FILE --help.',
    flags: SAMPLE_FLAGS,
    renamed: SAMPLE_RENAMED,
    parse: (argv) => parseFlags('ddpm sample', argv, SAMPLE_FLAGS, SAMPLE_RENAMED),
    defaultSamples: 10_000,
    checkFiles(out, png) {
      if (out === undefined) throw new UsageError('ddpm sample: --out FILE is required (.npy or .csv)');
      if (!/\.(npy|csv)$/i.test(out)) throw new UsageError(`ddpm sample: --out must end in .npy or .csv, got '${out}'`);
      if (png !== undefined && !/\.png$/i.test(png)) throw new UsageError(`ddpm sample: --png must end in .png, got '${png}'`);
    },
    engine: (f, device) => chooseEngine('ddpm sample', f, device),
    describe: (c) => `MLPDiffusion, T = ${c.timesteps}, ${c.hidden} hidden units, ${c.schedule} schedule, ${c.dataset}, preset ${c.preset}`,
    keeps: (_out, png) => png !== undefined,
    rowShape: () => [2],
    sampledLine: (n, seconds) => `sampled ${n} points in ${seconds.toFixed(2)} s`,
    before: async (_checkpoint, config, f) => async (drawn, choice) => {
      const png = f.png;
      if (png === undefined) return;
      const quality = judgeSamples(drawn.points, config.dataset);
      console.log(`quality: ${formatQuality(quality)}`);
      const reversePng = png.replace(/\.png$/i, '-reverse.png');
      writePicture(png, samplesPicture(drawn.points, config, choice.sampler, quality));
      writePicture(reversePng, reversePicture(drawn.frames, config, choice.sampler));
      console.log(`wrote ${png}, ${reversePng}`);
    },
  },
};
