// Grey images as a grid of tiles (samples of the image workload, the reverse process as a
// strip): values in [−1, 1] drawn as ink on paper — −1 white, 1 black, beyond clipped, NaN red — each
// image pixel a `scale`×`scale` block, tiles separated by a thin gap, with an optional title and
// a caption under each tile.

import { COLORS } from './figures.js';
import { Raster, textHeight, textWidth } from './raster.js';

const NOT_A_NUMBER = [220, 30, 30] as const;

/**
 * imageGrid's layout: each image's size, tiles per row, screen pixels per image pixel, and the
 * title and captions.
 */
export interface ImageGridOptions {
  /** Pixels per image row and column. */
  width: number;
  height: number;
  /** Tiles per row of the grid. */
  columns: number;
  /** Screen pixels per image pixel (default 3). */
  scale?: number;
  title?: string;
  /** One line under each tile (e.g. "t = 999", a class name). */
  captions?: readonly string[];
}

/** Images [n, height·width] (row-major) → a Raster with ⌈n / columns⌉ rows of tiles. */
export function imageGrid(images: Float32Array, opts: ImageGridOptions): Raster {
  const { width, height, columns } = opts;
  const scale = opts.scale ?? 3;
  const size = width * height;
  if (!(size > 0) || images.length === 0 || images.length % size !== 0) {
    throw new Error(`imageGrid: expected [n, ${height}·${width}] values, got ${images.length}`);
  }
  if (!Number.isInteger(columns) || columns < 1) throw new Error(`imageGrid: columns must be a positive integer, got ${columns}`);
  const n = images.length / size;
  if (opts.captions && opts.captions.length !== n) throw new Error(`imageGrid: ${opts.captions.length} captions for ${n} images`);
  const gap = 4, pad = 10;
  const captionH = opts.captions ? textHeight(1) + 4 : 0;
  const titleH = opts.title ? textHeight(2) + 8 : 0;
  const [tileW, tileH] = [width * scale, height * scale + captionH];
  // A caption is cut to leave a character's room before the next tile's.
  const captionChars = Math.max(1, Math.floor(tileW / (textWidth('00') - textWidth('0'))) - 1);
  const rows = Math.ceil(n / columns);
  const cols = Math.min(columns, n);
  const figureW = Math.max(2 * pad + cols * tileW + (cols - 1) * gap, opts.title ? 2 * pad + textWidth(opts.title, 2) : 0);
  const figure = new Raster(figureW, 2 * pad + titleH + rows * tileH + (rows - 1) * gap);
  if (opts.title) figure.text(pad, pad, opts.title, COLORS.ink, 2);
  for (let k = 0; k < n; k++) {
    const left = pad + (k % columns) * (tileW + gap);
    const top = pad + titleH + Math.floor(k / columns) * (tileH + gap);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const raw = images[k * size + y * width + x];
        const v = Math.min(1, Math.max(-1, raw));
        const grey = Math.round(255 * (1 - (v + 1) / 2));
        // A value that is not a number shows in red rather than as some grey.
        figure.fillRect(left + x * scale, top + y * scale, scale, scale, Number.isNaN(raw) ? NOT_A_NUMBER : [grey, grey, grey]);
      }
    }
    const caption = opts.captions?.[k];
    if (caption) figure.text(left, top + height * scale + 3, caption.slice(0, captionChars), COLORS.muted, 1);
  }
  return figure;
}
