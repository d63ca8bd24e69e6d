// The page's pictures, drawn on 2-D canvases (a WebGPU canvas would stay blank in headless
// browsers, and these are small): points over their data set, the loss per epoch, sliced W1
// per epoch against its floor, and rasters (an image model's grid and strip, drawn by ddpm/plot
// as the CLI's PNGs are).

import type { Raster } from '../ddpm/plot/raster.js';
import { logTicks, niceTicks } from '../ddpm/plot/ticks.js';

export interface Bounds { x0: number; x1: number; y0: number; y1: number }

const INK = '#1f2933', MUTED = '#7b8794', GRID = '#e4e7eb', DATA = 'rgba(150, 160, 175, 0.45)';
export const SAMPLE_COLOUR = 'rgba(37, 99, 235, 0.75)';
const LOSS_COLOUR = '#2563eb', LOSS_RAW = 'rgba(37, 99, 235, 0.25)', QUALITY_COLOUR = '#b54708';

/** A canvas sized to its box at the screen's pixel density; returns its context and CSS size. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const dpr = Math.max(1, globalThis.devicePixelRatio || 1);
  const w = canvas.clientWidth || canvas.width, h = canvas.clientHeight || canvas.height;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui, sans-serif';
  return { ctx, w, h };
}

/** The 1st…99th percentile box of [n, 2] points (a few stragglers do not zoom the view out). */
export function robustBounds(points: Float32Array): Bounds {
  const n = points.length / 2;
  const xs = new Float32Array(n), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) { xs[i] = points[2 * i]; ys[i] = points[2 * i + 1]; }
  xs.sort(); ys.sort();
  const q = (a: Float32Array, p: number): number => a[Math.min(n - 1, Math.max(0, Math.round(p * (n - 1))))];
  return { x0: q(xs, 0.01), x1: q(xs, 0.99), y0: q(ys, 0.01), y1: q(ys, 0.99) };
}

/** A square view around the union of boxes, with a margin. */
export function squareView(...boxes: Bounds[]): Bounds {
  const x0 = Math.min(...boxes.map((b) => b.x0)), x1 = Math.max(...boxes.map((b) => b.x1));
  const y0 = Math.min(...boxes.map((b) => b.y0)), y1 = Math.max(...boxes.map((b) => b.y1));
  const half = (Math.max(x1 - x0, y1 - y0) / 2) * 1.15 || 1;
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  return { x0: cx - half, x1: cx + half, y0: cy - half, y1: cy + half };
}

const label = (v: number): string => (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(0) : String(+v.toPrecision(6)));

/** Points (blue) over data points (grey) in `view`; `title` on top. */
export function drawPoints(canvas: HTMLCanvasElement, data: Float32Array, points: Float32Array | null, view: Bounds, title: string): void {
  const { ctx, w, h } = prepare(canvas);
  const pad = { l: 42, r: 10, t: 24, b: 26 };
  const side = Math.min(w - pad.l - pad.r, h - pad.t - pad.b);
  const left = pad.l + (w - pad.l - pad.r - side) / 2, top = pad.t;
  const sx = (x: number): number => left + ((x - view.x0) / (view.x1 - view.x0)) * side;
  const sy = (y: number): number => top + side - ((y - view.y0) / (view.y1 - view.y0)) * side;
  ctx.strokeStyle = GRID;
  ctx.fillStyle = MUTED;
  ctx.textAlign = 'center';
  for (const v of niceTicks(view.x0, view.x1, 5)) {
    ctx.beginPath(); ctx.moveTo(sx(v), top); ctx.lineTo(sx(v), top + side); ctx.stroke();
    ctx.fillText(label(v), sx(v), top + side + 16);
  }
  ctx.textAlign = 'right';
  for (const v of niceTicks(view.y0, view.y1, 5)) {
    ctx.beginPath(); ctx.moveTo(left, sy(v)); ctx.lineTo(left + side, sy(v)); ctx.stroke();
    ctx.fillText(label(v), left - 6, sy(v) + 4);
  }
  ctx.save();
  ctx.beginPath(); ctx.rect(left, top, side, side); ctx.clip();
  const dots = (p: Float32Array, colour: string, r: number): void => {
    ctx.fillStyle = colour;
    for (let i = 0; i < p.length; i += 2) ctx.fillRect(sx(p[i]) - r, sy(p[i + 1]) - r, 2 * r, 2 * r);
  };
  dots(data, DATA, 1.2);
  if (points) dots(points, SAMPLE_COLOUR, 1.4);
  ctx.restore();
  ctx.strokeStyle = MUTED;
  ctx.strokeRect(left, top, side, side);
  ctx.fillStyle = INK;
  ctx.textAlign = 'left';
  ctx.fillText(title, left, 15);
}

/** A chart's frame with a log-scale y axis over `values` (> 0) and x ticks 0 … xMax; null when nothing is finite. */
function logChart(canvas: HTMLCanvasElement, title: string, values: readonly number[], xMin: number, xMax: number, empty: string):
  { ctx: CanvasRenderingContext2D; sx: (x: number) => number; sy: (v: number) => number } | null {
  const { ctx, w, h } = prepare(canvas);
  const pad = { l: 52, r: 12, t: 24, b: 26 };
  const [pw, ph] = [w - pad.l - pad.r, h - pad.t - pad.b];
  ctx.fillStyle = INK;
  ctx.textAlign = 'left';
  ctx.fillText(title, pad.l, 15);
  ctx.strokeStyle = MUTED;
  ctx.strokeRect(pad.l, pad.t, pw, ph);
  const finite = values.filter((v) => v > 0 && Number.isFinite(v));
  if (finite.length === 0) {
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'left';
    ctx.fillText(empty, pad.l + 10, pad.t + 20);
    return null;
  }
  let lo = Math.log10(Math.min(...finite)), hi = Math.log10(Math.max(...finite));
  if (hi - lo < 0.1) { lo -= 0.05; hi += 0.05; }
  const sx = (x: number): number => pad.l + (xMax === xMin ? pw / 2 : ((x - xMin) / (xMax - xMin)) * pw);
  const sy = (v: number): number => pad.t + ph - ((Math.log10(v) - lo) / (hi - lo)) * ph;
  ctx.fillStyle = MUTED;
  ctx.textAlign = 'right';
  ctx.strokeStyle = GRID;
  for (const v of logTicks(lo, hi).map((l) => 10 ** l)) {
    ctx.beginPath(); ctx.moveTo(pad.l, sy(v)); ctx.lineTo(pad.l + pw, sy(v)); ctx.stroke();
    ctx.fillText(label(+v.toPrecision(3)), pad.l - 6, sy(v) + 4);
  }
  ctx.textAlign = 'center';
  for (const v of niceTicks(xMin, Math.max(xMax, xMin + 1), 6)) if (Number.isInteger(v) && v <= xMax) ctx.fillText(String(v), sx(v), pad.t + ph + 16);
  return { ctx, sx, sy };
}

/** A polyline through (xs[i], ys[i]). */
function polyline(ctx: CanvasRenderingContext2D, xs: readonly number[], ys: readonly number[], colour: string, width: number, dash: number[] = []): void {
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.beginPath();
  xs.forEach((x, i) => (i === 0 ? ctx.moveTo(x, ys[i]) : ctx.lineTo(x, ys[i])));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineWidth = 1;
}

/** Loss per epoch (1 … n) on a log axis: each epoch faint, a running mean over a few epochs bold. */
export function drawLoss(canvas: HTMLCanvasElement, losses: readonly number[]): void {
  const n = losses.length;
  const chart = logChart(canvas, 'training loss per epoch (log scale)', losses, 1, Math.max(n, 1), 'no epochs yet');
  if (!chart) return;
  const { ctx, sx, sy } = chart;
  const epochs = losses.map((_, i) => sx(i + 1));
  polyline(ctx, epochs, losses.map(sy), LOSS_RAW, 1);
  const k = Math.max(1, Math.round(n / 40));
  polyline(ctx, epochs, losses.map((_, i) => {
    const window = losses.slice(Math.max(0, i - k + 1), i + 1);
    return sy(window.reduce((a, b) => a + b, 0) / window.length);
  }), LOSS_COLOUR, 2);
}

/** Sliced W1 of each preview against its epoch (log axis), with the data's own floor dashed. */
export function drawQuality(canvas: HTMLCanvasElement, previews: readonly { epoch: number; slicedW1: number; floor: number }[]): void {
  const floor = previews.at(-1)?.floor ?? NaN;
  const values = [...previews.map((p) => p.slicedW1), ...(previews.length ? [floor] : [])];
  const last = Math.max(1, ...previews.map((p) => p.epoch));
  const chart = logChart(canvas, 'sliced W1 per epoch (log scale; dashed: the floor)', values, 0, last, 'no previews yet');
  if (!chart) return;
  const { ctx, sx, sy } = chart;
  if (floor > 0) polyline(ctx, [sx(0), sx(last)], [sy(floor), sy(floor)], MUTED, 1, [5, 4]);
  const shown = previews.filter((p) => p.slicedW1 > 0 && Number.isFinite(p.slicedW1));
  polyline(ctx, shown.map((p) => sx(p.epoch)), shown.map((p) => sy(p.slicedW1)), QUALITY_COLOUR, 2);
  ctx.fillStyle = QUALITY_COLOUR;
  for (const p of shown) ctx.fillRect(sx(p.epoch) - 2, sy(p.slicedW1) - 2, 4, 4);
}

/** A raster (ddpm/plot) at its own size: the canvas takes the raster's pixels, CSS scales it. */
export function drawRaster(canvas: HTMLCanvasElement, raster: Raster): void {
  canvas.width = raster.width;
  canvas.height = raster.height;
  const ctx = canvas.getContext('2d')!;
  ctx.putImageData(new ImageData(new Uint8ClampedArray(raster.rgba), raster.width, raster.height), 0, 0);
}
