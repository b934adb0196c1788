// Size-checked file reads: regular files only (devices, FIFOs and folders refused by name), limits by file kind, bounded inflation.
//
// Every reader checks what a path is before it reads: `/dev/zero` given as a config file would
// otherwise be read forever, and a 64 GB "config.json" would fill the memory before failing.

import { kMaxLength } from 'node:buffer';
import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { FinetuneError } from '../errors.js';

const MB = 1024 * 1024;

/** What a file is for, which decides how large it may be. */
export type FileKind = 'config' | 'tokenizer' | 'state' | 'weights' | 'data';

/**
 * The largest file of each kind that is read whole. `config`: config.json, adapter_config.json,
 * tokenizer_config.json, --config files, shard indexes (64 MB); `tokenizer`: tokenizer.json,
 * vocab.txt, vocab.json, merges.txt (512 MB: the largest multilingual vocabularies are ~40 MB);
 * `state`: training_args.json, trainer_state.json (64 MB); `weights`: no fixed cap (the sizes a
 * header declares must fit the file instead); `data`: data files and pipes (2 GB, also the most a
 * `.gz` data file may inflate to).
 */
export const FILE_LIMITS: Readonly<Record<FileKind, number>> = {
  config: 64 * MB,
  tokenizer: 512 * MB,
  state: 64 * MB,
  weights: Number.MAX_SAFE_INTEGER,
  data: 2048 * MB,
};

const KIND_NAMES: Readonly<Record<FileKind, string>> = {
  config: 'a config file',
  tokenizer: 'a tokenizer file',
  state: 'a training state file',
  weights: 'a weights file',
  data: 'a data file',
};

/** `1.5 GB`-style sizes for messages. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

function statFailure(path: string, error: unknown): FinetuneError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new FinetuneError(`${path}: no such file`);
  if (code === 'EACCES' || code === 'EPERM') return new FinetuneError(`${path}: permission denied`);
  if (code === 'ELOOP') return new FinetuneError(`${path}: too many levels of symbolic links`);
  return new FinetuneError(`${path}: cannot read (${code ?? (error as Error).message.split('\n')[0]})`);
}

/** What a non-regular file is, for the refusal line. */
function describeSpecial(stats: Stats): string | undefined {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a pipe';
  if (stats.isSocket()) return 'a socket';
  return stats.isFile() ? undefined : 'not a regular file';
}

export interface FileCheck {
  /** Size in bytes of a regular file; undefined for a pipe a data file may be read from. */
  readonly size: number | undefined;
}

function checkStats(path: string, stats: Stats, kind: FileKind, limit: number): FileCheck {
  const special = describeSpecial(stats);
  if (special !== undefined) {
    // Data may come through a pipe (`<(zcat x.gz)`), read up to the limit; devices never.
    if (kind === 'data' && (stats.isFIFO() || stats.isSocket())) return { size: undefined };
    throw new FinetuneError(`${path}: is ${special}, expected ${KIND_NAMES[kind]}`);
  }
  if (stats.size > limit) {
    throw new FinetuneError(`${path}: ${formatBytes(stats.size)}, over the ${formatBytes(limit)} limit for ${KIND_NAMES[kind]}`);
  }
  return { size: stats.size };
}

/**
 * Checks `path` (a symbolic link is followed) before anything reads it: a regular file within the
 * limit of its kind, else a one-line FinetuneError naming the file and what it is.
 */
export function checkReadableFile(path: string, kind: FileKind, limit = FILE_LIMITS[kind]): FileCheck {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    throw statFailure(path, error);
  }
  return checkStats(path, stats, kind, limit);
}

/** Checks an open file descriptor the same way (what was opened is what is checked: no swap in between). */
export function checkOpenFile(fd: number, path: string, kind: FileKind, limit = FILE_LIMITS[kind]): FileCheck {
  return checkStats(path, fstatSync(fd), kind, limit);
}

/**
 * Checks what `path` is before it is opened (opening a FIFO without a writer, or some devices,
 * would block); a path that cannot be stat'ed is left for the open to report in the caller's words.
 */
export function checkBeforeOpen(path: string, kind: FileKind, limit = FILE_LIMITS[kind]): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch {
    return;
  }
  checkStats(path, stats, kind, limit);
}

/**
 * Reads a whole file of `kind` into memory after checking it; a pipe (data only) is read in
 * chunks up to the limit, and a longer stream fails with one line instead of filling the memory.
 * What is not a regular file, or is too large, is a FinetuneError; an error opening or reading
 * the file is thrown as Node's own (with its `code`), for the caller to word.
 */
export function readFileBounded(path: string, kind: FileKind, limit = FILE_LIMITS[kind]): Uint8Array {
  checkBeforeOpen(path, kind, limit);
  // Open and read failures (ENOENT, EACCES...) are thrown as they are: callers word them.
  const fd = openSync(path, 'r');
  try {
    const { size } = checkOpenFile(fd, path, kind, limit);
    const chunks: Uint8Array[] = [];
    let total = 0;
    // A regular file is read to its size (plus one byte, to notice growth); a pipe in 1 MB chunks.
    for (;;) {
      const want = size === undefined ? MB : size - total + 1;
      const chunk = new Uint8Array(Math.max(1, Math.min(want, limit - total + 1)));
      const count = readSync(fd, chunk, 0, chunk.byteLength, null);
      if (count === 0) break;
      total += count;
      if (total > limit) {
        throw new FinetuneError(`${path}: more than ${formatBytes(limit)}, the limit for ${KIND_NAMES[kind]}; stopped reading`);
      }
      chunks.push(count === chunk.byteLength ? chunk : chunk.subarray(0, count));
    }
    if (chunks.length === 1) return chunks[0]!;
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** Reads a UTF-8 text file of `kind` (see readFileBounded); a byte-order mark is kept, as readFileSync keeps it. */
export function readTextBounded(path: string, kind: FileKind, limit = FILE_LIMITS[kind]): string {
  const bytes = readFileBounded(path, kind, limit);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Why inflation failed, for the error line: zlib's own message, or the limit that stopped it. */
function inflateFailure(error: unknown, limit: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return `inflates past ${formatBytes(limit)}`;
  return (error as Error).message.split('\n')[0]!;
}

/** zlib refuses a maxOutputLength above the largest buffer. */
function zlibLimit(limit: number): number {
  return Math.max(1, Math.min(limit, kMaxLength));
}

/**
 * Inflates gzip data, never past `limit` bytes: a small file that would inflate to gigabytes
 * (a decompression bomb) fails once the limit is reached, before that memory is taken.
 */
export function gunzipBounded(bytes: Uint8Array, limit: number, name: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: zlibLimit(limit) });
  } catch (error) {
    throw new FinetuneError(`${name}: broken gzip data (${inflateFailure(error, limit)})`);
  }
}

/** Inflates raw deflate data that must come to exactly `expected` bytes (a zip entry's declared size), never more. */
export function inflateRawExact(bytes: Uint8Array, expected: number, where: string): Uint8Array {
  let inflated: Uint8Array;
  try {
    // One byte more than declared is enough to notice a lie without inflating the rest.
    inflated = inflateRawSync(bytes, { maxOutputLength: zlibLimit(expected + 1) });
  } catch (error) {
    const reason = inflateFailure(error, expected);
    throw new FinetuneError(`${where}: cannot inflate (${reason.startsWith('inflates past') ? `inflates past its declared ${expected} bytes` : reason})`);
  }
  if (inflated.byteLength !== expected) throw new FinetuneError(`${where}: inflated to ${inflated.byteLength} bytes, expected ${expected}`);
  return inflated;
}
