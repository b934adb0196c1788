// Row indexes cached on disk, so a second run on the same file reads a few typed arrays instead of the whole file.
//
// The key hashes the file's identity (path, size, modification time, inode), its first and last
// 64 KiB and the columns read: an edited file, or other columns, is another entry, never a stale one.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { dropDuplicateRows, type DeduplicatedIndex, type RowSplit } from './row-index-checks.js';
import { indexRows, type RowIndex, type RowIndexOptions, type RowIndexReport } from './row-index.js';

/** Bumped when the layout or the key changes, so old entries are never read. */
const FORMAT = 'finetune-row-index-1';
const MAGIC = 0x58444e49; // "INDX"
const SPLIT_MAGIC = 0x54494c53; // "SLIT"
const EDGE_BYTES = 1 << 16;

/** What the header's JSON holds besides the arrays. */
interface Meta {
  readonly count: number;
  readonly labelBytes: number;
  readonly labelNames: readonly string[];
  readonly report: RowIndexReport;
  readonly duplicatesDropped: number;
  readonly firstDuplicateLine: number;
  readonly conflictingTexts: number;
  readonly firstConflictLine: number;
}

/** The cache key of indexing `path` with `options`. */
export function rowIndexKey(path: string, options: RowIndexOptions): string {
  const stats = statSync(path);
  const hash = createHash('sha256');
  const { chunkBytes: _, ...what } = options;
  hash.update(`${FORMAT}\0${realpathSync(path)}\0${stats.size}\0${stats.mtimeMs}\0${stats.ino}\0${JSON.stringify(what)}\0`);
  const fd = openSync(path, 'r');
  try {
    const edge = Buffer.alloc(EDGE_BYTES);
    hash.update(edge.subarray(0, readSync(fd, edge, 0, EDGE_BYTES, 0)));
    hash.update(edge.subarray(0, readSync(fd, edge, 0, EDGE_BYTES, Math.max(0, stats.size - EDGE_BYTES))));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

const align8 = (n: number): number => (n + 7) & ~7;

function arraysOf(index: RowIndex): ArrayBufferView[] {
  return [index.starts, index.lengths, index.lines, index.hashes, index.labels];
}

function write(path: string, result: DeduplicatedIndex): string | undefined {
  const { index } = result;
  const meta: Meta = {
    count: index.count,
    labelBytes: index.labels.BYTES_PER_ELEMENT,
    labelNames: index.labelNames,
    report: index.report,
    duplicatesDropped: result.duplicatesDropped,
    firstDuplicateLine: result.firstDuplicateLine,
    conflictingTexts: result.conflictingTexts,
    firstConflictLine: result.firstConflictLine,
  };
  const json = Buffer.from(JSON.stringify(meta));
  const head = Buffer.alloc(align8(8 + json.length));
  head.writeUInt32LE(MAGIC, 0);
  head.writeUInt32LE(json.length, 4);
  json.copy(head, 8);
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, head);
      for (const array of arraysOf(index)) {
        writeSync(fd, new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
        writeSync(fd, new Uint8Array(align8(array.byteLength) - array.byteLength));
      }
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    return undefined;
  } catch (error) {
    rmSync(temporary, { force: true });
    return `row index not cached (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}): ${path}`;
  }
}

/** Reads a cached index; undefined when missing, short or malformed (a broken entry is a miss). */
function read(path: string): DeduplicatedIndex | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    for (let done = 0; done < size; ) {
      const got = readSync(fd, bytes, done, Math.min(size - done, 1 << 30), done);
      if (got === 0) return undefined;
      done += got;
    }
    const view = new DataView(buffer);
    if (size < 8 || view.getUint32(0, true) !== MAGIC) return undefined;
    const jsonBytes = view.getUint32(4, true);
    const meta = JSON.parse(Buffer.from(buffer, 8, jsonBytes).toString('utf8')) as Meta;
    const n = meta.count;
    let at = align8(8 + jsonBytes);
    const take = <T>(make: (offset: number, length: number) => T, length: number, width: number): T => {
      const array = make(at, length);
      at += align8(length * width);
      return array;
    };
    const labelWidth = meta.labelBytes;
    if (labelWidth !== 1 && labelWidth !== 2 && labelWidth !== 4) return undefined;
    const expected = at + align8(8 * n) + 2 * align8(4 * n) + align8(8 * n) + align8(labelWidth * n);
    if (expected !== size) return undefined;
    const starts = take((o, l) => new Float64Array(buffer, o, l), n, 8);
    const lengths = take((o, l) => new Uint32Array(buffer, o, l), n, 4);
    const lines = take((o, l) => new Uint32Array(buffer, o, l), n, 4);
    const hashes = take((o, l) => new Uint32Array(buffer, o, l), 2 * n, 4);
    const labels = take(
      (o, l) => (labelWidth === 1 ? new Uint8Array(buffer, o, l) : labelWidth === 2 ? new Uint16Array(buffer, o, l) : new Uint32Array(buffer, o, l)),
      n,
      labelWidth,
    );
    const index: RowIndex = { count: n, starts, lengths, lines, hashes, labels, labelNames: meta.labelNames, report: meta.report };
    return { ...meta, index };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** An index with its duplicates dropped, and how it was got. */
export interface CachedRowIndex extends DeduplicatedIndex {
  /** True when read from the cache. */
  readonly hit: boolean;
  /** A notice when the cache could not be written. */
  readonly warning: string | undefined;
  /** The cache file (absent with the cache off): splits of the index are cached beside it. */
  readonly file?: string;
}

/**
 * indexRows then dropDuplicateRows, or their result from the cache under `<cacheDir>/index/` (the
 * token cache's folder). `FINETUNE_TOKEN_CACHE=0` turns this cache off too.
 */
export function cachedRowIndex(path: string, options: RowIndexOptions, cacheDir: string, dropDuplicates = true): CachedRowIndex {
  const off = ['0', 'off', 'false', 'no'].includes((process.env['FINETUNE_TOKEN_CACHE'] ?? '').toLowerCase());
  if (off) return { ...dropDuplicateRows(indexRows(path, options), dropDuplicates), hit: false, warning: undefined };
  const key = rowIndexKey(path, { ...options, dropDuplicates } as RowIndexOptions);
  const file = join(cacheDir, 'index', `${key}.bin`);
  const cached = read(file);
  if (cached) return { ...cached, hit: true, warning: undefined, file };
  const result = dropDuplicateRows(indexRows(path, options), dropDuplicates);
  return { ...result, hit: false, warning: write(file, result), file };
}

/** A split of an indexed file with its leak check: the validation rows that share a text with training (positions into validation). */
export interface CheckedSplit extends RowSplit {
  readonly leaked: Uint32Array;
}

/**
 * `compute()`, or its result cached beside the index file (`indexFile`, from cachedRowIndex) for this
 * fraction and seed: the split and the leak check cost a second run more than reading the index.
 */
export function cachedSplit(indexFile: string | undefined, fraction: number, seed: number, compute: () => CheckedSplit): CheckedSplit {
  if (indexFile === undefined) return compute();
  const file = indexFile.replace(/\.bin$/, `-split-${fraction}-${seed}.bin`);
  try {
    const bytes = readFileSync(file);
    const words = new Uint32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const [magic, train, validation, leaked] = words;
    if (magic === SPLIT_MAGIC && words.length === 4 + train! + validation! + leaked!) {
      let at = 4;
      const take = (n: number): Uint32Array => words.subarray(at, (at += n));
      return { train: take(train!), validation: take(validation!), leaked: take(leaked!) };
    }
  } catch {
    // Missing or unreadable: computed below.
  }
  const result = compute();
  const words = new Uint32Array(4 + result.train.length + result.validation.length + result.leaked.length);
  words.set([SPLIT_MAGIC, result.train.length, result.validation.length, result.leaked.length]);
  words.set(result.train, 4);
  words.set(result.validation, 4 + result.train.length);
  words.set(result.leaked, 4 + result.train.length + result.validation.length);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, words);
    renameSync(temporary, file);
  } catch {
    // A split not cached only costs the next run the time to compute it again.
    rmSync(temporary, { force: true });
  }
  return result;
}
