// Pictures (ddpm/plot/): encodePng writes a file that an independent decoder (png-reader.ts) reads back
// pixel for pixel (chunk layout, CRCs, zlib, every PNG filter type); bad arguments are refused
// by name; Raster clips everything to the canvas; the font covers what we print; each figure has
// the expected shape, is not blank, and puts points where its bounds say.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { crc32, encodePng } from '../../ddpm/plot/png.js';
import { Raster, textWidth, type Color } from '../../ddpm/plot/raster.js';
import { hasGlyph } from '../../ddpm/plot/font.js';
import {
  COLORS, boundsOf, lossFigure, panelLayout, reverseFigure, samplesFigure, scatterPanel, type Bounds,
} from '../../ddpm/plot/figures.js';
import { imageGrid } from '../../ddpm/plot/image-grid.js';
import { decodePng } from '../support/png-reader.js';

/** Byte-for-byte equality that reports the first difference (uvu's diff of 240 kB is too slow). */
function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.is(actual.length, expected.length, `${what}: length`);
  const i = actual.findIndex((v, k) => v !== expected[k]);
  assert.ok(i < 0, `${what}: first difference at byte ${i} (pixel ${i >> 2}): ${actual[i]} instead of ${expected[i]}`);
}

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// png.ts

test('encodePng: a small random image decodes to the exact pixels', () => {
  const rgba = randomBytes(4 * 7 * 5, 1);
  const png = decodePng(encodePng(7, 5, rgba), { strict: true });
  assert.is(png.width, 7);
  assert.is(png.height, 5);
  sameBytes(png.rgba, rgba, '7×5 pixels');
});

test('encodePng: a large image spans several IDAT chunks and still round-trips', () => {
  const [w, h] = [300, 200]; // random bytes do not compress: 240 kB of rows
  const rgba = randomBytes(4 * w * h, 2);
  const png = decodePng(encodePng(w, h, rgba), { strict: true });
  assert.ok(png.idatCount > 1, `expected several IDAT chunks, got ${png.idatCount}`);
  sameBytes(png.rgba, rgba, `${w}×${h} pixels`);
  const flat = new Raster(w, h, [10, 20, 30]); // and a flat image compresses to almost nothing
  const file = encodePng(w, h, flat.rgba);
  assert.ok(file.length < 2000, `a flat ${w}×${h} image took ${file.length} bytes`);
  sameBytes(decodePng(file, { strict: true }).rgba, flat.rgba, 'flat image');
});

test('encodePng: a 1×1 image, and crc32 on the standard check value', () => {
  const rgba = Uint8Array.from([1, 2, 3, 4]);
  sameBytes(decodePng(encodePng(1, 1, rgba), { strict: true }).rgba, rgba, '1×1 pixel');
  assert.is(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.is(crc32(new Uint8Array(0)), 0);
});

test('encodePng: bad arguments are refused with a message that says what is wrong', () => {
  const cases: [() => unknown, RegExp][] = [
    [() => encodePng(0, 1, new Uint8Array(0)), /width must be a positive integer, got 0/],
    [() => encodePng(-2, 1, new Uint8Array(0)), /width must be a positive integer, got -2/],
    [() => encodePng(1.5, 2, new Uint8Array(12)), /width must be a positive integer, got 1.5/],
    [() => encodePng(2, NaN, new Uint8Array(0)), /height must be a positive integer, got NaN/],
    [() => encodePng(2, 2, new Uint8Array(15)), /4·2·2 = 16 bytes, got 15/],
    [() => encodePng(2, 2, new Uint8Array(17)), /4·2·2 = 16 bytes, got 17/],
    [() => encodePng(1, 1, [1, 2, 3, 4] as unknown as Uint8Array), /rgba must be a Uint8Array/],
  ];
  for (const [f, message] of cases) assert.throws(f, message);
  assert.throws(() => new Raster(0, 3), /width must be a positive integer/);
});

// ---------------------------------------------------------------------------------------------
// raster.ts and font.ts

const RED: Color = [220, 30, 30];

/** Pixels that differ from the colour `bg`, as [x, y] pairs. */
function painted(r: Raster, bg: Color = [255, 255, 255]): [number, number][] {
  const out: [number, number][] = [];
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const i = 4 * (y * r.width + x);
      if (r.rgba[i] !== bg[0] || r.rgba[i + 1] !== bg[1] || r.rgba[i + 2] !== bg[2]) out.push([x, y]);
    }
  }
  return out;
}

/** Pixels where two rasters of the same size differ. */
function differing(a: Raster, b: Raster): [number, number][] {
  assert.equal([a.width, a.height], [b.width, b.height]);
  const out: [number, number][] = [];
  for (let i = 0; i < a.rgba.length; i += 4) {
    if (a.rgba[i] !== b.rgba[i] || a.rgba[i + 1] !== b.rgba[i + 1] || a.rgba[i + 2] !== b.rgba[i + 2]) {
      out.push([(i / 4) % a.width, Math.floor(i / 4 / a.width)]);
    }
  }
  return out;
}

test('Raster: drawing far outside the canvas changes nothing and never throws', () => {
  const r = new Raster(10, 8);
  const length = r.rgba.length;
  for (const [x, y] of [[-50, 3], [3, -50], [60, 3], [3, 60], [-1e9, -1e9], [1e12, 4], [NaN, 3], [3, Infinity]]) {
    r.fillRect(x, y, 5, 5, RED);
    r.point(x, y, RED, 3);
    r.line(x, y, x + 5, y + 1, RED, 2);
    r.text(x, y, 'Hi', RED, 2);
    r.blit(new Raster(4, 4, RED), x, y);
  }
  r.fillRect(0, 0, -5, 3, RED);          // negative size: nothing
  r.line(-100, -100, -90, 200, RED, 3);  // a long line entirely left of the canvas
  r.line(0, 0, 9, 7, RED, NaN);
  assert.is(r.rgba.length, length);
  assert.equal(painted(r), []);
  assert.ok(r.rgba.every((v, i) => i % 4 !== 3 || v === 255), 'opaque');
});

test('Raster: shapes that cross the edge are clipped, not wrapped into other rows', () => {
  const r = new Raster(10, 8);
  r.fillRect(-5, -5, 8, 8, RED);                           // covers x, y < 3
  assert.equal(painted(r), [0, 1, 2].flatMap((y) => [0, 1, 2].map((x) => [x, y] as [number, number])));

  const p = new Raster(10, 8);
  p.point(-0.5, 4, RED, 1.5);                              // left edge: nothing may appear on the right
  const dots = painted(p);
  assert.ok(dots.length > 0 && dots.every(([x, y]) => x <= 1 && Math.abs(y - 4) <= 2), JSON.stringify(dots));

  const l = new Raster(10, 8);
  l.line(-20, 2, 30, 2, RED);                              // a horizontal line through the whole canvas
  assert.equal(painted(l), Array.from({ length: 10 }, (_, x) => [x, 2] as [number, number]));

  const b = new Raster(10, 8);
  b.blit(new Raster(4, 4, RED), -2, -2);
  b.blit(new Raster(4, 4, RED), 8, 6);
  assert.equal(painted(b), [[0, 0], [1, 0], [0, 1], [1, 1], [8, 6], [9, 6], [8, 7], [9, 7]]);

  const t = new Raster(10, 8);
  t.text(7, 0, 'MM', RED);                                 // runs off the right edge
  assert.ok(painted(t).every(([x]) => x >= 7), 'no glyph pixels wrapped to the left');
});

test('Raster: point blends, so many translucent points are darker than one', () => {
  const one = new Raster(9, 9), many = new Raster(9, 9);
  one.point(4, 4, [0, 0, 0], 1, 0.2);
  for (let i = 0; i < 10; i++) many.point(4, 4, [0, 0, 0], 1, 0.2);
  const [a] = one.pixel(4, 4), [b] = many.pixel(4, 4);
  assert.ok(a < 255 && b < a && b < 60, `centre after one point ${a}, after ten ${b}`);
  assert.equal(one.pixel(0, 0), [255, 255, 255], 'far from the disc: untouched');
});

test('text: draws inside its box, as wide as textWidth says; unknown characters draw a box', () => {
  for (const scale of [1, 2, 3]) {
    const r = new Raster(200, 40);
    const width = r.text(5, 6, 'W1 = 0.0123 ×→ε', RED, scale);
    assert.is(width, textWidth('W1 = 0.0123 ×→ε', scale));
    const px = painted(r);
    assert.ok(px.length > 20 * scale * scale, `scale ${scale}: ${px.length} pixels`);
    assert.ok(px.every(([x, y]) => x >= 5 && x < 5 + width && y >= 6 && y < 6 + 7 * scale), `scale ${scale}: pixels outside the text box`);
  }
  assert.is(textWidth(''), 0);
  assert.is(textWidth('ab', 2), 2 * (2 * 6 - 1));
  const blank = new Raster(20, 10);
  blank.text(1, 1, '   ', RED);
  assert.equal(painted(blank), []);
  const unknown = new Raster(20, 10);
  unknown.text(1, 1, '€', RED);
  assert.ok(painted(unknown).length >= 8, 'an unknown character draws a box');
  for (let c = 32; c < 127; c++) assert.ok(hasGlyph(String.fromCharCode(c)), `glyph for ${JSON.stringify(String.fromCharCode(c))}`);
  for (const ch of ['×', '…', '→', 'ε', 'ᾱ', '≈', '·']) assert.ok(hasGlyph(ch), `glyph for ${ch}`);
});

// ---------------------------------------------------------------------------------------------
// figures.ts

/** The S-curve without noise, as in the tutorial's data: x = sin t / 10, y = sign t (cos t − 1) / 10. */
function sCurve(n: number): Float32Array {
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const t = -1.5 * Math.PI + (3 * Math.PI * (i + 0.5)) / n;
    out[2 * i] = Math.sin(t) / 10;
    out[2 * i + 1] = (Math.sign(t) * (Math.cos(t) - 1)) / 10;
  }
  return out;
}

function noise(n: number, seed: number): Float32Array {
  const u = randomBytes(4 * n, seed);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < 2 * n; i++) out[i] = (u[2 * i] + 256 * u[2 * i + 1] + 0.5) / 65536 * 6 - 3; // uniform in (−3, 3)
  return out;
}

const unit: Bounds = { xmin: -1, xmax: 1, ymin: -1, ymax: 1 };

test('boundsOf: square, centred, robust to strays, with margin', () => {
  const pts = new Float32Array(2 * 1001);
  for (let i = 0; i < 1000; i++) [pts[2 * i], pts[2 * i + 1]] = [i / 999, 2 * (i / 999) + 1]; // x in [0, 1], y in [1, 3]
  [pts[2000], pts[2001]] = [1e6, -1e6];                                                      // one stray
  const b = boundsOf(pts, 0.1);
  assert.ok(Math.abs((b.xmax - b.xmin) - (b.ymax - b.ymin)) < 1e-9, 'square');
  assert.ok(Math.abs((b.xmin + b.xmax) / 2 - 0.5) < 0.01 && Math.abs((b.ymin + b.ymax) / 2 - 2) < 0.02, `centred: ${JSON.stringify(b)}`);
  assert.ok(Math.abs((b.ymax - b.ymin) - 2 * 1.2) < 0.03, `side = the longer spread (2) plus 10% on each side: ${JSON.stringify(b)}`);
  const single = boundsOf(new Float32Array([3, 4]));
  assert.ok(single.xmin < 3 && single.xmax > 3 && single.ymin < 4 && single.ymax > 4, 'one point: a box around it');
  assert.equal(boundsOf(new Float32Array([NaN, 1, Infinity, 2])), unit, 'nothing finite: [−1, 1]²');
  assert.throws(() => boundsOf(new Float32Array(3)), /\[n, 2\]/);
});

test('scatterPanel: a point lands where the bounds say, y up; outside points are counted, not drawn', () => {
  const size = 240;
  const { x, y, side } = panelLayout(size);
  const draw = (pts: number[]) => scatterPanel(new Float32Array(pts), { size, title: 'p', bounds: unit, color: COLORS.generated });
  const empty = draw([]);
  assert.is(empty.width, size);
  assert.is(empty.height, size);

  const near = (changed: [number, number][], cx: number, cy: number) =>
    changed.length > 0 && changed.every(([px, py]) => Math.hypot(px - cx, py - cy) <= 4);
  const centre = [x + (side - 1) / 2, y + (side - 1) / 2];
  const inCentre = draw([0, 0]);
  assert.ok(near(differing(empty, inCentre), centre[0], centre[1]), 'only pixels near the centre change');
  const [r, g, b] = inCentre.pixel(centre[0], centre[1]);
  const [cr, cg, cb] = COLORS.generated;
  assert.ok(Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 120, `centre pixel ${[r, g, b]} is close to ${COLORS.generated}`);

  assert.ok(near(differing(empty, draw([-1, 1])), x, y), 'top-left corner of the bounds → top-left of the plot area');
  assert.ok(near(differing(empty, draw([1, -1])), x + side - 1, y + side - 1), '(xmax, ymin) → bottom-right');
  assert.ok(near(differing(empty, draw([0, 0.5])), centre[0], y + (side - 1) / 4), 'y = 0.5 is above the centre');

  const outside = differing(empty, draw([5, 0, 0, -7]));
  assert.ok(outside.length > 0, 'the "2 outside" note is written');
  assert.ok(outside.every(([px, py]) => px > x + side / 2 && py < y + 20), 'and nothing but the note in the top-right corner');
  assert.throws(() => scatterPanel(new Float32Array(2), { size, title: '', bounds: { ...unit, xmax: -1 }, color: COLORS.data }), /bounds/);
});

test('figures: sizes, and not blank', () => {
  const data = sCurve(10000);
  const generated = new Float32Array(data.map((v, i) => v + 0.01 * Math.sin(i)));
  const samples = samplesFigure(generated, data, { title: 'samples', footer: 'sliced W1 0.0123 (data floor 0.0021, N(0,I) 0.51)' });
  assert.ok(samples.width > 1.5 * samples.height && samples.width < 2.5 * samples.height, `${samples.width}×${samples.height}`);
  assert.ok(painted(samples).length > 0.03 * samples.width * samples.height, 'samples figure is not blank');
  const noFooter = samplesFigure(generated, data, { title: 'samples' });
  assert.ok(noFooter.height < samples.height && noFooter.width === samples.width, 'the footer adds a line');

  const ts = [99, 80, 60, 40, 20, 0];
  const frames = ts.map((t, k) => ({ t, points: k === ts.length - 1 ? data : noise(2000, k) }));
  const strip = reverseFigure(frames, { title: 'reverse' });
  assert.ok(strip.width > 4 * strip.height, `one row of six: ${strip.width}×${strip.height}`);
  assert.ok(painted(strip).length > 0.03 * strip.width * strip.height, 'reverse figure is not blank');
  const wrapped = reverseFigure([...frames, ...frames, frames[0]], { title: 'thirteen frames' });
  assert.ok(wrapped.height > 1.8 * strip.height - 50 && wrapped.width < 1.5 * strip.width, `13 frames wrap into two rows: ${wrapped.width}×${wrapped.height}`);
  assert.throws(() => reverseFigure([], { title: '' }), /no frames/);

  const losses = Array.from({ length: 4000 }, (_, i) => 0.3 + Math.exp(-i / 300) + 0.02 * Math.sin(i));
  for (const logY of [false, true]) {
    const chart = lossFigure(losses, { title: 'loss', logY });
    assert.ok(chart.width > chart.height, 'landscape');
    assert.ok(painted(chart).length > 3000, `loss chart (logY ${logY}) is not blank`);
  }
});

test('lossFigure: one point, NaN entries, nothing finite, zeros on a log axis', () => {
  const blue = (r: Raster) => countNear(r, COLORS.generated);
  assert.ok(blue(lossFigure([0.8], { title: 'one epoch' })) > 0, 'a single epoch is drawn as a dot');
  assert.ok(blue(lossFigure([1, NaN, 0.5, Infinity, 0.25], { title: 'gaps' })) > 0);
  assert.is(blue(lossFigure([NaN, NaN], { title: 'nothing' })), 0);
  assert.ok(blue(lossFigure([1, 0, 0.1, -1], { title: 'log', logY: true })) > 0);
});

test('lossFigure: thinning to pixel columns keeps a one-epoch spike', () => {
  const flat = Array.from({ length: 4000 }, (_, i) => 0.5 + 0.01 * Math.sin(i / 7));
  const spiky = [...flat];
  spiky[2003] = 3;
  // Without the spike the curve fills the plot's height; with it, the curve sits at the bottom and
  // only the spike's column reaches the top — unless thinning dropped epoch 2004.
  const rows = (r: Raster) => {
    const ys: number[] = [];
    for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) if (isNear(r.pixel(x, y), COLORS.generated)) ys.push(y);
    return { top: ys[0], median: ys[ys.length >> 1] };
  };
  const { top, median } = rows(lossFigure(spiky, { title: 'spike' }));
  const flatRows = rows(lossFigure(flat, { title: 'flat' }));
  assert.ok(median - top > 200, `the spike reaches far above the curve: top y = ${top}, median y = ${median}`);
  assert.ok(flatRows.median - flatRows.top < 200, `without it, it does not: ${JSON.stringify(flatRows)}`);
});

function isNear([r, g, b]: Color, [cr, cg, cb]: Color): boolean {
  return Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 40;
}

function countNear(r: Raster, color: Color): number {
  let n = 0;
  for (let y = 0; y < r.height; y++) for (let x = 0; x < r.width; x++) if (isNear(r.pixel(x, y), color)) n++;
  return n;
}

test('imageGrid: tiles of scaled pixels, −1 white, 1 black, 0 mid-grey, NaN red; bad shapes refused', () => {
  const images = new Float32Array([-1, 1, 0, NaN, 5, -5, 1, -1]); // two 2×2 images
  const g = imageGrid(images, { width: 2, height: 2, columns: 2, scale: 3 });
  // Padding 10, tiles 6×6 with a 4-pixel gap: tile 0 at (10, 10), tile 1 at (20, 10).
  assert.equal([g.width, g.height], [10 + 6 + 4 + 6 + 10, 10 + 6 + 10]);
  assert.equal(g.pixel(10, 10), [255, 255, 255]);
  assert.equal(g.pixel(13, 10), [0, 0, 0]);
  assert.equal(g.pixel(12, 13), [128, 128, 128]);
  assert.equal(g.pixel(15, 15), [220, 30, 30]);
  assert.equal(g.pixel(20, 10), [0, 0, 0], 'beyond 1: black');
  assert.equal(g.pixel(23, 10), [255, 255, 255], 'below −1: white');
  assert.equal(imageGrid(images, { width: 2, height: 2, columns: 1 }).height > g.height, true, 'one column: two rows');
  assert.throws(() => imageGrid(images.subarray(0, 7), { width: 2, height: 2, columns: 2 }), /expected \[n, 2·2\] values, got 7/);
  assert.throws(() => imageGrid(images, { width: 2, height: 2, columns: 2, captions: ['a'] }), /1 captions for 2 images/);
});

test.run();
