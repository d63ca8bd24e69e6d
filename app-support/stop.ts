// Stopping a long command on Ctrl-C (SIGINT) or SIGTERM (sent by `timeout`, docker, schedulers).
// The first signal aborts an AbortSignal that the work checks between steps — training then
// saves the last completed epoch — and the command ends with 128 + the signal's number (130,
// 143), as a shell expects, so `ddpm train && ddpm sample` goes no further. A second signal
// quits at once: that is safe, because every file is written atomically and a checkpoint is
// written so that a kill at any instant leaves a resumable one (run-folder.ts).

export type StopSignalName = 'SIGINT' | 'SIGTERM';

const EXIT_CODES: Record<StopSignalName, number> = { SIGINT: 130, SIGTERM: 143 };

/** Thrown (or returned as the abort reason) when a signal stopped the work; main.ts exits with `exitCode`. */
export class Interrupted extends Error {
  constructor(readonly signal: StopSignalName, message = `stopped by ${signal}`) {
    super(message);
    this.name = 'Interrupted';
  }

  get exitCode(): number {
    return EXIT_CODES[this.signal];
  }
}

export interface StopRequest {
  /** Aborted by the first SIGINT or SIGTERM; its reason is an Interrupted. */
  readonly signal: AbortSignal;
  /** The Interrupted of the signal received, or null. */
  readonly reason: Interrupted | null;
  /** Throws the Interrupted if a signal came. */
  throwIfStopped(): void;
  /**
   * While set, later signals do not quit while `unsaved` names work not yet saved (e.g. "epochs
   * 41–57"): the command is saving it. Returns the function that unsets it.
   */
  whileUnsaved(unsaved: () => string | null): () => void;
  /** Removes the handlers (Node's own handling of the signals comes back). */
  dispose(): void;
}

/**
 * Handles SIGINT and SIGTERM until disposed; `doing` says what the first one does
 * (e.g. "stopping after this step to save a checkpoint").
 */
export function handleStopSignals(doing: string): StopRequest {
  const controller = new AbortController();
  let unsaved: (() => string | null) | null = null;
  const handler = (name: StopSignalName): void => {
    if (controller.signal.aborted) {
      const pending = unsaved?.() ?? null;
      if (pending !== null) {
        process.stderr.write(`\n${name} again: saving ${pending} first, then quitting (kill -9 would lose ${pending})\n`);
        return;
      }
      process.stderr.write(`\n${name} again: quitting now\n`);
      process.exit(EXIT_CODES[name]);
    }
    process.stderr.write(`\n${name}: ${doing} (${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again quits as soon as nothing is left to save)\n`);
    controller.abort(new Interrupted(name));
  };
  const onInt = (): void => handler('SIGINT');
  const onTerm = (): void => handler('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  // The signal is aborted only with an Interrupted (handler above).
  const reason = (): Interrupted | null => (controller.signal.reason instanceof Interrupted ? controller.signal.reason : null);
  return {
    signal: controller.signal,
    get reason() {
      return reason();
    },
    throwIfStopped() {
      const r = reason();
      if (r) throw r;
    },
    whileUnsaved(describe) {
      unsaved = describe;
      return () => {
        if (unsaved === describe) unsaved = null;
      };
    },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/** Runs `work` with the signals handled (see handleStopSignals), and removes the handlers after. */
export async function withStopSignals<T>(doing: string, work: (stop: StopRequest) => Promise<T>): Promise<T> {
  const stop = handleStopSignals(doing);
  try {
    return await work(stop);
  } finally {
    stop.dispose();
  }
}
