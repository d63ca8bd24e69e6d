// One writer per run folder (Node only). `ddpm train` (new or --resume) holds DIR/run.lock while
// it runs: a file created exclusively (link(2) of a complete temporary file, so a reader never
// sees half of it) that says who holds it — pid, host, command, since when. A second writer
// finds it and is refused, told who holds the folder. A lock whose process is gone (same host,
// pid not running: a SIGKILL, a crash, a power cut) is stale: it is taken over, with a note. A
// lock held from another host cannot be checked; the message says to remove the file if that run
// is over. The lock is released when the command ends, also by process.exit.

import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './args.js';
import { errorCode, errorMessage } from './errors.js';

export const LOCK_FILE = 'run.lock';

/** What run.lock holds. */
interface LockOwner {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface RunLock {
  readonly path: string;
  /** Removes the lock file (once; later calls do nothing). */
  release(): void;
}

/** Locks held by this process, by folder: taking one again returns it (e.g. --resume DIR, then --out DIR). */
const held = new Map<string, RunLock>();

/** Whether `pid` is a running process on this host (EPERM: it runs, as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(path, 'utf8')) as LockOwner;
    return Number.isInteger(owner.pid) && typeof owner.host === 'string' ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Takes DIR/run.lock for `command` (the folder must exist), or throws a UsageError naming the
 * process that holds it. `onNote` hears of a stale lock taken over.
 */
export function lockRunFolder(dir: string, command: string, onNote: (note: string) => void = () => {}): RunLock {
  const path = join(dir, LOCK_FILE);
  const mine = held.get(path);
  if (mine) return mine;
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  const temp = join(dir, `.${LOCK_FILE}.${process.pid}.tmp`);
  writeFileSync(temp, `${JSON.stringify(owner)}\n`);
  try {
    // A few rounds: a stale lock moved aside may be taken by another process first (then it is theirs).
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (e) {
        if (errorCode(e) !== 'EEXIST' || attempt >= 3) throw lockError(path, e);
      }
      const other = readOwner(path);
      if (other !== null && other.host === owner.host && !running(other.pid)) {
        onNote(`${path} was left by process ${other.pid} (${other.command}, since ${other.since}), which is gone: taking it over`);
        moveAside(path, other.pid);
        continue;
      }
      throw new UsageError(`${command}: ${dir} is in use by another run: ${describe(other, path)}. ` +
        'Wait for it to end, stop it (Ctrl-C or kill, which saves its last epoch), or choose another --out' +
        (other !== null && other.host !== owner.host ? `; if that run is over, remove ${path}` : ''));
    }
  } finally {
    rmSync(temp, { force: true });
  }
  let released = false;
  const lock: RunLock = {
    path,
    release() {
      if (released) return;
      released = true;
      held.delete(path);
      process.off('exit', lock.release);
      // Only our own lock: another process may have taken it over if we were thought gone.
      const now = readOwner(path);
      if (now?.pid === process.pid && now.host === owner.host) rmSync(path, { force: true });
    },
  };
  held.set(path, lock);
  process.on('exit', lock.release);
  return lock;
}

/**
 * Renames the stale lock of `stalePid` away and removes it. Two processes may both judge it
 * stale: one wins the rename, the other finds it gone — or, if the winner has already put its
 * own lock in place, moves that one, sees it is not the stale one and links it back.
 */
function moveAside(path: string, stalePid: number): void {
  const aside = `${path}.stale.${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return;
    throw lockError(path, e);
  }
  if (readOwner(aside)?.pid !== stalePid) {
    try {
      linkSync(aside, path);
    } catch {
      // a third process took the folder meanwhile: its lock stands, and ours will be refused
    }
  }
  rmSync(aside, { force: true });
}

function describe(owner: LockOwner | null, path: string): string {
  if (owner === null) return `${path} exists but does not say who holds it`;
  return `process ${owner.pid} on ${owner.host} (${owner.command}, since ${owner.since})`;
}

function lockError(path: string, e: unknown): Error {
  return new Error(`could not create the lock ${path}: ${errorMessage(e)}`);
}
