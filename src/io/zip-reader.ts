// Reads entries of a zip archive (stored or deflated, ZIP64 for large files) by random access, as torch.save writes them.

import { FinetuneError } from '../errors.js';
import { inflateRawExact } from './bounded-read.js';
import type { ByteSource } from './file-bytes.js';

export interface ZipEntry {
  readonly name: string;
  /** 0 = stored, 8 = deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
  readonly flags: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const MAX_COMMENT = 0xffff;

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function u64(data: DataView, offset: number, name: string): number {
  const value = data.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FinetuneError(`${name}: zip offset ${value} is too large`);
  return Number(value);
}

interface Directory {
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

function findDirectory(source: ByteSource, name: string): Directory {
  if (source.size < EOCD_BYTES) throw new FinetuneError(`${name}: ${source.size} bytes, too short for a zip archive`);
  const tailLength = Math.min(source.size, EOCD_BYTES + MAX_COMMENT);
  const tailStart = source.size - tailLength;
  const tail = view(source.read(tailStart, tailLength));
  let eocd = -1;
  for (let i = tailLength - EOCD_BYTES; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FinetuneError(`${name}: no zip end-of-directory record (truncated or not a zip archive)`);
  let count = tail.getUint16(eocd + 10, true);
  let size = tail.getUint32(eocd + 12, true);
  let offset = tail.getUint32(eocd + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = tailStart + eocd - 20;
    const locatorView = locator >= 0 ? view(source.read(locator, 20)) : undefined;
    if (!locatorView || locatorView.getUint32(0, true) !== ZIP64_LOCATOR_SIGNATURE) {
      throw new FinetuneError(`${name}: zip64 locator missing`);
    }
    const recordOffset = u64(locatorView, 8, name);
    if (recordOffset + 56 > source.size) throw new FinetuneError(`${name}: zip64 record offset ${recordOffset} overruns the file`);
    const record = view(source.read(recordOffset, 56));
    if (record.getUint32(0, true) !== ZIP64_EOCD_SIGNATURE) throw new FinetuneError(`${name}: zip64 end-of-directory record missing`);
    count = u64(record, 32, name);
    size = u64(record, 40, name);
    offset = u64(record, 48, name);
  }
  if (offset + size > source.size) throw new FinetuneError(`${name}: zip directory (${offset}+${size}) overruns the file (${source.size} bytes)`);
  return { offset, size, count };
}

/** Applies the ZIP64 extended-information extra field (id 1) to sizes and offset stored as 0xffffffff. */
function applyZip64Extra(extra: DataView, entry: { size: number; compressedSize: number; localHeaderOffset: number }, name: string): void {
  let position = 0;
  while (position + 4 <= extra.byteLength) {
    const id = extra.getUint16(position, true);
    const length = extra.getUint16(position + 2, true);
    if (position + 4 + length > extra.byteLength) throw new FinetuneError(`${name}: zip extra field ${id} overruns its entry`);
    if (id === 1) {
      let field = position + 4;
      const next = (): number => {
        if (field + 8 > position + 4 + length) throw new FinetuneError(`${name}: zip64 extra field too short`);
        const value = u64(extra, field, name);
        field += 8;
        return value;
      };
      if (entry.size === 0xffffffff) entry.size = next();
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = next();
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = next();
      return;
    }
    position += 4 + length;
  }
}

/** Lists the entries of a zip archive by name. */
export function readZipDirectory(source: ByteSource, name: string): Map<string, ZipEntry> {
  const directory = findDirectory(source, name);
  const data = view(source.read(directory.offset, directory.size));
  const entries = new Map<string, ZipEntry>();
  const decoder = new TextDecoder();
  let position = 0;
  for (let index = 0; index < directory.count; index++) {
    if (position + 46 > data.byteLength || data.getUint32(position, true) !== CENTRAL_SIGNATURE) {
      throw new FinetuneError(`${name}: zip directory entry ${index} is corrupt`);
    }
    const nameLength = data.getUint16(position + 28, true);
    const extraLength = data.getUint16(position + 30, true);
    const commentLength = data.getUint16(position + 32, true);
    if (position + 46 + nameLength + extraLength > data.byteLength) throw new FinetuneError(`${name}: zip directory entry ${index} is corrupt`);
    const entryName = decoder.decode(new Uint8Array(data.buffer, data.byteOffset + position + 46, nameLength));
    const entry = {
      name: entryName,
      flags: data.getUint16(position + 8, true),
      method: data.getUint16(position + 10, true),
      compressedSize: data.getUint32(position + 20, true),
      size: data.getUint32(position + 24, true),
      localHeaderOffset: data.getUint32(position + 42, true),
    };
    applyZip64Extra(new DataView(data.buffer, data.byteOffset + position + 46 + nameLength, extraLength), entry, name);
    entries.set(entryName, entry);
    position += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** Deflate never compresses better than about 1032:1, so a larger declared size is a lie. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The uncompressed bytes of an entry, in a buffer of their own; sizes are checked against the
 * directory, and against `expected` bytes (what the caller knows the entry must hold) before any
 * inflation. Inflation stops at the declared size, so a small archive never costs more memory
 * than it says it holds.
 */
export function readZipEntry(source: ByteSource, entry: ZipEntry, name: string, expected?: number): Uint8Array {
  const where = `${name}: zip entry '${entry.name}'`;
  if (entry.flags & 1) throw new FinetuneError(`${where} is encrypted`);
  if (expected !== undefined && entry.size !== expected) {
    throw new FinetuneError(`${where}: holds ${entry.size} bytes, expected ${expected}`);
  }
  if (entry.method === 8 && entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
    throw new FinetuneError(`${where}: declares ${entry.size} bytes from ${entry.compressedSize} compressed, more than deflate can hold`);
  }
  if (entry.localHeaderOffset + 30 > source.size) throw new FinetuneError(`${where}: header offset overruns the file`);
  const local = view(source.read(entry.localHeaderOffset, 30));
  if (local.getUint32(0, true) !== LOCAL_SIGNATURE) throw new FinetuneError(`${where}: local header is corrupt`);
  const dataStart = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  if (dataStart + entry.compressedSize > source.size) {
    throw new FinetuneError(`${where}: data (${entry.compressedSize} bytes at ${dataStart}) overruns the file (${source.size} bytes)`);
  }
  const stored = source.read(dataStart, entry.compressedSize);
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) throw new FinetuneError(`${where}: stored sizes differ`);
    return stored;
  }
  if (entry.method !== 8) throw new FinetuneError(`${where}: unsupported compression method ${entry.method}`);
  const inflated = inflateRawExact(stored, entry.size, where);
  if (inflated.byteOffset === 0 && inflated.buffer.byteLength === inflated.byteLength) return inflated;
  // A Buffer may sit inside a shared pool; callers get memory of their own.
  const copy = new Uint8Array(inflated.byteLength);
  copy.set(inflated);
  return copy;
}
