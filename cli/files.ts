// File I/O for the CLI (Node only). Writes are atomic: the bytes go to a temporary file in the
// same folder, are flushed, and only then renamed over the target, so a failed or interrupted
// write leaves the previous file intact. Missing folders are created one level at a time (not
// with Node's recursive mkdirSync, which on Node 20 spins forever on paths such as /proc/x where
// mkdir answers ENOENT under an existing parent). Failures name the path and the reason.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, type Stats, writeSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { UsageError } from './args.js';
import { errorCode, errorMessage } from './errors.js';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    makeFolders(dirname(path));
    const fd = openSync(temp, 'w');
    try {
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (e) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the folder itself is unusable: there is no temporary file to remove
    }
    throw new Error(`could not write ${path}: ${fileErrorReason(e)}`);
  }
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

/** The file's bytes, or an error saying it is missing or unreadable. */
export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = errorCode(e);
    if (code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
    if (code === 'EISDIR') throw new Error(`${what} is a folder, expected a file: ${path}`);
    throw new Error(`cannot read ${what} ${path}: ${errorMessage(e)}`);
  }
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
