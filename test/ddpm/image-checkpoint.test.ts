// Image checkpoints (ddpm/images/checkpoint.ts, ddpm/images/config.ts): a saved and reloaded model
// predicts the same ε bit for bit (with and without the preconditioning's mean image), a
// classifier comes back with its facts, and every malformed file is refused with the file and
// the field named. Also the statistics and the spread measure behind the quality report.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { IMAGE_DEFAULTS, imageConfigJson, parseImageConfig, type ImageModelConfig, type MLPImageConfig, type UNetImageConfig } from '../../ddpm/images/config.js';
import { buildImageModel, decodeClassifier, decodeImageModel, encodeClassifier, encodeImageModel, imageModelShapes } from '../../ddpm/images/checkpoint.js';
import { ImageClassifier } from '../../ddpm/images/classifier.js';
import { checkpointModel } from '../../ddpm/checkpoint.js';
import { classSpread } from '../../ddpm/images/quality.js';
import { DIGIT_CLASSES, imageStatistics, type ImageSet } from '../../ddpm/images/data.js';
import { decodeSafetensors, encodeSafetensors } from '../../ddpm/safetensors.js';

const config = (over: Partial<MLPImageConfig> = {}): MLPImageConfig => ({
  model: 'MLPImageDiffusion', dataset: 'mnist', width: 5, height: 3, timesteps: 40, schedule: 'linear',
  hidden: 12, depth: 2, timeDim: 8, dataVariance: 0.3, pixelVariance: false, sampler: 'ddim', samplingSteps: 10, ...over,
});

async function epsilon(model: { forward(x: E.Tensor, t: E.Tensor): E.Tensor }, d: number): Promise<Float32Array> {
  const x = E.tensor(new E.Rng(4).normal(3 * d), [3, d], { device: E.cpu });
  const t = E.tensor(new Int32Array([0, 17, 39]), [3], { dtype: 'int32', device: E.cpu });
  return (await E.noGrad(() => model.forward(x, t)).toArray()) as Float32Array;
}

test('an image model saved and loaded predicts the same ε, with and without the mean image and the variance per pixel', async () => {
  for (const c of [config(), config({ dataVariance: null }), config({ pixelVariance: true })]) {
    const d = c.width * c.height;
    const pixelVariance = c.pixelVariance ? new E.Rng(3).uniform(d, 0, 0.5) : null;
    if (pixelVariance) pixelVariance[0] = 0; // a pixel the data never varies
    const mean = c.dataVariance === null ? null : new E.Rng(2).uniform(d, -1, 1);
    const model = buildImageModel(c, new E.Rng(1), E.cpu, mean && { mean, pixelVariance });
    const bytes = await encodeImageModel(model, c, { epoch: 7, runId: 'r1' });
    assert.is(checkpointModel(bytes), 'MLPImageDiffusion');
    const back = decodeImageModel(bytes, E.cpu, 'm.safetensors');
    assert.equal(back.config, c);
    assert.is(back.epoch, 7);
    assert.is(back.runId, 'r1');
    assert.equal(await epsilon(back.model, d), await epsilon(model, d));
    assert.is(decodeSafetensors(bytes).tensors.has('data_mean'), mean !== null);
    assert.is(decodeSafetensors(bytes).tensors.has('data_pixel_variance'), pixelVariance !== null);
  }
});

test('malformed image checkpoints are refused, naming the file and what is wrong', async () => {
  const c = config();
  const model = buildImageModel(c, new E.Rng(1), E.cpu, { mean: new Float32Array(15), pixelVariance: null });
  const good = decodeSafetensors(await encodeImageModel(model, c));
  const pc = config({ pixelVariance: true });
  const pixelModel = buildImageModel(pc, new E.Rng(1), E.cpu, { mean: new Float32Array(15), pixelVariance: new Float32Array(15).fill(0.2) });
  const pixelGood = decodeSafetensors(await encodeImageModel(pixelModel, pc));
  const pixelVariant = (edit: (t: typeof good.tensors) => void): Uint8Array => {
    const tensors = new Map(pixelGood.tensors);
    edit(tensors);
    return encodeSafetensors(tensors, pixelGood.metadata);
  };
  const variant = (edit: (t: typeof good.tensors, m: Record<string, string>) => void): Uint8Array => {
    const tensors = new Map(good.tensors), metadata = { ...good.metadata };
    edit(tensors, metadata);
    return encodeSafetensors(tensors, metadata);
  };
  const json = (over: Record<string, unknown>): string => JSON.stringify({ ...JSON.parse(imageConfigJson(c)), ...over });
  const cases: [Uint8Array, RegExp][] = [
    [variant((t) => t.delete('data_mean')), /m\.safetensors: the config has a data variance but the file has no 'data_mean' \[15\]/],
    [variant((t) => t.set('data_mean', { shape: [14], data: new Float32Array(14) })), /'data_mean' has shape \[14\], expected \[15\]/],
    [variant((_, m) => { m.config = json({ data_variance: null }); }), /'data_mean' is present but the config has no data variance/],
    [variant((t) => t.delete('out.bias')), /the tensors do not fit an MLPImageDiffusion of 3×5 images, 12×2 hidden, time_dim 8: missing 'out\.bias' \[15\]/],
    [variant((_, m) => { m.config = json({ time_dim: 7 }); }), /config\.time_dim must be an even integer from 4 to 4096, got 7/],
    [variant((_, m) => { m.config = json({ image_size: [28] }); }), /config\.image_size must be \[height, width\]/],
    [variant((_, m) => { m.config = json({ sampling_steps: 41 }); }), /sampling_steps 41 exceeds n_steps 40/],
    [variant((_, m) => { m.config = json({ dataset: 'cifar' }); }), /config\.dataset must be one of mnist, fashion-mnist, got "cifar"/],
    [variant((_, m) => { delete m.config; }), /no __metadata__\.config: not a checkpoint of an image model/],
    [variant((t) => t.set('data_pixel_variance', { shape: [15], data: new Float32Array(15) })), /'data_pixel_variance' is present but the config has no variance per pixel/],
    [pixelVariant((t) => t.delete('data_pixel_variance')), /the config has pixel_variance but the file has no 'data_pixel_variance' \[15\]/],
    [pixelVariant((t) => t.set('data_pixel_variance', { shape: [15], data: new Float32Array(15).fill(-0.1) })), /'data_pixel_variance' element 0 is -0\.1\d*: a variance is ≥ 0/],
  ];
  for (const [bytes, expected] of cases) assert.throws(() => decodeImageModel(bytes, E.cpu, 'm.safetensors'), expected);
  assert.throws(() => buildImageModel(c, new E.Rng(0), E.cpu, null), /needs both the data's variance and its mean image/);
  assert.throws(() => parseImageConfig('{"model":"MLPDiffusion"}'), /config\.model must be one of "MLPImageDiffusion", "UNetDiffusion"/);
});

const unetConfig = (over: Partial<UNetImageConfig> = {}): UNetImageConfig => ({
  model: 'UNetDiffusion', dataset: 'mnist', width: 4, height: 4, timesteps: 40, schedule: 'linear', channels: [4, 8], groups: 2,
  timeDim: 8, dataVariance: null, pixelVariance: false, sampler: 'ddim', samplingSteps: 10, ...over,
});

/** A device that throws on any use: what a decode that must refuse before building a network gets. */
const untouchable = new Proxy(E.cpu, {
  get: (_, key) => {
    throw new Error(`the device was used (${String(key)}): a network was built before its file was checked`);
  },
});

/** The file of `model` under `config`, its config's JSON changed by `over`. */
async function withConfig(config: ImageModelConfig, over: Record<string, unknown>): Promise<Uint8Array> {
  const model = buildImageModel(config, new E.Rng(1), E.cpu, config.dataVariance === null ? null
    : { mean: new Float32Array(config.width * config.height), pixelVariance: config.pixelVariance ? new Float32Array(config.width * config.height).fill(0.2) : null });
  const { tensors, metadata } = decodeSafetensors(await encodeImageModel(model, config));
  model.dispose();
  return encodeSafetensors(tensors, { ...metadata, config: JSON.stringify({ ...JSON.parse(metadata.config), ...over }) });
}

test('image checkpoints: the tensors are checked against the config before the network is built, and the config\'s sizes are bounded', async () => {
  const cases: [Promise<Uint8Array>, RegExp][] = [
    [withConfig(config(), { num_units: 24 }), /^m\.safetensors: the tensors do not fit an MLPImageDiffusion of 3×5 images, 24×2 hidden, time_dim 8: 'time_mlp\.0\.weight' has shape \[12,8\], expected \[24,8\]/],
    [withConfig(config(), { depth: 3 }), /missing 'layers\.2\.weight' \[12,12\]/],
    [withConfig(unetConfig(), { channels: [4, 16] }), /^m\.safetensors: the tensors do not fit a UNetDiffusion of 4×4 images, U-Net, channels 4\/16, time_dim 8: .*'down\.1\.conv1\.weight' has shape \[8,4,3,3\], expected \[16,4,3,3\]/],
    [withConfig(config(), { n_steps: 3_000_000, sampling_steps: 10 }), /__metadata__\.config\.n_steps must be a positive integer ≤ 100000, got 3000000/],
    [withConfig(config(), { n_steps: 100_000, time_dim: 4096 }),
      /__metadata__\.config: n_steps 100000 × time_dim 4096 = 409600000 values in the timestep table, more than the 16777216 allowed/],
    [withConfig(config({ width: 28, height: 28, hidden: 4, depth: 1, pixelVariance: true }), { n_steps: 30_000 }),
      /__metadata__\.config: n_steps 30000 × 784 pixels = 23520000 values in each table of the per-pixel preconditioning, more than the 16777216 allowed/],
    [withConfig(config(), { image_size: [3, 5000] }), /image_size must be \[height, width\], each a positive integer ≤ 1024, got \[3,5000\]/],
    [withConfig(config(), { num_units: 20_000 }), /num_units must be a positive integer ≤ 16384, got 20000/],
    [withConfig(unetConfig(), { channels: [4, 1e6] }), /channels must be a list of 1 to 64 positive integers, each ≤ 16384/],
  ];
  for (const [bytes, expected] of cases) {
    const file = await bytes;
    assert.throws(() => decodeImageModel(file, untouchable, 'm.safetensors'), expected);
  }
  // A classifier's tensors are checked against its config as well.
  const classifier = new ImageClassifier(15, 10, new E.Rng(3), { hidden: 9, device: E.cpu });
  const { tensors, metadata } = decodeSafetensors(await encodeClassifier(classifier, { dataset: 'mnist', classes: DIGIT_CLASSES, hidden: 9, testAccuracy: 0.5, epochs: 1 }));
  const wider = encodeSafetensors(tensors, { ...metadata, config: metadata.config.replace('"num_units":9', '"num_units":900') });
  assert.throws(() => decodeClassifier(wider, untouchable, 'c.safetensors'),
    /^c\.safetensors: the tensors do not fit an ImageClassifier of 15 inputs, 900 hidden units \(num_units\) and 10 classes: 'layers\.0\.weight' has shape \[9,15\], expected \[900,15\]/);
});

test('parameterShapes of each network is its built state_dict', () => {
  const configs: ImageModelConfig[] = [config(), config({ depth: 1, dataVariance: null }), unetConfig(), unetConfig({ channels: [4] }), unetConfig({ channels: [4, 4, 8] })];
  for (const c of configs) {
    const model = buildImageModel(c, new E.Rng(0), E.cpu, c.dataVariance === null ? null : { mean: new Float32Array(15), pixelVariance: null });
    assert.equal([...imageModelShapes(c)], [...model.stateDict()].map(([name, p]) => [name, [...p.shape]]), `${c.model} ${JSON.stringify(c)}`);
    model.dispose();
  }
  const classifier = new ImageClassifier(15, 10, new E.Rng(3), { hidden: 9, device: E.cpu });
  assert.equal([...ImageClassifier.parameterShapes(15, 10, 9)], [...classifier.stateDict()].map(([name, p]) => [name, [...p.shape]]));
});

test('a classifier saved and loaded gives the same logits and its facts', async () => {
  const model = new ImageClassifier(15, 10, new E.Rng(3), { hidden: 9, device: E.cpu });
  const info = { dataset: 'mnist' as const, classes: DIGIT_CLASSES, hidden: 9, testAccuracy: 0.875, epochs: 2 };
  const bytes = await encodeClassifier(model, info);
  const back = decodeClassifier(bytes, E.cpu, 'c.safetensors');
  assert.equal(back.info, info);
  const x = E.tensor(new E.Rng(5).uniform(2 * 15, -1, 1), [2, 15], { device: E.cpu });
  assert.equal(await back.model.forward(x).toArray(), await model.forward(x).toArray());
  const { tensors, metadata } = decodeSafetensors(bytes);
  const wrong = encodeSafetensors(tensors, { ...metadata, config: metadata.config.replace('"test_accuracy":0.875', '"test_accuracy":87.5') });
  assert.throws(() => decodeClassifier(wrong, E.cpu, 'c.safetensors'), /c\.safetensors: __metadata__\.config\.test_accuracy must be a share in \[0, 1\], got 87\.5/);
});

test('imageStatistics: the mean image and the variance about it; classSpread: 1 when even, 0 for one class', () => {
  const set: ImageSet = {
    name: 'mnist', width: 2, height: 1, images: new Float32Array([1, -1, 3, -1, 2, 2]), labels: new Int32Array(3),
    classes: DIGIT_CLASSES, source: 'test',
  };
  const { mean, variance } = imageStatistics(set);
  assert.equal(Array.from(mean), [2, 0]);
  // Deviations: (−1, −1), (1, −1), (0, 2) → squares 1+1+1+1+0+4 = 8 over 6 values.
  assert.ok(Math.abs(variance - 8 / 6) < 1e-12, `variance ${variance}`);
  assert.is(classSpread([5, 5, 5, 5]), 1);
  assert.is(classSpread([0, 12, 0, 0]), 0);
  const skewed = classSpread([9, 1, 0, 0]);
  assert.ok(skewed > 0 && skewed < 0.5, `skewed spread ${skewed}`);
  assert.is(IMAGE_DEFAULTS.timesteps, 1000);
});

test.run();
