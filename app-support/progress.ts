// Progress of long work. On a terminal: one line redrawn in place, with a bar, the current
// numbers, the rate and the time left. Elsewhere (a log file, CI): a plain line at most every
// `interval` seconds and at the end, so logs stay readable.

import { clock } from '../ddpm/duration.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

/** On a terminal, the line is redrawn at most this often (seconds), and when the work ends. */
const REDRAW_SECONDS = 0.1;

export class Progress {
  private readonly start = performance.now();
  private lastLine = -Infinity;
  private lastDraw = -Infinity;
  private drawn = false;

  /**
   * `from`: units already done when the work (re)started — a resumed run's epochs — so the time
   * left is estimated from this run's pace alone.
   */
  constructor(private readonly label: string, private readonly total: number, private readonly unit: string,
    private readonly stream: ProgressStream = process.stderr, private readonly interval = 10, private readonly from = 0) {}

  /**
   * `done` of `total` units finished (a fraction counts towards the time left; the count shows
   * whole units); `fields` are shown after the count (e.g. "loss 0.4312").
   */
  update(done: number, fields: string, rate?: { count: number; unit: string }): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = done > this.from ? (elapsed / (done - this.from)) * (this.total - done) : NaN;
    const speed = rate ? `${(rate.count / Math.max(elapsed, 1e-9)).toFixed(1)} ${rate.unit}/s` : '';
    const count = `${this.unit} ${Math.floor(done)}/${this.total}`;
    const finished = done >= this.total;
    const tail = [fields, speed, finished ? clock(elapsed) : done > this.from ? `ETA ${clock(eta)}` : ''].filter(Boolean).join('  ');
    if (this.stream.isTTY) {
      if (!finished && elapsed - this.lastDraw < REDRAW_SECONDS) return;
      this.lastDraw = elapsed;
      const width = 24;
      const filled = Math.round((width * done) / Math.max(this.total, 1));
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      const line = `${this.label} ${bar} ${count}  ${tail}`;
      const max = (this.stream.columns ?? 120) - 1;
      this.stream.write(`\r${line.length > max ? line.slice(0, max) : line.padEnd(max)}${finished ? '\n' : ''}`);
      this.drawn = !finished;
    } else if (finished || elapsed - this.lastLine >= this.interval) {
      this.lastLine = elapsed;
      this.stream.write(`${this.label}: ${count}  ${tail}\n`);
    }
  }

  /** Ends a redrawn line early (before printing something else). */
  interrupt(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}
