// The classifier that judges generated images (ddpm/images/classifier.ts): trained with the engine on
// 3 000 of the npm package's digits (CPU, 6 epochs at lr 2e-3, 64 hidden units), it classifies
// the 2 000 held-out digits at least 85 % right (asserted; measured 88.6 %) and its confidences
// are probabilities; the nearest-image distance is 0 for a training image and large for noise;
// the quality report (ddpm/images/quality.ts) on real images adds up, and samples outside the
// data's range (noise, NaN) are never graded confident.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../../engine/index.js';
import { loadImageDataset } from '../../app-support/image-files.js';
import { accuracy, classify, nearestDistances, trainClassifier, type ImageClassifier } from '../../ddpm/images/classifier.js';
import { CONFIDENT, FRAME, formatImageQuality, judgeImages, outsideDataRange, PIXEL_LIMIT, strayInk } from '../../ddpm/images/quality.js';
import { selectImages } from '../../ddpm/images/data.js';

const { train, test: held } = loadImageDataset('mnist');
const subset = selectImages(train, Array.from({ length: 3000 }, (_, i) => i));
let judge: ImageClassifier;

test('trained on 3 000 digits, the classifier gets at least 85 % of the 2 000 held out right', async () => {
  const losses: number[] = [];
  const model = await trainClassifier(subset, E.cpu, { hidden: 64, epochs: 6, lr: 2e-3, onEpoch: (_, l) => losses.push(l) });
  judge = model;
  assert.ok(losses[5] < losses[0], `the loss falls: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  const { labels, confidence } = await classify(model, held.images, E.cpu);
  const acc = accuracy(labels, held.labels);
  console.log(`  classifier: held-out accuracy ${(100 * acc).toFixed(1)} %, losses ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  assert.ok(acc >= 0.85, `held-out accuracy ${acc}`);
  assert.ok(confidence.every((p) => p > 0 && p <= 1), 'confidences are probabilities');
  assert.ok(confidence.every((p) => p >= 1 / 10 - 1e-6), 'the top class has at least 1/C');
});

test('judgeImages: training images as "samples" sit at distance 0, held-out ones do not; the report adds up', async () => {
  const d = 784;
  const samples = subset.images.subarray(0, 50 * d);
  const q = await judgeImages(judge, samples, subset, held, E.cpu, { nearestCount: 20 });
  assert.is(q.n, 50);
  assert.is(q.nearest.n, 20);
  assert.is(q.nearest.median, 0);
  assert.ok(q.realNearest.min > 0, `held-out images are not training images: ${q.realNearest.min}`);
  assert.is(q.classCounts.reduce((a, b) => a + b, 0), 50);
  assert.ok(q.confidentCounts.every((c, k) => c <= q.classCounts[k]));
  const { labels, confidence } = await classify(judge, samples, E.cpu);
  assert.equal(q.labels, labels);
  assert.is(q.confident, confidence.filter((p) => p >= CONFIDENT).length / 50);
  assert.is(q.classifierAccuracy, accuracy((await classify(judge, held.images, E.cpu)).labels, held.labels));
  assert.ok(q.spread > 0.8, `50 training digits spread over the classes: ${q.spread}`);
  assert.match(formatImageQuality(q, subset.classes), /confident \(p ≥ 0\.9\): [\d.]+ % of 50 samples/);
  assert.is(q.strayInk, strayInk(samples, 28, 28));
  assert.is(q.realStrayInk, strayInk(held.images, 28, 28));
});

test('judgeImages: samples outside the data\'s range (noise in the hundreds, NaN) are not pictures: never confident, counted and named', async () => {
  const d = 784;
  const rng = new E.Rng(5);
  // Pure noise at the scale an untrained model draws (the classifier may well be sure of it).
  const noise = Float32Array.from((await E.randn([40, d], rng).toArray()) as Float32Array, (v) => 300 * v);
  const digits = subset.images.subarray(0, 10 * d);
  const samples = new Float32Array(52 * d);
  samples.set(noise);
  samples.set(digits, 40 * d);
  samples.fill(NaN, 50 * d, 51 * d);
  samples.set(digits.subarray(0, d).map((v) => v * 3.9), 51 * d); // a trained model's overshoot (±3.9 measured) is still a picture
  const q = await judgeImages(judge, samples, subset, held, E.cpu, { nearestCount: 5 });
  assert.is(q.outsideRange, 41 / 52);
  const { confidence } = await classify(judge, samples, E.cpu);
  const inRange = [...Array.from({ length: 10 }, (_, i) => 40 + i), 51];
  assert.is(q.confident, inRange.filter((i) => confidence[i] >= CONFIDENT).length / 52, 'only the pictures can be confident');
  assert.is(q.confidentCounts.reduce((a, b) => a + b, 0), q.confident * 52);
  assert.match(formatImageQuality(q, subset.classes), new RegExp(`outside the data's range \\(a pixel beyond ±${PIXEL_LIMIT}\\): 78\\.8 % of 52 samples — not pictures, counted as not confident`));
  assert.equal(outsideDataRange(samples, d).slice(38, 52), [true, true, ...Array(10).fill(false), true, false]);
});

test('strayInk: the share of frame pixels above −0.5: none for blank images, all for white ones, near none for real digits', () => {
  const blank = new Float32Array(2 * 784).fill(-1);
  assert.is(strayInk(blank, 28, 28), 0);
  assert.is(strayInk(new Float32Array(784).fill(1), 28, 28), 1);
  blank[0] = 0; // one corner pixel of 2 × 384 frame pixels
  blank[784 + 14 * 28 + 14] = 1; // the centre does not count
  assert.is(strayInk(blank, 28, 28), 1 / 768);
  const real = strayInk(held.images, 28, 28);
  assert.ok(real < 0.02, `real MNIST digits keep the ${FRAME}-pixel frame nearly blank (measured 1.1 %): ${real}`);
});

test('nearestDistances: 0 for an image of the reference set, large for noise', () => {
  const d = 784;
  const probe = new Float32Array(2 * d);
  probe.set(subset.images.subarray(5 * d, 6 * d));
  const noise = new E.Rng(9).uniform(d, -1, 1);
  probe.set(noise, d);
  const [copy, far] = nearestDistances(probe, subset.images, d);
  assert.is(copy, 0);
  assert.ok(far > 10, `noise is far from every digit: ${far}`);
});

test.run();
