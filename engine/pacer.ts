// Pacing a loop of device work. A GPU backend records work without running it, so a loop that
// never waits can queue minutes of work ahead of the host — and then cannot stop for minutes;
// a CPU loop that never awaits keeps Node's event loop (timers, signals) from running at all.
// A loop that calls `await pacer.step()` after recording each step submits its work and waits
// for the work submitted the time before, every `interval` seconds (20 ms) at most: the device
// then stays about one such slice behind the host — still never idle, since one slice runs while
// the next is recorded — and the event loop runs between slices. Steps shorter than the
// interval cost nothing extra.
//
//   const pacer = new Pacer(device);
//   for (…) { recordStep(); await pacer.step(); if (signal.aborted) break; }
//   await pacer.drain();

import type { Backend } from './backend.js';

/**
 * Paces a loop of device work (see the header): `await pacer.step()` after recording each step,
 * `await pacer.drain()` at the end.
 */
export class Pacer {
  private previous: Promise<void> | null = null;
  private lastSync = -Infinity;

  /**
   * A pacer for the work recorded on `device`, waiting at most every `interval` seconds (default
   * 0.02).
   */
  constructor(private readonly device: Backend, private readonly interval = 0.02) {}

  /** After recording a step: submits the work recorded so far and waits for the previous slice. */
  async step(): Promise<void> {
    const now = performance.now() / 1000;
    if (now - this.lastSync < this.interval) return;
    this.lastSync = now;
    const previous = this.previous;
    this.previous = this.device.sync();
    await previous;
  }

  /** Waits for every step recorded so far. */
  async drain(): Promise<void> {
    this.previous = null;
    await this.device.sync();
  }
}
