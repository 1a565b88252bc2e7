import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  renameSync,
  unlinkSync,
  writeSync,
  existsSync,
  fchmodSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fail, type RandomSource } from '@keyline/core';

/**
 * Writes `data` to a new file at `path` with `mode`, atomically and without ever replacing an
 * existing file: the bytes go to a temporary file in the same directory (created exclusively with
 * `mode`, so no other user can open it in between), are flushed, and the temporary file is then
 * hard-linked to `path` — `link(2)` fails with EEXIST instead of overwriting, which `rename(2)` would
 * not. A crash leaves either no file or the whole file at `path` (plus, at worst, a stray temporary
 * file starting with "."). An existing `path` is ERR_KEY_EXISTS.
 */
export function writeNewFileAtomic(path: string, data: string | Uint8Array, mode: number, random: RandomSource): void {
  const dir = dirname(path);
  const suffix = Buffer.from(random.bytes(6)).toString('hex');
  const temporary = join(dir, `.${basename(path)}.${suffix}.tmp`);
  const fd = openSync(temporary, 'wx', mode);
  try {
    try {
      fchmodSync(fd, mode); // the process umask may have removed bits; it can never have added any
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    publish(temporary, path);
  } finally {
    try {
      unlinkSync(temporary);
    } catch {
      // Already gone (the rename fallback moved it).
    }
  }
  syncDirectory(dir);
}

function publish(temporary: string, path: string): void {
  try {
    linkSync(temporary, path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') fail('ERR_KEY_EXISTS', `a file exists at ${path}; Keyline never overwrites a key`);
    // A filesystem without hard links: rename, after checking (a race here could only replace a file
    // created in the same instant by someone with write access to the directory).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    if (existsSync(path)) fail('ERR_KEY_EXISTS', `a file exists at ${path}; Keyline never overwrites a key`);
    renameSync(temporary, path);
  }
}

/** Makes the new directory entry durable (fsync of the directory; not possible on every platform). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse to fsync a directory; the file itself is already flushed.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
