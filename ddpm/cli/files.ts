// File I/O for the CLI (Node only). Writes are atomic: the bytes go to a temporary file in the
// same folder, are flushed, and only then renamed over the target, so a failed or interrupted
// write leaves the previous file intact. Reads fail with a message that names the file.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    mkdirSync(dirname(path), { recursive: true });
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
    throw new Error(`could not write ${path}: ${(e as Error).message}`);
  }
}

/** The file's bytes, or an error saying it is missing or unreadable. */
export function readFileOrFail(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${what} not found: ${path}`);
    if (code === 'EISDIR') throw new Error(`${what} is a folder, expected a file: ${path}`);
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** The folder of a --resume argument (a run folder or a file in it). */
export function resumeFolder(path: string): string {
  return path.endsWith('.safetensors') ? join(path, '..') : path;
}
