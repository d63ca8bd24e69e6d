// `ddpm sample --checkpoint runs/mnist/model.safetensors`: draws images from an image model.
// --out FILE.png writes a grid (and FILE-reverse.png, the reverse process); FILE.npy writes the
// images as a float32 array [n, 28, 28] in [−1, 1], and --png GRID.png the grid beside them. With a classifier (classifier.safetensors
// beside the checkpoint, or --classifier FILE) the images are judged and the grid captioned.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { selectDevice } from '../../engine/webgpu/index.js';
import { checkpointModel } from '../../ddpm/checkpoint.js';
import { isImageModelName, samplingConfig } from '../../ddpm/image/config.js';
import { decodeClassifier, decodeImageModel } from '../../ddpm/image/checkpoint.js';
import { formatImageQuality, judgeImages, type ImageQuality } from '../../ddpm/image/quality.js';
import { encodeNpy } from '../../ddpm/points-format.js';
import { flags, helpText, parseFlags, SEED_FLAG, UsageError, type FlagValues } from '../../app-support/args.js';
import { prepareOutputFile, readSafetensorsOrFail, writeFileAtomic } from '../../app-support/files.js';
import { loadImageDataset } from '../../app-support/image-files.js';
import { describeImageRun, describeSampler, imageReversePicture, imageSamplesPicture } from '../../ddpm/image/pictures.js';
import { generateWithProgress, writePicture } from '../pictures.js';
import { describeCheckpoint, modelFileOf } from '../run-folder.js';
import { SAMPLER_FLAGS, samplerFromFlags } from '../sampler-flags.js';
import { withStopSignals, type StopRequest } from '../../app-support/stop.js';
import { chooseWeights, WEIGHTS_FLAG } from '../weights-flag.js';

const FLAGS = flags([
  { name: 'checkpoint', kind: 'string', value: 'DIR|FILE', help: 'a run folder of ddpm train --dataset mnist|fashion-mnist, or its model.safetensors' },
  ...SAMPLER_FLAGS,
  { name: 'n', kind: 'int', min: 1, default: '64', help: 'number of images' },
  { name: 'columns', kind: 'int', min: 1, default: '8', help: 'images per row of the grid' },
  { ...SEED_FLAG, help: 'seeds x_T and the noise of every step' },
  { name: 'device', kind: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where to sample' },
  { name: 'classifier', kind: 'string', value: 'FILE', default: 'classifier.safetensors beside the checkpoint, if there', help: 'judge the images with this classifier' },
  WEIGHTS_FLAG,
  { name: 'out', kind: 'string', value: 'FILE', help: 'FILE.png: a grid of the images (and FILE-reverse.png); FILE.npy: the images, [n, 28, 28]' },
  { name: 'png', kind: 'string', value: 'FILE', help: 'with --out FILE.npy: also draw the grid into FILE.png (and FILE-reverse.png)' },
]);

const DESCRIPTION = 'Draws images from a trained image model (DDIM with the checkpoint\'s steps unless told otherwise).';

/** Whether `path` names a checkpoint of an image model (anything else goes to the 2-D commands, which say what is wrong). */
export function isImageCheckpoint(path: string | undefined): boolean {
  if (path === undefined) return false;
  let bytes: Uint8Array;
  try {
    bytes = readSafetensorsOrFail(modelFileOf(path), 'checkpoint');
  } catch {
    return false;
  }
  return isImageModelName(checkpointModel(bytes));
}

export async function imageSampleCommand(argv: readonly string[]): Promise<void> {
  const f = parseFlags('ddpm sample', argv, FLAGS);
  if (f === null) {
    process.stdout.write(helpText('ddpm sample --checkpoint IMAGE-MODEL', DESCRIPTION, FLAGS));
    return;
  }
  await withStopSignals('stopping (nothing is written)', (stop) => sampleImages(f, stop));
}

async function sampleImages(f: FlagValues<typeof FLAGS>, stop: StopRequest): Promise<void> {
  // Always given here: sampleCommand sends only an image model's --checkpoint to this command.
  if (f.checkpoint === undefined) throw new UsageError('ddpm sample: --checkpoint DIR|FILE is required (a run folder of ddpm train, or its model.safetensors)');
  const checkpoint = modelFileOf(f.checkpoint);
  const { out } = f;
  if (out === undefined) throw new UsageError('ddpm sample: --out FILE is required (.png for a grid, .npy for the images)');
  if (!/\.(png|npy)$/i.test(out)) throw new UsageError(`ddpm sample: --out must end in .png or .npy for an image model, got '${out}'`);
  const { png } = f;
  if (png !== undefined && !/\.png$/i.test(png)) throw new UsageError(`ddpm sample: --png must end in .png, got '${png}'`);
  if (png !== undefined && !/\.npy$/i.test(out)) {
    throw new UsageError(`ddpm sample: --png draws the grid beside --out FILE.npy; --out ${out} is that grid already (leave --png out)`);
  }
  prepareOutputFile('ddpm sample', '--out', out);
  if (png !== undefined) prepareOutputFile('ddpm sample', '--png', png);
  const classifierFile = f.classifier ?? join(checkpoint, '..', 'classifier.safetensors');
  if (f.classifier !== undefined && !existsSync(classifierFile)) throw new Error(`classifier not found: ${classifierFile}`);

  const { device, note } = await selectDevice(f.device ?? 'auto');
  const { model, config, epoch, runId, weights } = decodeImageModel(readSafetensorsOrFail(checkpoint, 'checkpoint'), device, checkpoint);
  const weightsLine = chooseWeights(f, model, checkpoint, weights, { epoch, runId });
  const choice = samplerFromFlags('ddpm sample', f, config.numSteps, { sampler: config.sampler, steps: config.samplingSteps });
  const steps = choice.steps ?? config.numSteps;
  // The classifier is checked before the sampling it would judge.
  const judge = existsSync(classifierFile) ? decodeClassifier(readSafetensorsOrFail(classifierFile, 'classifier'), device, classifierFile) : null;
  if (judge && judge.info.dataset !== config.dataset) {
    throw new Error(`${classifierFile} judges ${judge.info.dataset}, but ${checkpoint} draws ${config.dataset}`);
  }
  console.log(note);
  console.log(`model: ${checkpoint} (${config.model}, ${describeImageRun(config)}${epoch !== undefined ? `, epoch ${epoch}` : ''}); ${weightsLine}`);

  const n = f.n ?? 64;
  const generated = await generateWithProgress(model, samplingConfig(config), device, {
    ...choice, n, seed: f.seed ?? 0, engine: 'eager', signal: stop.signal,
  }, describeCheckpoint(checkpoint, epoch));
  model.dispose();
  console.log(`sampled ${n} images (${describeSampler(choice.sampler, steps, choice.eta)}) in ${generated.seconds.toFixed(2)} s`);

  let quality: ImageQuality | null = null;
  if (judge) {
    const data = loadImageDataset(config.dataset);
    quality = await judgeImages(judge.model, generated.points, data.train, data.test, device);
    for (const p of judge.model.parameters()) p.dispose();
    console.log(formatImageQuality(quality, judge.info.classes));
  } else {
    console.log(`no classifier at ${classifierFile}: the images are not judged (ddpm train writes one; or give --classifier FILE)`);
  }
  if (/\.npy$/i.test(out)) {
    writeFileAtomic(out, encodeNpy(generated.points, [n, config.height, config.width]));
    console.log(`wrote ${out}`);
  }
  const grid = /\.png$/i.test(out) ? out : png;
  if (grid === undefined) return;
  const reversePng = grid.replace(/\.png$/i, '-reverse.png');
  const options = { sampler: choice.sampler, steps, eta: choice.eta, epoch };
  writePicture(grid, imageSamplesPicture(generated.points, config, {
    ...options, count: n, columns: f.columns,
    labels: quality && judge ? { classes: judge.info.classes, labels: quality.labels, confidence: quality.confidence } : undefined,
  }));
  writePicture(reversePng, imageReversePicture(generated.frames, config, options));
  console.log(`wrote ${grid}, ${reversePng}`);
}
