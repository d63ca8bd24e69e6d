// Tick values for the pictures' axes — the PNG figures (figures.ts) and the browser page's
// canvases (web/plots.ts) — round numbers on a linear axis, 1-2-5 steps on a log axis.

/** Round tick values (multiples of 1, 2 or 5 × 10^k) inside [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * 0.999)!;
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; k++) ticks.push(k * step);
  return ticks;
}

/** Ticks for a log10 axis from y0 to y1 (in log10 units): powers of ten, or 1-2-5 (then every
 *  integer multiple) when the range is too short for enough powers of ten to land in it. */
export function logTicks(y0: number, y1: number): number[] {
  for (const multiples of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let p = Math.floor(y0); p <= Math.ceil(y1); p++) {
      for (const m of multiples) {
        const v = p + Math.log10(m);
        if (v >= y0 && v <= y1) ticks.push(v);
      }
    }
    if (ticks.length >= 3) return ticks;
  }
  return niceTicks(y0, y1, 4);
}
