// Random-access reads of a file or an in-memory buffer; each read returns a fresh buffer of its own.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FinetuneError } from '../errors.js';
import { checkBeforeOpen, checkOpenFile, type FileKind } from './bounded-read.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** `length` bytes from `position`, in a new buffer (offset 0, so typed-array views are aligned). */
  read(position: number, length: number): Uint8Array;
}

function fileSource(fd: number, name: string): ByteSource {
  return {
    size: fstatSync(fd).size,
    read(position, length) {
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        // readSync moves at most 2 GiB per call.
        const count = readSync(fd, bytes, done, Math.min(length - done, 1 << 30), position + done);
        if (count === 0) throw new FinetuneError(`${name}: file ended at byte ${position + done}, expected ${position + length}`);
        done += count;
      }
      return bytes;
    },
  };
}

/** Reads from an in-memory copy of a file (for tests and for data already loaded). */
export function bufferSource(buffer: Uint8Array): ByteSource {
  return {
    size: buffer.byteLength,
    read(position, length) {
      // An explicit copy: Buffer's slice() would return a view into the caller's (possibly pooled) memory.
      const bytes = new Uint8Array(length);
      bytes.set(buffer.subarray(position, position + length));
      return bytes;
    },
  };
}

/**
 * Opens `path`, runs `use` with a source over it and closes it; an open failure names the file.
 * Only a regular file (or a link to one) is read: a device, pipe or folder fails naming what it is.
 */
export function withFileSource<T>(path: string, use: (source: ByteSource) => T, kind: FileKind = 'weights'): T {
  checkBeforeOpen(path, kind);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new FinetuneError(`${path}: cannot open (${code === 'ENOENT' ? 'no such file' : (code ?? (error as Error).message)})`);
  }
  try {
    checkOpenFile(fd, path, kind);
    return use(fileSource(fd, path));
  } finally {
    closeSync(fd);
  }
}
