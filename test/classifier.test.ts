// The classifier that judges generated images (ddpm/classifier.ts): trained with the engine on
// 3 000 of the npm package's digits (CPU, 6 epochs at lr 2e-3, 64 hidden units), it classifies
// the 2 000 held-out digits at least 85 % right (asserted; measured 88.6 %) and its confidences
// are probabilities; the nearest-image distance is 0 for a training image and large for noise.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as E from '../engine/index.js';
import { loadImageDataset } from '../ddpm/cli/image-files.js';
import { accuracy, classify, nearestDistances, trainClassifier } from '../ddpm/classifier.js';
import { selectImages } from '../ddpm/images.js';

const { train, test: held } = loadImageDataset('mnist');
const subset = selectImages(train, Array.from({ length: 3000 }, (_, i) => i));

test('trained on 3 000 digits, the classifier gets at least 85 % of the 2 000 held out right', async () => {
  const losses: number[] = [];
  const model = await trainClassifier(subset, E.cpu, { hidden: 64, epochs: 6, lr: 2e-3, onEpoch: (_, l) => losses.push(l) });
  assert.ok(losses[5] < losses[0], `the loss falls: ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  const { labels, confidence } = await classify(model, held.images, E.cpu);
  const acc = accuracy(labels, held.labels);
  console.log(`  classifier: held-out accuracy ${(100 * acc).toFixed(1)} %, losses ${losses.map((l) => l.toFixed(3)).join(' → ')}`);
  assert.ok(acc >= 0.85, `held-out accuracy ${acc}`);
  assert.ok(confidence.every((p) => p > 0 && p <= 1), 'confidences are probabilities');
  assert.ok(confidence.every((p) => p >= 1 / 10 - 1e-6), 'the top class has at least 1/C');
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
