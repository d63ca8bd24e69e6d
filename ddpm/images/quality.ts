// The quality of generated images, judged without a person and always beside what real images
// score (held-out ones the models never saw):
//   confident  the share the classifier (ddpm/images/classifier.ts) gives one class with p ≥ 0.9
//   classes    how the samples spread over the classes (counts, and their entropy / log C:
//              1 when even, 0 when all are one class)
//   nearest    the Euclidean distance (in [−1, 1] pixel units) from each image to its nearest
//              training image: a copy is at 0; held-out real images show the usual distance
//   stray ink  the share of the pixels in the frame FRAME pixels wide around the image (MNIST's
//              digits are scaled to 20×20 and centred in 28×28, so the frame is nearly always
//              background) brighter than INK: speckle shows up there
// Before any of it, each sample is checked to be a picture at all: one with a pixel beyond
// ±PIXEL_LIMIT (the data lie in [−1, 1]) — or not finite — is outside the data's range, is
// counted as not confident whatever the classifier says of it (a classifier's verdict on noise
// in the hundreds means nothing), and the share of such samples is reported.

import type { Backend } from '../../engine/index.js';
import { accuracy, classify, nearestDistances, type ImageClassifier } from './classifier.js';
import type { ImageSet } from './data.js';

/**
 * The probability the classifier must give one class for a sample to count as confidently
 * classified.
 */
export const CONFIDENT = 0.9;
/** The stray-ink frame's width in pixels, and the brightness (in [−1, 1]) that counts as ink there. */
export const FRAME = 4;
export const INK = -0.5;
/**
 * The largest |pixel| a sample may have and still be judged as a picture. The data lie in
 * [−1, 1]; a trained model's samples overshoot — the default MNIST MLP's (20 epochs, DDIM 50)
 * reach ±3.9, about 4 % of their pixels beyond ±2 — while an untrained model's are noise in the
 * hundreds: DDIM's first x̂0 is (x − √(1−ᾱ_T)·ε)/√ᾱ_T, and 1/√ᾱ_T ≈ 158 for the linear schedule
 * at T = 1000 (ᾱ_T ≈ 4·10⁻⁵). 10 sits between the two.
 */
export const PIXEL_LIMIT = 10;

/** Per image of `images` [n, d]: whether it has a pixel beyond ±PIXEL_LIMIT, or one not finite. */
export function outsideDataRange(images: Float32Array, d: number): boolean[] {
  const n = images.length / d;
  return Array.from({ length: n }, (_, i) => {
    for (let j = i * d; j < (i + 1) * d; j++) if (!(Math.abs(images[j]) <= PIXEL_LIMIT)) return true;
    return false;
  });
}

/** The share of samples the classifier gives one class with p ≥ CONFIDENT, counting those outside the data's range as not. */
export function confidentShare(confidence: Float32Array, outside: readonly boolean[]): number {
  let confident = 0;
  confidence.forEach((p, i) => {
    if (p >= CONFIDENT && !outside[i]) confident++;
  });
  return confident / confidence.length;
}

export interface DistanceSummary {
  n: number;
  min: number;
  median: number;
  mean: number;
}

/**
 * What judgeImages measures of generated images, beside the same measures on held-out real images
 * (see the header).
 */
export interface ImageQuality {
  /** Samples judged. */
  n: number;
  /** The classifier's accuracy on the held-out images. */
  classifierAccuracy: number;
  /** Share of samples outside the data's range (a pixel beyond ±PIXEL_LIMIT): not pictures, never confident. */
  outsideRange: number;
  /** Share of samples (within the data's range), and of held-out real images, classified with p ≥ CONFIDENT. */
  confident: number;
  realConfident: number;
  /** Samples per predicted class, and among the confident ones. */
  classCounts: number[];
  confidentCounts: number[];
  /** Entropy of classCounts / log(C): 1 when the classes are even, 0 when all samples are one class. */
  spread: number;
  /** The predicted class and its probability, per sample. */
  labels: Int32Array;
  confidence: Float32Array;
  /** Distances to the nearest training image: of the first samples, and of as many held-out images. */
  nearest: DistanceSummary;
  realNearest: DistanceSummary;
  /** Share of frame pixels brighter than INK, in the samples and in the held-out images. */
  strayInk: number;
  realStrayInk: number;
}

/** The share of pixels within FRAME of the edge brighter than INK, over images [n, height·width]. */
export function strayInk(images: Float32Array, width: number, height: number): number {
  const d = width * height;
  let ink = 0, frame = 0;
  for (let i = 0; i < images.length; i += d) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (y >= FRAME && y < height - FRAME && x >= FRAME && x < width - FRAME) continue;
        frame++;
        if (images[i + y * width + x] > INK) ink++;
      }
    }
  }
  return frame > 0 ? ink / frame : 0;
}

function summarize(d: Float32Array): DistanceSummary {
  const sorted = Float64Array.from(d).sort();
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { n, min: sorted[0], median, mean: sorted.reduce((a, b) => a + b, 0) / n };
}

/** Entropy of the counts over log(number of classes), in [0, 1]. */
export function classSpread(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0 || counts.length < 2) return 0;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h / Math.log(counts.length);
}

/**
 * Judges `samples` [n, D] (in [−1, 1]) against the data: the classifier on them and on the
 * held-out `test` images; nearest-training-image distances for the first `nearestCount` samples
 * and as many held-out images (the search is n × |train| × D, so it is capped).
 */
export async function judgeImages(classifier: ImageClassifier, samples: Float32Array, train: ImageSet, test: ImageSet,
  device: Backend, options: { nearestCount?: number } = {}): Promise<ImageQuality> {
  const d = train.width * train.height;
  if (samples.length === 0 || samples.length % d !== 0) throw new Error(`judgeImages: expected [n, ${d}] samples, got ${samples.length} values`);
  const n = samples.length / d;
  const C = classifier.classes;
  const real = await classify(classifier, test.images, device);
  const { labels, confidence } = await classify(classifier, samples, device);
  const outside = outsideDataRange(samples, d);
  const classCounts = new Array<number>(C).fill(0);
  const confidentCounts = new Array<number>(C).fill(0);
  labels.forEach((l, i) => {
    classCounts[l]++;
    if (confidence[i] >= CONFIDENT && !outside[i]) confidentCounts[l]++;
  });
  const m = Math.min(options.nearestCount ?? 200, n, test.labels.length);
  return {
    n,
    classifierAccuracy: accuracy(real.labels, test.labels),
    outsideRange: outside.filter(Boolean).length / n,
    confident: confidentShare(confidence, outside),
    realConfident: confidentShare(real.confidence, []),
    classCounts, confidentCounts, spread: classSpread(classCounts), labels, confidence,
    nearest: summarize(nearestDistances(samples.subarray(0, m * d), train.images, d)),
    realNearest: summarize(nearestDistances(test.images.subarray(0, m * d), train.images, d)),
    strayInk: strayInk(samples, train.width, train.height),
    realStrayInk: strayInk(test.images, test.width, test.height),
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** A few lines for the terminal. */
export function formatImageQuality(q: ImageQuality, classes: readonly string[]): string {
  return [
    ...(q.outsideRange > 0 ? [`outside the data's range (a pixel beyond ±${PIXEL_LIMIT}): ${percent(q.outsideRange)} of ${q.n} samples — ` +
      'not pictures, counted as not confident'] : []),
    `classifier: ${percent(q.classifierAccuracy)} right on held-out images`,
    `confident (p ≥ ${CONFIDENT}): ${percent(q.confident)} of ${q.n} samples (held-out real images: ${percent(q.realConfident)})`,
    `classes: ${q.classCounts.map((c, k) => `${classes[k]} ${c}`).join(', ')}; spread ${q.spread.toFixed(3)} (1 = even)`,
    `nearest training image: median ${q.nearest.median.toFixed(2)}, min ${q.nearest.min.toFixed(2)} over ${q.nearest.n} samples ` +
      `(held-out real images: median ${q.realNearest.median.toFixed(2)}, min ${q.realNearest.min.toFixed(2)})`,
    `stray ink (pixels > ${INK} within ${FRAME} px of the edge): ${(100 * q.strayInk).toFixed(2)} % (held-out real images: ${(100 * q.realStrayInk).toFixed(2)} %)`,
  ].join('\n');
}

/** The report as plain JSON for metrics.json (per-sample labels left out). */
export function imageQualityJson(q: ImageQuality, classes: readonly string[]): Record<string, unknown> {
  return {
    samples: q.n, confidence_threshold: CONFIDENT, classifier_test_accuracy: q.classifierAccuracy,
    outside_data_range: { pixel_limit: PIXEL_LIMIT, share: q.outsideRange },
    confident_share: q.confident, real_confident_share: q.realConfident,
    class_counts: Object.fromEntries(classes.map((c, k) => [c, q.classCounts[k]])),
    confident_class_counts: Object.fromEntries(classes.map((c, k) => [c, q.confidentCounts[k]])),
    class_spread: q.spread, nearest_train_distance: q.nearest, real_nearest_train_distance: q.realNearest,
    stray_ink: { frame_px: FRAME, threshold: INK, share: q.strayInk, real_share: q.realStrayInk },
  };
}
