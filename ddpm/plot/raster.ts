// The canvas the `ddpm` CLI's figures are drawn on (ddpm/plot/): an RGBA pixel buffer with the
// few primitives figures.ts needs — rectangles, alpha-blended discs, anti-aliased lines, bitmap
// text (font.ts) and copying one raster into another. png.ts turns `rgba` into a file.
// Coordinates are in pixels, x to the right and y down, and integer coordinates are pixel centres:
// pixel (i, j) covers [i − ½, i + ½] × [j − ½, j + ½]. Everything is clipped to the canvas, so
// drawing anywhere (negative, huge, NaN) never writes out of bounds. Pixels stay opaque (alpha 255).

import { CELL_WIDTH, GLYPH_HEIGHT, GLYPH_WIDTH, glyphRows, isZeroWidth } from './font.js';

/** Red, green, blue, each 0–255. */
export type Color = readonly [number, number, number];

/** White, a raster's default background. */
export const WHITE: Color = [255, 255, 255];
/** Black. */
export const BLACK: Color = [0, 0, 0];

/**
 * An RGBA canvas (see the header): width × height opaque pixels, `rgba` [height, width, 4], top row
 * first, with the primitives the figures draw with. Throws when width or height is not a positive
 * integer.
 */
export class Raster {
  /** Pixels per row. */
  readonly width: number;
  /** Pixels per column. */
  readonly height: number;
  /** The pixels, [height, width, 4] (red, green, blue, alpha 255), top row first. */
  readonly rgba: Uint8Array;

  /** A canvas of width × height pixels, all `background`. */
  constructor(width: number, height: number, background: Color = WHITE) {
    for (const [name, v] of [['width', width], ['height', height]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Raster: ${name} must be a positive integer, got ${v}`);
    }
    this.width = width;
    this.height = height;
    this.rgba = new Uint8Array(4 * width * height);
    this.fillRect(0, 0, width, height, background);
  }

  /** The colour of pixel (x, y); x and y must be inside the canvas. */
  pixel(x: number, y: number): Color {
    if (!this.inside(x, y)) throw new Error(`Raster: pixel (${x}, ${y}) is outside the ${this.width}×${this.height} canvas`);
    const i = 4 * (y * this.width + x);
    return [this.rgba[i], this.rgba[i + 1], this.rgba[i + 2]];
  }

  /** Fills the pixels x … x+w−1, y … y+h−1 (rounded), clipped to the canvas. */
  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = clampInt(Math.round(x), 0, this.width), x1 = clampInt(Math.round(x + w), 0, this.width);
    const y0 = clampInt(Math.round(y), 0, this.height), y1 = clampInt(Math.round(y + h), 0, this.height);
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) this.set(px, py, color);
    }
  }

  /** A filled disc centred at (x, y), with soft edges, blended over what is there with `alpha`:
   *  many overlapping translucent points darken where they are dense. */
  point(x: number, y: number, color: Color, radius = 1, alpha = 1): void {
    if (!Number.isFinite(x) || !Number.isFinite(y) || !(radius > 0) || !(alpha > 0)) return;
    const reach = radius + 0.5;
    const x0 = clampInt(Math.ceil(x - reach), 0, this.width), x1 = clampInt(Math.floor(x + reach) + 1, 0, this.width);
    const y0 = clampInt(Math.ceil(y - reach), 0, this.height), y1 = clampInt(Math.floor(y + reach) + 1, 0, this.height);
    for (let py = y0; py < y1; py++) {
      for (let px = x0; px < x1; px++) {
        const coverage = Math.min(1, reach - Math.hypot(px - x, py - y)); // 1 inside, fading over the last pixel
        if (coverage > 0) this.blend(px, py, color, alpha * coverage);
      }
    }
  }

  /** A straight line from (x0, y0) to (x1, y1), `width` pixels thick, anti-aliased, round ends. */
  line(x0: number, y0: number, x1: number, y1: number, color: Color, width = 1): void {
    if (![x0, y0, x1, y1].every(Number.isFinite) || !(width > 0)) return;
    const reach = width / 2 + 0.5;
    const bx0 = clampInt(Math.ceil(Math.min(x0, x1) - reach), 0, this.width);
    const bx1 = clampInt(Math.floor(Math.max(x0, x1) + reach) + 1, 0, this.width);
    const by0 = clampInt(Math.ceil(Math.min(y0, y1) - reach), 0, this.height);
    const by1 = clampInt(Math.floor(Math.max(y0, y1) + reach) + 1, 0, this.height);
    const [dx, dy] = [x1 - x0, y1 - y0];
    const lengthSquared = dx * dx + dy * dy;
    for (let py = by0; py < by1; py++) {
      for (let px = bx0; px < bx1; px++) {
        // distance from the pixel centre to the nearest point of the segment
        const s = lengthSquared === 0 ? 0 : Math.max(0, Math.min(1, ((px - x0) * dx + (py - y0) * dy) / lengthSquared));
        const coverage = Math.min(1, reach - Math.hypot(px - (x0 + s * dx), py - (y0 + s * dy)));
        if (coverage > 0) this.blend(px, py, color, coverage);
      }
    }
  }

  /** Draws `s` with its top-left corner at (x, y), each font pixel a scale × scale square.
   *  Returns the width drawn (textWidth). */
  text(x: number, y: number, s: string, color: Color, scale = 1): number {
    const [left, top] = [Math.round(x), Math.round(y)];
    let column = 0;
    for (const ch of s) {
      if (isZeroWidth(ch)) continue;
      const rows = glyphRows(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (rows[r] & (0x10 >> c)) this.fillRect(left + (column + c) * scale, top + r * scale, scale, scale, color);
        }
      }
      column += CELL_WIDTH;
    }
    return this.textWidth(s, scale);
  }

  /** The width `text` draws for `s` (see the function textWidth). */
  textWidth(s: string, scale = 1): number {
    return textWidth(s, scale);
  }

  /** Copies all of `src` with its top-left corner at (x, y) (rounded), clipped to this canvas. */
  blit(src: Raster, x: number, y: number): void {
    const [left, top] = [Math.round(x), Math.round(y)];
    const sx0 = clampInt(-left, 0, src.width), sx1 = clampInt(this.width - left, 0, src.width);
    if (sx1 <= sx0) return;
    for (let sy = 0; sy < src.height; sy++) {
      const dy = top + sy;
      if (dy < 0 || dy >= this.height) continue;
      const from = 4 * (sy * src.width + sx0);
      this.rgba.set(src.rgba.subarray(from, from + 4 * (sx1 - sx0)), 4 * (dy * this.width + left + sx0));
    }
  }

  private inside(x: number, y: number): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && x >= 0 && y >= 0 && x < this.width && y < this.height;
  }

  private set(x: number, y: number, [r, g, b]: Color): void {
    const i = 4 * (y * this.width + x);
    this.rgba[i] = r;
    this.rgba[i + 1] = g;
    this.rgba[i + 2] = b;
    this.rgba[i + 3] = 255;
  }

  /** Moves pixel (x, y) a fraction `alpha` of the way to `color` (x, y inside the canvas). */
  private blend(x: number, y: number, [r, g, b]: Color, alpha: number): void {
    const i = 4 * (y * this.width + x);
    const a = Math.min(1, alpha);
    this.rgba[i] = Math.round(this.rgba[i] + (r - this.rgba[i]) * a);
    this.rgba[i + 1] = Math.round(this.rgba[i + 1] + (g - this.rgba[i + 1]) * a);
    this.rgba[i + 2] = Math.round(this.rgba[i + 2] + (b - this.rgba[i + 2]) * a);
    this.rgba[i + 3] = 255;
  }
}

/** The width `text` draws for `s`: 6 pixels a character (times scale), less the last gap. */
export function textWidth(s: string, scale = 1): number {
  let count = 0;
  for (const ch of s) if (!isZeroWidth(ch)) count++;
  return count === 0 ? 0 : (count * CELL_WIDTH - (CELL_WIDTH - GLYPH_WIDTH)) * scale;
}

/** The height of a line of text, glyph height (7 pixels) times scale; lines sit 8·scale apart. */
export function textHeight(scale = 1): number {
  return GLYPH_HEIGHT * scale;
}

function clampInt(v: number, lo: number, hi: number): number {
  return Number.isNaN(v) ? lo : Math.max(lo, Math.min(hi, v));
}
