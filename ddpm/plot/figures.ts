// The `ddpm` CLI's pictures (ddpm/plot/), each drawn into a Raster; png.ts turns it into a file.
// Pure functions: no I/O, nothing Node-specific, so a browser page can draw the same pictures.
//   scatterPanel   one square panel of 2-D points, translucent so 10 000 points read as a density
//   samplesFigure  generated points beside data points, same bounds, with a title and a footer
//   reverseFigure  the reverse process as a strip of panels, x_T … x_0 (wrapping after ~10)
//   lossFigure     training loss per epoch, linear or log y, thousands of epochs thinned per column
// Points are Float32Array [n, 2], interleaved x0, y0, x1, y1, …; y points up in every plot.

import { Raster, WHITE, textHeight, textWidth, type Color } from './raster.js';
import { logTicks, niceTicks } from './ticks.js';

/** A data-space box; scatter panels map it onto their square plot area. */
export interface Bounds {
  readonly xmin: number;
  readonly xmax: number;
  readonly ymin: number;
  readonly ymax: number;
}

export const COLORS = {
  background: WHITE,
  ink: [51, 51, 51],          // frames, titles, tick marks
  muted: [115, 115, 115],     // tick labels, notes
  grid: [234, 234, 234],      // light grid lines at the tick values
  generated: [31, 119, 180],  // blue: what the model made
  data: [46, 125, 50],        // green: the real data
  warning: [200, 90, 20],     // orange: "37 outside", skipped values
} as const satisfies Record<string, Color>;

const TICK = 4;          // tick mark length, pixels
const LABEL_GAP = 3;     // between a tick mark and its label
const TICK_CHARS = 5;    // room kept left of a scatter panel for y labels such as "-0.15"

// ---------------------------------------------------------------------------------------------
// Bounds

/** A square box around the points: the 0.5 and 99.5 percentiles of each axis (stray points do not
 *  stretch it), widened to a square so both axes have the same scale (an S looks like an S), plus
 *  `margin` of its side on every side. Non-finite points are ignored; none left gives [−1, 1]². */
export function boundsOf(points: Float32Array, margin = 0.1): Bounds {
  checkPoints('boundsOf', points);
  const xs: number[] = [], ys: number[] = [];
  for (let i = 0; i < points.length; i += 2) {
    if (Number.isFinite(points[i]) && Number.isFinite(points[i + 1])) {
      xs.push(points[i]);
      ys.push(points[i + 1]);
    }
  }
  if (xs.length === 0) return { xmin: -1, xmax: 1, ymin: -1, ymax: 1 };
  xs.sort((a, b) => a - b);
  ys.sort((a, b) => a - b);
  const [x0, x1, y0, y1] = [quantile(xs, 0.005), quantile(xs, 0.995), quantile(ys, 0.005), quantile(ys, 0.995)];
  const [cx, cy] = [(x0 + x1) / 2, (y0 + y1) / 2];
  let half = Math.max(x1 - x0, y1 - y0) / 2;
  if (!(half > 0)) half = 0.1 * Math.max(Math.abs(cx), Math.abs(cy)) || 1; // one point, or all equal
  half *= 1 + 2 * margin;
  return { xmin: cx - half, xmax: cx + half, ymin: cy - half, ymax: cy + half };
}

/** Linear-interpolated quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const i = Math.floor(at);
  return i + 1 < sorted.length ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

// ---------------------------------------------------------------------------------------------
// Scatter panels

export interface ScatterOptions {
  size: number;       // the panel is size × size pixels
  title: string;
  bounds: Bounds;
  color: Color;
  subtitle?: string;
}

/** Where things go in a scatter panel of a given size: the square plot area (pixels x … x+side−1,
 *  y … y+side−1; bounds.xmin maps to x, bounds.ymax to y), and the title's top and scale. */
export function panelLayout(size: number, hasSubtitle = false): { x: number; y: number; side: number; titleY: number; titleScale: number } {
  if (!Number.isInteger(size) || size < 100) throw new Error(`scatterPanel: size must be an integer ≥ 100, got ${size}`);
  const pad = Math.max(6, Math.round(size / 50));
  const titleScale = size >= 160 ? 2 : 1;
  const top = pad + textHeight(titleScale) + (hasSubtitle ? 4 + textHeight(1) : 0) + 8;
  const left = pad + textWidth('0'.repeat(TICK_CHARS)) + LABEL_GAP + TICK + 1;
  const bottom = 1 + TICK + LABEL_GAP + textHeight(1) + pad;
  const right = pad + Math.ceil(textWidth('0.00') / 2); // the last x label is centred on the frame's edge
  let side = Math.min(size - left - right, size - top - bottom);
  side -= 1 - (side % 2); // odd, so the centre of the bounds is a pixel centre
  return { x: left + Math.floor((size - left - right - side) / 2), y: top, side, titleY: pad, titleScale };
}

/** One square panel: title (and subtitle) above a framed plot area with light grid lines at round
 *  values, the points drawn translucent in `color`. Points outside the bounds are not drawn; how
 *  many there were is noted in the top-right corner ("37 outside", non-finite ones as "NaN"). */
export function scatterPanel(points: Float32Array, opts: ScatterOptions): Raster {
  checkPoints('scatterPanel', points);
  checkBounds('scatterPanel', opts.bounds);
  const { xmin, xmax, ymin, ymax } = opts.bounds;
  const layout = panelLayout(opts.size, opts.subtitle !== undefined);
  const { side } = layout;
  const panel = new Raster(opts.size, opts.size);

  const centre = layout.x + (side - 1) / 2;
  centredText(panel, opts.title, centre, layout.titleY, opts.size - 4, layout.titleScale, COLORS.ink);
  if (opts.subtitle !== undefined) {
    centredText(panel, opts.subtitle, centre, layout.titleY + textHeight(layout.titleScale) + 4, opts.size - 4, 1, COLORS.muted);
  }

  // The plot area is its own raster, so discs at the edge are clipped to it.
  const toX = (x: number) => ((x - xmin) / (xmax - xmin)) * (side - 1);
  const toY = (y: number) => ((ymax - y) / (ymax - ymin)) * (side - 1);
  const tickCount = side >= 250 ? 6 : 4; // small panels get fewer labels, so they do not touch
  const xTicks = niceTicks(xmin, xmax, tickCount).map((v) => ({ at: toX(v), label: v }));
  const yTicks = niceTicks(ymin, ymax, tickCount).map((v) => ({ at: toY(v), label: v }));
  const plot = new Raster(side, side);
  drawGrid(plot, xTicks, yTicks);
  const n = points.length / 2;
  const shown: number[] = []; // indices of the points inside the bounds
  let nonFinite = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = [points[2 * i], points[2 * i + 1]];
    if (!Number.isFinite(x) || !Number.isFinite(y)) nonFinite++;
    else if (x >= xmin && x <= xmax && y >= ymin && y <= ymax) shown.push(i);
  }
  const outside = n - nonFinite - shown.length;
  const { radius, alpha } = pointStyle(shown.length, side); // by what is drawn: a few strays stay visible
  for (const i of shown) plot.point(toX(points[2 * i]), toY(points[2 * i + 1]), opts.color, radius, alpha);
  panel.blit(plot, layout.x, layout.y);
  const area = { x: layout.x, y: layout.y, w: side, h: side };
  drawFrame(panel, area, labelTicks(xTicks), labelTicks(yTicks));

  const notes = [outside > 0 ? `${formatCount(outside)} outside` : '', nonFinite > 0 ? `${formatCount(nonFinite)} NaN` : ''];
  cornerNote(panel, area, notes.filter((s) => s !== '').join(', '));
  return panel;
}

/** Disc radius and opacity for n points in a side × side plot: 100 points solid and clearly
 *  visible, 10 000 points faint enough that overlaps build up into a density. */
function pointStyle(n: number, side: number): { radius: number; alpha: number } {
  const areaScale = side / 300;
  const radius = (n <= 300 ? 2 : n <= 3000 ? 1.4 : 1) * Math.min(1.5, Math.max(0.75, areaScale));
  const alpha = Math.min(0.85, Math.max(0.05, (25 / Math.sqrt(Math.max(n, 1))) * areaScale));
  return { radius, alpha };
}

// ---------------------------------------------------------------------------------------------
// Figures

/** samplesFigure's title, panel labels and footer line. */
export interface SamplesOptions {
  title: string;
  generatedLabel?: string;   // default "generated"
  dataLabel?: string;        // default "data"
  footer?: string;           // e.g. "sliced W1 0.0123 (data floor 0.0021, N(0,I) 0.51)"
}

/** Generated points (left, blue) beside data points (right, green), both in the data's bounds. */
export function samplesFigure(generated: Float32Array, data: Float32Array, opts: SamplesOptions): Raster {
  checkPoints('samplesFigure', generated);
  checkPoints('samplesFigure', data);
  const [panelSize, pad, gap] = [420, 14, 12];
  const bounds = boundsOf(data);
  const panels = [
    scatterPanel(generated, { size: panelSize, title: opts.generatedLabel ?? 'generated', bounds, color: COLORS.generated, subtitle: `${formatCount(generated.length / 2)} points` }),
    scatterPanel(data, { size: panelSize, title: opts.dataLabel ?? 'data', bounds, color: COLORS.data, subtitle: `${formatCount(data.length / 2)} points` }),
  ];
  const width = 2 * pad + 2 * panelSize + gap;
  const top = pad + textHeight(2) + 6;
  const footerHeight = opts.footer !== undefined ? 8 + textHeight(2) + pad : 0;
  const figure = new Raster(width, top + panelSize + footerHeight);
  centredText(figure, opts.title, width / 2, pad, width - 2 * pad, 2, COLORS.ink);
  figure.blit(panels[0], pad, top);
  figure.blit(panels[1], pad + panelSize + gap, top);
  if (opts.footer !== undefined) centredText(figure, opts.footer, width / 2, top + panelSize + 8, width - 2 * pad, 2, COLORS.ink);
  return figure;
}

export interface ReverseFrame {
  t: number;            // the timestep of x_t
  points: Float32Array; // [n, 2]
}

/** reverseFigure's title, and the bounds all its panels share. */
export interface ReverseOptions {
  title: string;
  bounds?: Bounds;      // default: boundsOf the last frame (x_0, the data-like one)
}

/** The reverse process, one small panel per frame, left to right, titled "t = 99" …; more than
 *  10 frames wrap into balanced rows. All panels share bounds, so noisy early frames spill out of
 *  the box (and say how many points did). */
export function reverseFigure(frames: readonly ReverseFrame[], opts: ReverseOptions): Raster {
  if (frames.length === 0) throw new Error('reverseFigure: no frames to draw');
  for (const f of frames) checkPoints('reverseFigure', f.points);
  const bounds = opts.bounds ?? boundsOf(frames[frames.length - 1].points);
  const [panelSize, pad] = [200, 12];
  const rows = Math.ceil(frames.length / 10);
  const columns = Math.ceil(frames.length / rows);
  const width = 2 * pad + columns * panelSize;
  const top = pad + textHeight(2) + 6;
  const figure = new Raster(width, top + rows * panelSize + pad);
  centredText(figure, opts.title, width / 2, pad, width - 2 * pad, 2, COLORS.ink);
  frames.forEach((frame, i) => {
    const panel = scatterPanel(frame.points, { size: panelSize, title: `t = ${frame.t}`, bounds, color: COLORS.generated });
    figure.blit(panel, pad + (i % columns) * panelSize, top + Math.floor(i / columns) * panelSize);
  });
  return figure;
}

/** lossFigure's title, axis labels and whether the loss axis is logarithmic. */
export interface LossOptions {
  title: string;
  xlabel?: string;   // default "epoch"
  ylabel?: string;   // default "loss"
  logY?: boolean;
}

/** Loss per epoch (losses[i] is epoch i + 1) as a line chart. Non-finite values (and, on a log
 *  axis, values ≤ 0) are skipped and counted; when there are more epochs than pixel columns each
 *  column draws the min–max range of its epochs, so spikes stay visible. */
export function lossFigure(losses: readonly number[], opts: LossOptions): Raster {
  const [width, height, pad] = [760, 440, 14];
  const logY = opts.logY ?? false;
  const n = losses.length;
  const kept: { epoch: number; value: number }[] = []; // value is log10(loss) on a log axis
  losses.forEach((v, i) => {
    if (Number.isFinite(v) && (!logY || v > 0)) kept.push({ epoch: i + 1, value: logY ? Math.log10(v) : v });
  });
  const skipped = n - kept.length;

  // Data ranges: x over all epochs, y over the kept values with 5% air.
  const [x0, x1] = n > 1 ? [1, n] : [0, 2];
  let [y0, y1] = kept.length > 0 ? [Infinity, -Infinity] : [0, 1];
  for (const k of kept) [y0, y1] = [Math.min(y0, k.value), Math.max(y1, k.value)];
  if (y1 - y0 < 1e-12 * Math.max(1, Math.abs(y0))) [y0, y1] = [y0 - (logY ? 0.5 : 0.1 * Math.abs(y0) || 1), y1 + (logY ? 0.5 : 0.1 * Math.abs(y1) || 1)];
  const air = 0.05 * (y1 - y0);
  [y0, y1] = [y0 - air, y1 + air];
  const yTickValues = logY ? logTicks(y0, y1) : niceTicks(y0, y1, 6);
  const yLabels = yTickValues.map((v) => (logY ? formatNumber(10 ** v) : formatTick(v, tickStep(yTickValues))));

  // Layout: title, subtitle, y label, plot area, x tick labels, x label.
  const titleY = pad;
  const subtitleY = titleY + textHeight(2) + 6;
  const ylabelY = subtitleY + textHeight(1) + 10;
  const labelWidth = Math.max(...yLabels.map((s) => textWidth(s)), 0);
  const area = { x: pad + labelWidth + LABEL_GAP + TICK + 1, y: ylabelY + textHeight(1) + 8, w: 0, h: 0 };
  area.w = width - area.x - pad - Math.ceil(textWidth('0000') / 2);
  area.h = height - area.y - (1 + TICK + LABEL_GAP + textHeight(1) + 8 + textHeight(1) + pad);

  const toX = (epoch: number) => ((epoch - x0) / (x1 - x0)) * (area.w - 1);
  const toY = (v: number) => ((y1 - v) / (y1 - y0)) * (area.h - 1);
  const xTickValues = niceTicks(x0, x1, 6).filter((v) => Number.isInteger(v) && v >= 1 && v <= Math.max(n, 1));
  const xTicks = xTickValues.map((v) => ({ at: toX(v), label: v }));
  const yTicks = yTickValues.map((v) => ({ at: toY(v), label: v }));

  const figure = new Raster(width, height);
  centredText(figure, opts.title, width / 2, titleY, width - 2 * pad, 2, COLORS.ink);
  centredText(figure, lossSummary(losses, kept), width / 2, subtitleY, width - 2 * pad, 1, COLORS.muted);
  figure.text(pad, ylabelY, opts.ylabel ?? (logY ? 'loss (log scale)' : 'loss'), COLORS.ink);

  const plot = new Raster(area.w, area.h);
  drawGrid(plot, xTicks, yTicks);
  drawPolyline(plot, kept.map((k) => [toX(k.epoch), toY(k.value)]), COLORS.generated);
  if (kept.length <= 60) for (const k of kept) plot.point(toX(k.epoch), toY(k.value), COLORS.generated, 2.5);
  figure.blit(plot, area.x, area.y);
  drawFrame(figure, area, labelTicks(xTicks), yTicks.map((t, i) => ({ at: t.at, label: yLabels[i] })));
  const xlabel = opts.xlabel ?? 'epoch';
  centredText(figure, xlabel, area.x + area.w / 2, height - pad - textHeight(1), width, 1, COLORS.ink);
  if (kept.length === 0) centredText(figure, 'no finite values to plot', area.x + area.w / 2, area.y + area.h / 2 - 7, area.w, 2, COLORS.warning);
  if (skipped > 0) cornerNote(figure, area, `${formatCount(skipped)} ${logY ? 'non-finite or ≤ 0' : 'non-finite'} skipped`);
  return figure;
}

/** "4000 epochs · last 0.312 · min 0.298 (epoch 3120)". */
function lossSummary(losses: readonly number[], kept: readonly { epoch: number }[]): string {
  const parts = [`${formatCount(losses.length)} epoch${losses.length === 1 ? '' : 's'}`];
  if (kept.length > 0) {
    const last = kept[kept.length - 1];
    let best = kept[0];
    for (const k of kept) if (losses[k.epoch - 1] < losses[best.epoch - 1]) best = k;
    parts.push(`last ${formatNumber(losses[last.epoch - 1])}`);
    parts.push(`min ${formatNumber(losses[best.epoch - 1])} (epoch ${best.epoch})`);
  }
  return parts.join(' · ');
}

/** A polyline through many points, thinned to pixel columns: consecutive points that land in the
 *  same column become one vertical min–max stroke, joined to the neighbouring columns. */
function drawPolyline(plot: Raster, points: readonly (readonly [number, number])[], color: Color): void {
  let previous: { column: number; first: number; last: number; min: number; max: number } | undefined;
  const flush = (c: NonNullable<typeof previous>, before: typeof previous) => {
    if (before !== undefined) plot.line(before.column, before.last, c.column, c.first, color, 1.5);
    if (c.max > c.min) plot.line(c.column, c.min, c.column, c.max, color, 1.5);
    else if (before === undefined) plot.point(c.column, c.first, color, 0.75);
  };
  let drawn: typeof previous;
  for (const [x, y] of points) {
    const column = Math.round(x);
    if (previous !== undefined && previous.column === column) {
      previous.last = y;
      previous.min = Math.min(previous.min, y);
      previous.max = Math.max(previous.max, y);
      continue;
    }
    if (previous !== undefined) {
      flush(previous, drawn);
      drawn = previous;
    }
    previous = { column, first: y, last: y, min: y, max: y };
  }
  if (previous !== undefined) flush(previous, drawn);
}

// ---------------------------------------------------------------------------------------------
// Axes, ticks, text

interface Tick<L> {
  at: number;   // pixel offset inside the plot area
  label: L;
}

interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Light grid lines at the tick positions, inside a plot-area raster. */
function drawGrid(plot: Raster, xTicks: readonly Tick<unknown>[], yTicks: readonly Tick<unknown>[]): void {
  for (const t of xTicks) plot.fillRect(Math.round(t.at), 0, 1, plot.height, COLORS.grid);
  for (const t of yTicks) plot.fillRect(0, Math.round(t.at), plot.width, 1, COLORS.grid);
}

/** A one-pixel frame just outside the plot area, tick marks outside it, and their labels. */
function drawFrame(r: Raster, a: Rect, xTicks: readonly Tick<string>[], yTicks: readonly Tick<string>[]): void {
  r.fillRect(a.x - 1, a.y - 1, a.w + 2, 1, COLORS.ink);
  r.fillRect(a.x - 1, a.y + a.h, a.w + 2, 1, COLORS.ink);
  r.fillRect(a.x - 1, a.y - 1, 1, a.h + 2, COLORS.ink);
  r.fillRect(a.x + a.w, a.y - 1, 1, a.h + 2, COLORS.ink);
  for (const t of xTicks) {
    const px = a.x + Math.round(t.at);
    r.fillRect(px, a.y + a.h + 1, 1, TICK, COLORS.ink);
    r.text(px - Math.floor(textWidth(t.label) / 2), a.y + a.h + 1 + TICK + LABEL_GAP, t.label, COLORS.muted);
  }
  for (const t of yTicks) {
    const py = a.y + Math.round(t.at);
    r.fillRect(a.x - 1 - TICK, py, TICK, 1, COLORS.ink);
    r.text(a.x - 1 - TICK - LABEL_GAP - textWidth(t.label), py - 3, t.label, COLORS.muted);
  }
}

/** Labels for ticks at round values, with as many decimals as the spacing needs. */
function labelTicks(ticks: readonly Tick<number>[]): Tick<string>[] {
  const step = tickStep(ticks.map((t) => t.label));
  return ticks.map((t) => ({ at: t.at, label: formatTick(t.label, step) }));
}

/** A small note on a white backing in the top-right corner inside a plot area. */
function cornerNote(r: Raster, a: Rect, note: string): void {
  if (note === '') return;
  const w = textWidth(note);
  const [x, y] = [a.x + a.w - w - 4, a.y + 4];
  r.fillRect(x - 2, y - 2, w + 4, textHeight(1) + 4, COLORS.background);
  r.text(x, y, note, COLORS.warning);
}

/** Text centred on x with its top at y: at `scale` if it fits in maxWidth, else smaller, else
 *  cut short with "…". */
function centredText(r: Raster, s: string, x: number, y: number, maxWidth: number, scale: number, color: Color): void {
  let fitted = s;
  while (scale > 1 && textWidth(fitted, scale) > maxWidth) scale--;
  if (textWidth(fitted, scale) > maxWidth) {
    const chars = [...s];
    while (chars.length > 0 && textWidth(chars.join('') + '…', scale) > maxWidth) chars.pop();
    fitted = chars.join('') + '…';
  }
  r.text(Math.round(x - textWidth(fitted, scale) / 2), y, fitted, color, scale);
}

function tickStep(values: readonly number[]): number {
  return values.length >= 2 ? Math.abs(values[1] - values[0]) : 1;
}

/** A tick value with the decimals its spacing needs ("0.05", "-0.10", "2000"). */
function formatTick(v: number, step: number): string {
  if (Math.abs(v) < 1e-9 * step) return '0';
  const decimals = Math.max(0, Math.min(10, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return s.length <= 7 ? s : formatNumber(v);
}

/** A number in at most four significant digits: "0.3124", "1.2e-5", "4000". */
function formatNumber(v: number): string {
  return String(Number(v.toPrecision(4)));
}

/** 10000 → "10 000". */
function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

function checkPoints(where: string, points: Float32Array): void {
  if (!(points instanceof Float32Array) || points.length % 2 !== 0) {
    throw new Error(`${where}: points must be a Float32Array [n, 2] (x0, y0, x1, y1, …), got length ${points.length}`);
  }
}

function checkBounds(where: string, b: Bounds): void {
  if (![b.xmin, b.xmax, b.ymin, b.ymax].every(Number.isFinite) || !(b.xmax > b.xmin) || !(b.ymax > b.ymin)) {
    throw new Error(`${where}: bounds must be finite with xmax > xmin and ymax > ymin, got ${JSON.stringify(b)}`);
  }
}
