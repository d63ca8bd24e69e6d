// A training run's folder (--out DIR), as `ddpm train` keeps it for every workload (Node only):
//   model.safetensors, train-state.safetensors   the checkpoint, written so that a kill at any
//                                                instant leaves a pair --resume accepts (below)
//   metrics.jsonl                                a line per epoch (loss, steps/s, elapsed) and per
//                                                checkpoint (quality), appended as the run goes
//   metrics.json, loss.png, samples.png, …       refreshed at every checkpoint (the commands)
//
// Writing the checkpoint of epoch k+1 over that of epoch k, each step atomic:
//   1. rename train-state → train-state.previous   now: model k, previous k
//   2. write train-state (k+1)                      model k, previous k (the new state is not the model's)
//   3. write model (k+1)                            model k+1, state k+1
//   4. remove train-state.previous
// Reading takes the train state whose stamp (run id and epoch, see ddpm/checkpoint.ts) is the
// model's: train-state, else train-state.previous, which is then renamed back into place.

import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { errorMessage } from './errors.js';
import { appendFileOrFail, fileErrorReason, prepareOutputFolder, readFileOrFail, readSafetensorsOrFail, resumeFolder, writeFileAtomic } from './files.js';
import { lockRunFolder, type RunLock } from './run-lock.js';

export const MODEL_FILE = 'model.safetensors';
export const STATE_FILE = 'train-state.safetensors';
export const PREVIOUS_STATE_FILE = 'train-state.previous.safetensors';
export const METRICS_FILE = 'metrics.json';
export const METRICS_LOG = 'metrics.jsonl';

/** `ddpm train …` as typed, for the metrics. */
export const commandLine = (argv: readonly string[]): string => ['ddpm', 'train', ...argv].join(' ');

/** A new run's id, written into both files of each of its checkpoints. */
export const newRunId = (): string => randomUUID();

/** A checkpoint in words for messages: its path, and the epoch it was saved at when it says. */
export const describeCheckpoint = (path: string, epoch: number | undefined): string =>
  `${path}${epoch !== undefined ? ` (saved at epoch ${epoch})` : ''}`;

/** A --checkpoint argument as a file: a run folder means its model.safetensors. */
export function modelFileOf(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, MODEL_FILE) : path;
}

/** Files whose presence says a folder holds a run. */
const RUN_MARKERS = [MODEL_FILE, STATE_FILE, PREVIOUS_STATE_FILE, METRICS_FILE, METRICS_LOG];

/** A run's folder, prepared and locked for this process (run-lock.ts). */
export interface RunFolder {
  readonly dir: string;
  readonly lock: RunLock;
  /** The files of the run --overwrite replaces, still in place until `claim`. */
  readonly replaced: readonly string[];
  /**
   * Called before the run's first write, once its first step has run: removes the files of the
   * run it replaces (--overwrite). Until then a run that fails (too big for the device, a bad
   * setting found late) leaves the old run as it was.
   */
  claim(): void;
}

/**
 * Before any long work: the folder must be creatable and writable, is locked (one writer), and
 * a new run's folder must not hold another run unless `overwrite`, whose files are then removed
 * only by `claim`.
 */
export function prepareRunFolder(dir: string, options: { command: string; resume: boolean; overwrite: boolean }): RunFolder {
  const { command, resume, overwrite } = options;
  try {
    prepareOutputFolder(dir, '--out');
  } catch (e) {
    throw new UsageError(`${command}: ${errorMessage(e)}`);
  }
  const lock = lockRunFolder(dir, command, (note) => console.log(`note: ${note}`));
  const found = resume ? [] : RUN_MARKERS.filter((name) => existsSync(join(dir, name)));
  if (found.length > 0 && !overwrite) {
    lock.release();
    throw new UsageError(`${command}: ${dir} already holds a run (${found.join(', ')}); continue it with --resume ${dir}, ` +
      'start it again there with --overwrite, or choose another --out');
  }
  let claimed = false;
  return {
    dir, lock, replaced: found,
    claim() {
      if (claimed) return;
      claimed = true;
      for (const name of found) {
        try {
          rmSync(join(dir, name), { force: true });
        } catch (e) {
          throw new Error(`${command}: could not remove ${join(dir, name)} of the run --overwrite replaces: ${fileErrorReason(e)}`);
        }
      }
    },
  };
}

/** Whether metrics.json in `dir` says its run diverged (no readable metrics.json: it does not say so). */
export function runDiverged(dir: string): boolean {
  const path = join(dir, METRICS_FILE);
  if (!existsSync(path)) return false;
  try {
    return (JSON.parse(new TextDecoder().decode(readFileOrFail(path, 'metrics'))) as { status?: unknown }).status === 'diverged';
  } catch {
    return false;
  }
}

/** The run folders a command holds (run-lock.ts), released together when it ends. */
export class RunLocks {
  private readonly locks: RunLock[] = [];

  /** Locks `dir` if it is a folder (one that is not there has nothing to protect, and its reader says so). */
  take(dir: string, command: string): void {
    if (existsSync(dir) && statSync(dir).isDirectory()) this.locks.push(lockRunFolder(dir, command, (note) => console.log(`note: ${note}`)));
  }

  /** Holds a prepared folder's lock; returns the folder. */
  add(folder: RunFolder): RunFolder {
    this.locks.push(folder.lock);
    return folder;
  }

  release(): void {
    for (const lock of this.locks.splice(0)) lock.release();
  }
}

/** Writes a checkpoint (steps 1–4 of the header): at no instant is the folder without a matching pair. */
export function writeCheckpoint(dir: string, files: { model: Uint8Array; state: Uint8Array }): void {
  const [model, state, previous] = [MODEL_FILE, STATE_FILE, PREVIOUS_STATE_FILE].map((name) => join(dir, name));
  if (existsSync(state)) renameSync(state, previous);
  writeFileAtomic(state, files.state);
  writeFileAtomic(model, files.model);
  rmSync(previous, { force: true });
}

interface Stamped {
  epoch?: number;
  runId?: string;
  config: unknown;
}

/**
 * The model and train state a --resume DIR|FILE continues, checked to be one checkpoint of one
 * run: the same run id, the same epoch and the same model config in both. `note` says when the
 * pair was found only thanks to train-state.previous (a save was cut short).
 */
export function readCheckpoint<M, S extends Stamped>(resume: string,
  decodeModel: (bytes: Uint8Array, file: string) => Stamped & { model: M },
  decodeState: (bytes: Uint8Array, model: M, file: string) => S): { model: M; state: S; note?: string } {
  const dir = resumeFolder(resume);
  const modelPath = join(dir, MODEL_FILE);
  const decoded = decodeModel(readSafetensorsOrFail(modelPath, 'checkpoint'), modelPath);
  if (decoded.epoch === undefined) {
    throw new Error(`${modelPath} records no epoch: it was not written by ddpm train, so there is nothing to resume`);
  }
  const describe = (s: Stamped): string => `epoch ${s.epoch ?? '(none)'}${s.runId !== undefined ? ` of run ${s.runId}` : ''}`;
  const problems: string[] = [];
  for (const name of [STATE_FILE, PREVIOUS_STATE_FILE]) {
    const path = join(dir, name);
    if (name === PREVIOUS_STATE_FILE && !existsSync(path)) break;
    let state: S;
    try {
      state = decodeState(readSafetensorsOrFail(path, 'train state'), decoded.model, path);
    } catch (e) {
      problems.push(errorMessage(e));
      continue;
    }
    if (state.runId !== decoded.runId || state.epoch !== decoded.epoch) {
      problems.push(`${modelPath} is ${describe(decoded)} but ${path} is ${describe(state)}: they are not one checkpoint`);
      continue;
    }
    if (JSON.stringify(state.config) !== JSON.stringify(decoded.config)) {
      problems.push(`${path} is the train state of another model: its config ${JSON.stringify(state.config)} is not the model's ` +
        JSON.stringify(decoded.config));
      continue;
    }
    if (name === STATE_FILE) return { model: decoded.model, state };
    renameSync(path, join(dir, STATE_FILE));
    return { model: decoded.model, state, note: `the last save in ${dir} was cut short: resuming from its previous checkpoint (epoch ${state.epoch})` };
  }
  throw new Error(problems.join('; '));
}

/**
 * metrics.jsonl: one JSON object per line, appended. Records are held back until `open` (the
 * run's first step): a fresh run then starts the file anew, a resumed one appends — on a new
 * line, should the last one have been cut short (a kill or a full disk mid-write).
 */
export class MetricsLog {
  readonly path: string;
  private held: string[] | null = [];

  constructor(dir: string, private readonly fresh: boolean) {
    this.path = join(dir, METRICS_LOG);
  }

  append(record: Record<string, unknown>): void {
    const line = `${JSON.stringify(record)}\n`;
    if (this.held) this.held.push(line);
    else appendFileOrFail(this.path, line);
  }

  /** Writes the records held back (a fresh log replacing the file), and every later one as it comes. */
  open(): void {
    if (this.held === null) return;
    const lines = this.held.join('');
    this.held = null;
    if (this.fresh) writeFileAtomic(this.path, lines);
    else appendFileOrFail(this.path, endsCut(this.path) ? `\n${lines}` : lines);
  }
}

/** Whether the file's last line lacks its newline (false for an empty or missing file, or one that is not a regular file). */
function endsCut(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isFile()) return false;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}
