// File I/O for the apps (the CLI, the bench; Node only). Writes are atomic: the bytes go to a temporary file in the
// same folder, are flushed, and only then renamed over the target, so a failed or interrupted
// write leaves the previous file intact (AtomicFile does it a piece at a time, for outputs written
// as they are made). Missing folders are created one level at a time (not with Node's recursive
// mkdirSync, which on Node 20 spins forever on paths such as /proc/x where mkdir answers ENOENT
// under an existing parent). Reads take regular files only, looked at (through any symlink)
// before they are opened and again once open without blocking, so a FIFO or a device is refused
// by name instead of waited on or read without end; a file is read whole only up to 2 GiB, and a
// safetensors file's header is checked against its size before its tensors are read. Failures
// name the path and the reason.

import {
  closeSync, constants, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync,
  type Stats, writeSync,
} from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { parseSafetensorsHeader, safetensorsHeaderLength } from '../ddpm/safetensors.js';
import { UsageError } from './args.js';
import { errorCode, errorMessage } from './errors.js';

/**
 * A file written a piece at a time into a temporary file beside `path`, which `commit` flushes
 * and renames over it; until then (and after `abort`) whatever was at `path` stays as it was.
 */
export class AtomicFile {
  private fd: number | null = null;
  private readonly temp: string;

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
    this.attempt(() => {
      makeFolders(dirname(path));
      this.fd = openSync(this.temp, 'wx');
    });
  }

  write(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.attempt(() => {
      for (let at = 0; at < bytes.length;) at += writeSync(this.open(), bytes, at, bytes.length - at);
    });
  }

  /** Flushes the file and puts it in place of `path`. */
  commit(): void {
    this.attempt(() => {
      const fd = this.open();
      fsyncSync(fd);
      this.fd = null;
      closeSync(fd);
      renameSync(this.temp, this.path);
    });
  }

  /** Closes and removes the temporary file (after a failure or a stop); never throws. */
  abort(): void {
    try {
      if (this.fd !== null) closeSync(this.fd);
    } catch {
      // closing failed: the removal below is what matters
    }
    this.fd = null;
    try {
      rmSync(this.temp, { force: true });
    } catch {
      // the folder itself is unusable: there is no temporary file to remove
    }
  }

  private open(): number {
    if (this.fd === null) throw new Error('the file was already committed or given up');
    return this.fd;
  }

  /** Runs a step; a failure removes the temporary file and says which file could not be written. */
  private attempt(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.abort();
      throw new Error(`could not write ${this.path}: ${fileErrorReason(e)}`);
    }
  }
}

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const file = new AtomicFile(path);
  file.write(data);
  file.commit();
}

/**
 * Makes sure `dir` is a folder this process can write into, creating it (and the folders above
 * it) if need be, by creating and removing a probe file in it. Call it before any long work, so
 * an unusable --out fails at once instead of after training. `what` names the folder in errors
 * (e.g. '--out').
 */
export function prepareOutputFolder(dir: string, what = 'output folder'): void {
  let isFile: boolean;
  try {
    isFile = statOrNull(dir)?.isDirectory() === false;
    if (!isFile) makeFolders(dir);
  } catch (e) {
    throw new Error(`${what} ${dir} cannot be created: ${fileErrorReason(e)}`);
  }
  if (isFile) throw new Error(`${what} names a file (${dir}), expected a folder`);
  const probe = join(dir, `.ddpm-write-probe-${process.pid}-${Date.now()}`);
  try {
    closeSync(openSync(probe, 'w'));
    rmSync(probe);
  } catch (e) {
    throw new Error(`${what} ${dir} is not writable: ${fileErrorReason(e)}`);
  }
}

/**
 * Creates `dir` and whatever folders above it are missing: walks up to the nearest existing
 * ancestor, which must be a folder, then creates each missing level with a plain mkdir.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let at = normalize(dir);
  let found = statOrNull(at);
  while (found === null) {
    missing.push(at);
    const up = dirname(at);
    if (up === at) break; // a root (or '.') that is missing: mkdir below says why
    at = up;
    found = statOrNull(at);
  }
  if (found !== null && !found.isDirectory()) throw new Error(`${at} is a file, expected a folder`);
  for (const level of missing.reverse()) {
    try {
      mkdirSync(level);
    } catch (e) {
      // Another process may have made it meanwhile; anything else is a real failure.
      if (errorCode(e) === 'EEXIST' && statOrNull(level)?.isDirectory()) continue;
      throw new Error(`cannot create the folder ${level}: ${fileErrorReason(e)}`);
    }
  }
}

/**
 * The path's stats, or null when nothing is there (ENOTDIR too: a file above it, which the walk
 * up in makeFolders then names); other failures (e.g. EACCES) throw.
 */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new Error(`cannot look at ${path}: ${fileErrorReason(e)}`);
  }
}

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'the file system does not allow it there',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way',
  EEXIST: 'something else is in the way',
};

/** A failure in words: our own messages as they are, system errors as a phrase and their code. */
export function fileErrorReason(e: unknown): string {
  const code = errorCode(e);
  if (code !== undefined && REASONS[code] !== undefined) return `${REASONS[code]} (${code})`;
  return errorMessage(e);
}

/** The most bytes a file is read whole: 2 GiB − 1, Node's own limit for one buffer. */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/** The file's bytes, or an error saying it is missing, not a regular file, too large or unreadable. */
export function readFileOrFail(path: string, what: string): Uint8Array {
  const { fd, size } = openRegularFile(path, what);
  try {
    return readExactly(fd, 0, size, path, what);
  } finally {
    closeSync(fd);
  }
}

/**
 * A safetensors file's bytes, read header first: its length, its JSON and every tensor's place
 * are checked against the file's size (ddpm/safetensors.ts) before the tensors are read, so a
 * file whose header does not describe it is refused after reading no more than the header.
 */
export function readSafetensorsOrFail(path: string, what: string): Uint8Array {
  const { fd, size } = openRegularFile(path, what);
  try {
    try {
      const headerLength = safetensorsHeaderLength(readExactly(fd, 0, Math.min(8, size), path, what), size);
      parseSafetensorsHeader(readExactly(fd, 8, headerLength, path, what), size - 8 - headerLength);
    } catch (e) {
      throw new Error(`${path}: ${errorMessage(e)}`);
    }
    return readExactly(fd, 0, size, path, what);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends `text` to the file at `path` (created if missing). Anything but a regular file there (a
 * FIFO, a device) is refused, and the file is opened without blocking: a FIFO is never waited on.
 */
export function appendFileOrFail(path: string, text: string): void {
  const failed = (why: string): Error => new Error(`could not append to ${path}: ${why}`);
  const stats = statOrNull(path);
  if (stats !== null && !stats.isFile()) throw failed(`it${linkedTo(path)} is ${kindOf(stats)}, not a regular file`);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o666);
  } catch (e) {
    // ENXIO: a FIFO without a reader, put there after the look above.
    throw failed(errorCode(e) === 'ENXIO' ? 'it is a FIFO (named pipe), not a regular file' : fileErrorReason(e));
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw failed(`it is ${kindOf(opened)}, not a regular file`);
    const bytes = Buffer.from(text, 'utf8');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    } catch (e) {
      throw failed(fileErrorReason(e));
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens a regular file for reading: looked at first (through any symlink), opened without
 * blocking, and looked at again through the open descriptor (it may have been swapped between
 * the two), refusing anything else and a file larger than MAX_READ_BYTES.
 */
function openRegularFile(path: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    refuseIrregular(statSync(path), path, what);
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw readError(e, path, what);
  }
  try {
    const opened = fstatSync(fd);
    refuseIrregular(opened, path, what);
    if (opened.size > MAX_READ_BYTES) {
      throw new Error(`${what} ${path} is ${opened.size} bytes, more than the ${MAX_READ_BYTES} (2 GiB) a file may have to be read`);
    }
    return { fd, size: opened.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** `length` bytes from `position`, or an error when the file ends before them (it changed while read). */
function readExactly(fd: number, position: number, length: number, path: string, what: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let at = 0; at < length;) {
    const n = readSync(fd, out, at, length - at, position + at);
    if (n === 0) throw new Error(`${what} ${path} ended after ${position + at} bytes, expected ${position + length} (did it change while being read?)`);
    at += n;
  }
  return out;
}

/** Thrown by refuseIrregular: already says what is wrong. */
class NotRegularFile extends Error {}

function refuseIrregular(stats: Stats, path: string, what: string): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) throw new NotRegularFile(`${what} is a folder, expected a file: ${path}`);
  throw new NotRegularFile(`${what} ${path}${linkedTo(path)} is ${kindOf(stats)}, not a regular file: only regular files are read`);
}

/** What a path that is neither a regular file nor a folder is, in words. */
function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** " (a symlink to TARGET)" when `path` is a symlink, else "". */
function linkedTo(path: string): string {
  try {
    return lstatSync(path).isSymbolicLink() ? ` (a symlink to ${realpathSync(path)})` : '';
  } catch {
    return '';
  }
}

function readError(e: unknown, path: string, what: string): Error {
  if (e instanceof NotRegularFile) return e;
  const code = errorCode(e);
  if (code === 'ENOENT') return new Error(`${what} not found: ${path}`);
  if (code === 'EISDIR') return new Error(`${what} is a folder, expected a file: ${path}`);
  return new Error(`cannot read ${what} ${path}: ${fileErrorReason(e)}`);
}

/** The folder of a --resume argument (a run folder or a file in it). */
export function resumeFolder(path: string): string {
  return path.endsWith('.safetensors') ? join(path, '..') : path;
}

/** Before long work: the folder a `--flag FILE` goes into exists or can be made, and is writable (else a UsageError). */
export function prepareOutputFile(command: string, flag: string, path: string): void {
  try {
    prepareOutputFolder(dirname(path) || '.', `${flag}'s folder`);
  } catch (e) {
    throw new UsageError(`${command}: ${errorMessage(e)}`);
  }
}
