// Judging generated images without a person: a small MLP classifier trained on the real images
// with the same engine (Adam, cross-entropy), then, on generated images, the share it
// classifies with high confidence and how they spread over the classes; and the distance from
// each generated image to its nearest training image (a copy would be at 0).
//   classifier: x [B, D] → Linear(D, H) → ReLU → Linear(H, H) → ReLU → Linear(H, C) → logits [B, C]

import * as E from '../../engine/index.js';
import type { ImageSet } from './data.js';

/**
 * The classifier that judges generated images (see the header): an MLP from an image's dataDim
 * pixels to logits over `classes`, with hidden width 256 unless options say otherwise.
 */
export class ImageClassifier extends E.Module {
  /** The MLP's layers (see the header). */
  readonly layers: [E.Linear, E.ReLU, E.Linear, E.ReLU, E.Linear];

  /**
   * A classifier of images of dataDim pixels into `classes` classes, its weights drawn from `rng`.
   */
  constructor(readonly dataDim: number, readonly classes: number, rng: E.Rng, options: { hidden?: number; device?: E.Backend } = {}) {
    super();
    const h = options.hidden ?? 256;
    const o = { device: options.device };
    this.layers = [new E.Linear(dataDim, h, rng, o), new E.ReLU(), new E.Linear(h, h, rng, o), new E.ReLU(), new E.Linear(h, classes, rng, o)];
  }

  /** The state_dict's keys and shapes, known without building the network. */
  static parameterShapes(dataDim: number, classes: number, hidden: number): Map<string, number[]> {
    return new Map<string, number[]>([
      ['layers.0.weight', [hidden, dataDim]], ['layers.0.bias', [hidden]], ['layers.2.weight', [hidden, hidden]], ['layers.2.bias', [hidden]],
      ['layers.4.weight', [classes, hidden]], ['layers.4.bias', [classes]],
    ]);
  }

  /**
   * The logits of each image.
   * x: [B, D] → logits [B, C]
   */
  forward(x: E.Tensor): E.Tensor {
    const [l1, , l2, , l3] = this.layers;
    const h = E.linear(E.linear(x, l1.weight, l1.bias!, { relu: true }), l2.weight, l2.bias!, { relu: true });
    return l3.forward(h);
  }
}

/**
 * trainClassifier's settings: hidden width (256), epochs (3), batch (128), Adam's learning rate
 * (1e-3) and seed (0), with a per-epoch callback.
 */
export interface ClassifierTraining {
  hidden?: number;
  epochs?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  /** Called after each epoch with its mean loss. */
  onEpoch?: (epoch: number, loss: number) => void;
  /** Stops between steps, throwing the signal's reason (the loop is then paced step by step). */
  signal?: AbortSignal;
}

/** Trains a classifier on `set` (shuffled every epoch, Adam, mean cross-entropy). */
export async function trainClassifier(set: ImageSet, device: E.Backend, options: ClassifierTraining = {}): Promise<ImageClassifier> {
  const { hidden = 256, epochs = 3, batch = 128, lr = 1e-3, seed = 0 } = options;
  const d = set.width * set.height;
  const n = set.labels.length;
  const rng = new E.Rng(seed, 7);
  const model = new ImageClassifier(d, set.classes.length, rng, { hidden, device });
  const opt = new E.Adam(model.parameters(), { lr });
  const pacer = options.signal ? new E.Pacer(device) : null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = rng.permutation(n);
    let total: E.Tensor | null = null;
    for (let first = 0; first < n; first += batch) {
      const rows = order.subarray(first, Math.min(first + batch, n));
      const x = new Float32Array(rows.length * d);
      const y = new Int32Array(rows.length);
      rows.forEach((r, i) => { x.set(set.images.subarray(r * d, (r + 1) * d), i * d); y[i] = set.labels[r]; });
      const previous: E.Tensor | null = total;
      total = E.tidy(() => {
        const loss = E.crossEntropy(model.forward(E.tensor(x, [rows.length, d], { device })), E.tensor(y, [rows.length], { dtype: 'int32', device }));
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return previous ? E.add(previous, loss.detach()) : loss.detach();
      });
      previous?.dispose();
      if (pacer) {
        await pacer.step();
        options.signal!.throwIfAborted();
      }
    }
    const mean = (await total!.item()) / Math.ceil(n / batch);
    total!.dispose();
    options.onEpoch?.(epoch, mean);
  }
  return model;
}

/** The predicted class of each image [n, D] and the probability the classifier gives it. */
export async function classify(model: ImageClassifier, images: Float32Array, device: E.Backend, batch = 1000): Promise<{ labels: Int32Array; confidence: Float32Array }> {
  const d = model.dataDim, c = model.classes;
  const n = images.length / d;
  const labels = new Int32Array(n);
  const confidence = new Float32Array(n);
  for (let first = 0; first < n; first += batch) {
    const count = Math.min(batch, n - first);
    const logp = E.noGrad(() => E.tidy(() => E.logSoftmax(model.forward(E.tensor(images.subarray(first * d, (first + count) * d), [count, d], { device })))));
    const host = (await logp.toArray()) as Float32Array;
    logp.dispose();
    for (let i = 0; i < count; i++) {
      let best = 0;
      for (let k = 1; k < c; k++) if (host[i * c + k] > host[i * c + best]) best = k;
      labels[first + i] = best;
      confidence[first + i] = Math.exp(host[i * c + best]);
    }
  }
  return { labels, confidence };
}

/** The share of predictions equal to the labels. */
export function accuracy(predicted: Int32Array, labels: Int32Array): number {
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predicted[i] === labels[i]) right++;
  return right / labels.length;
}

/** For each of `images` [n, D], the Euclidean distance to the nearest of `reference` [m, D]. */
export function nearestDistances(images: Float32Array, reference: Float32Array, d: number): Float32Array {
  const n = images.length / d, m = reference.length / d;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let best = Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d && s < best; k++) {
        const diff = images[i * d + k] - reference[j * d + k];
        s += diff * diff;
      }
      best = Math.min(best, s);
    }
    out[i] = Math.sqrt(best);
  }
  return out;
}
