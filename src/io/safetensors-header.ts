// Parses and validates a safetensors header: every check the reference implementation makes, one-line errors.

import { FinetuneError } from '../errors.js';
import { STORED_DTYPE_BYTES, isStoredDType, type StoredDType } from './dtype-convert.js';
import { elementCount, formatShape, isValidShape } from './raw-tensor.js';

/** One tensor's place in the file; offsets are relative to the start of the data (end of the header). */
export interface SafetensorsEntry {
  readonly key: string;
  readonly dtype: StoredDType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** Entries in the order of their data. */
  readonly entries: SafetensorsEntry[];
  /** The `__metadata__` object (empty when absent). */
  readonly metadata: Record<string, string>;
  /** Byte offset of the data in the file: 8 + header length. */
  readonly dataStart: number;
}

/** The reference implementation refuses larger headers, which protects against absurd allocations. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Reads the 8-byte header length from the first bytes of a file of `fileSize` bytes; checks it fits. */
export function headerLength(prefix: Uint8Array, fileSize: number, name: string): number {
  if (fileSize < 8) throw new FinetuneError(`${name}: file is ${fileSize} bytes, too short for a safetensors header`);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 8).getBigUint64(0, true);
  if (length > BigInt(fileSize - 8)) {
    throw new FinetuneError(`${name}: header length ${length} overruns the file (${fileSize} bytes)`);
  }
  if (length > BigInt(MAX_HEADER_BYTES)) {
    throw new FinetuneError(`${name}: header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  }
  return Number(length);
}

function parseJsonObject(json: Uint8Array, name: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (error) {
    throw new FinetuneError(`${name}: header is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FinetuneError(`${name}: header is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function parseMetadata(value: unknown, name: string): Record<string, string> {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new FinetuneError(`${name}: __metadata__ is not an object`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw new FinetuneError(`${name}: __metadata__ '${key}' is not a string`);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays plain data.
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

function parseEntry(key: string, value: unknown, dataLength: number, name: string): SafetensorsEntry {
  const where = `${name}: tensor '${key}'`;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FinetuneError(`${where} is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isStoredDType(dtype)) throw new FinetuneError(`${where} has unknown or unsupported dtype ${JSON.stringify(dtype)}`);
  if (!isValidShape(shape)) throw new FinetuneError(`${where} has an invalid shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    throw new FinetuneError(`${where} has invalid data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) throw new FinetuneError(`${where}: data_offsets [${begin},${end}] end before they begin`);
  if (end > dataLength) {
    throw new FinetuneError(`${where}: data_offsets [${begin},${end}] overrun the data (${dataLength} bytes)`);
  }
  const expected = elementCount(shape) * STORED_DTYPE_BYTES[dtype];
  if (end - begin !== expected) {
    throw new FinetuneError(`${where}: shape ${formatShape(shape)} of ${dtype} needs ${expected} bytes but data_offsets [${begin},${end}] hold ${end - begin}`);
  }
  return { key, dtype, shape, begin, end };
}

/**
 * Validates the header JSON of a file whose data region holds `dataLength` bytes: known dtypes,
 * shapes matching byte counts, offsets inside the data, and tensors packed back to back with no
 * overlap, gap or trailing bytes (the reference implementation refuses those files too).
 */
export function parseSafetensorsHeader(json: Uint8Array, dataLength: number, name: string): SafetensorsHeader {
  const object = parseJsonObject(json, name);
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [key, value] of Object.entries(object)) {
    if (key === '__metadata__') metadata = parseMetadata(value, name);
    else entries.push(parseEntry(key, value, dataLength, name));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  let previous: SafetensorsEntry | undefined;
  for (const entry of entries) {
    if (entry.begin !== position) {
      const problem =
        entry.begin < position
          ? `overlap tensor '${previous!.key}' [${previous!.begin},${previous!.end}]`
          : `leave a gap of ${entry.begin - position} bytes after ${previous ? `tensor '${previous.key}'` : 'the header'}`;
      throw new FinetuneError(`${name}: tensor '${entry.key}': data_offsets [${entry.begin},${entry.end}] ${problem}`);
    }
    position = entry.end;
    previous = entry;
  }
  if (position !== dataLength) {
    throw new FinetuneError(`${name}: ${dataLength - position} bytes of data after the last tensor`);
  }
  return { entries, metadata, dataStart: 8 + json.byteLength };
}
