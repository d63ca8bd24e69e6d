// The reverse process x_T … x_0 as the page plays it: frames are kept as they arrive from the
// sampler and shown at a steady pace (however fast they come), with play / pause / replay and a
// position that a slider sets. Drawing is the page's (a callback); this holds the frames and
// the clock. With no timer running and nothing to show, it costs nothing.

import type { Frame } from '../ddpm/generate.js';

export class ReversePlayer {
  private frames: Frame[] = [];
  /** The frame on screen (−1: none yet). */
  private shown = -1;
  private playing = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** False while the sampler may still send frames. */
  private complete = true;
  /** Frame indices in the order they were drawn since the last reset (the browser test reads it). */
  readonly drawn: number[] = [];

  /**
   * draw: shows frame `index`; changed: the player's state moved (to update buttons and the slider).
   */
  constructor(private readonly draw: (frame: Frame, index: number) => void, private readonly changed: () => void,
    private readonly msPerFrame = 40) {}

  get count(): number { return this.frames.length; }
  get index(): number { return this.shown; }
  get isPlaying(): boolean { return this.playing; }
  /** The frames so far (the last is x_0 once sampling has finished). */
  get all(): readonly Frame[] { return this.frames; }

  /** Forgets the frames (a new model). */
  clear(): void {
    this.stopClock();
    this.frames = [];
    this.shown = -1;
    this.drawn.length = 0;
    this.complete = true;
    this.changed();
  }

  /** Forgets the frames: a new sampling run is about to send its own, and plays them as they come. */
  start(): void {
    this.clear();
    this.complete = false;
    this.playing = true;
    this.changed();
  }

  push(frame: Frame): void {
    this.frames.push(frame);
    if (this.playing) this.tickSoon();
    this.changed();
  }

  /** No more frames will come (sampling finished or stopped). */
  end(): void {
    this.complete = true;
    if (this.shown >= this.frames.length - 1) this.stopClock();
    this.changed();
  }

  play(): void {
    if (this.frames.length === 0) return;
    if (this.shown >= this.frames.length - 1 && this.complete) this.shown = -1; // at the end: from x_T again
    this.playing = true;
    this.tickSoon();
    this.changed();
  }

  pause(): void {
    this.stopClock();
    this.changed();
  }

  replay(): void {
    this.shown = -1;
    this.drawn.length = 0;
    this.play();
  }

  /** Shows frame i (paused there). */
  seek(i: number): void {
    this.stopClock();
    if (this.frames.length > 0) this.show(Math.max(0, Math.min(this.frames.length - 1, Math.round(i))));
    this.changed();
  }

  /** Redraws what is on screen (after its caption's facts changed). */
  redraw(): void {
    if (this.shown >= 0) this.draw(this.frames[this.shown], this.shown);
  }

  private show(i: number): void {
    this.shown = i;
    this.drawn.push(i);
    this.draw(this.frames[i], i);
  }

  private tickSoon(): void {
    this.timer ??= setInterval(() => this.tick(), this.msPerFrame);
  }

  private tick(): void {
    if (this.shown < this.frames.length - 1) {
      this.show(this.shown + 1);
      this.changed();
    } else if (this.complete) {
      this.stopClock();
      this.changed();
    } // else: waiting for the sampler's next frame
  }

  private stopClock(): void {
    this.playing = false;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
