// Reads a data file, pipe or stdin into a raw table: file errors, gzip, format from the extension or sniffed, then the right reader, streamed.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { FinetuneError } from '../errors.js';
import { FILE_LIMITS, formatBytes } from '../io/bounded-read.js';
import { dataByteStream, STDIN_PATH, sourceName } from './byte-stream.js';
import { DelimitedParser } from './delimited.js';
import { JsonLinesParser, parseJsonArray } from './json-lines.js';
import { parseParquet } from './parquet.js';
import type { RawTable } from './table.js';
import { decodeText } from './text-decode.js';
import { TextStreamDecoder } from './text-stream.js';
import type { DataFormat } from './types.js';

/** A table with the format it was read as. */
export interface ReadTable {
  readonly table: RawTable;
  readonly format: DataFormat;
}

const EXTENSIONS: Readonly<Record<string, DataFormat>> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.jsonlines': 'jsonl',
  '.json': 'json',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

const DESCRIPTIONS: Readonly<Record<Exclude<DataFormat, 'parquet'>, string>> = {
  csv: 'CSV text',
  tsv: 'TSV text',
  jsonl: 'JSON Lines text',
  json: 'JSON text',
};

/** The format an extension stands for (`.gz` looked through), or undefined. */
export function formatFromPath(path: string): DataFormat | undefined {
  const name = basename(path).toLowerCase().replace(/\.gz$/, '');
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : EXTENSIONS[name.slice(dot)];
}

/** Bytes gathered before the format of a file whose name does not tell is sniffed. */
const SNIFF_BYTES = 1 << 16;

/**
 * Reads `path` (`-`: standard input; a pipe; gzip inflated on the fly) as `format`, or as the
 * format its extension names, or as sniffed from its content. CSV, TSV and JSON Lines are decoded
 * and parsed as the bytes stream in, so no string of the whole file is ever made; Parquet and JSON
 * arrays are read whole. Too many bytes (after inflation) stop the read with one line.
 */
export async function readTable(path: string, format?: DataFormat, options: ReadTableOptions = {}): Promise<ReadTable> {
  const key = sourceKey(path, format);
  if (kept !== undefined && kept.key === key) {
    const { result } = kept;
    kept = undefined;
    return result;
  }
  const result = await streamTable(path, format, options.limit ?? FILE_LIMITS.data);
  if (options.keep === true && key !== undefined) kept = { key, result };
  return result;
}

export interface ReadTableOptions {
  /** Bytes read (after inflation) before the read stops with one line (default FILE_LIMITS.data). */
  readonly limit?: number;
  /**
   * Keep the table for the next readTable of the same source, which takes it (default false): a
   * pipe or stdin cannot be read twice, and a large file is not parsed twice when one step looks
   * at the data before another loads it.
   */
  readonly keep?: boolean;
}

/** The one table kept for a second read. */
let kept: { readonly key: string; readonly result: ReadTable } | undefined;

/** What identifies a source between two reads: a pipe by its path, a file by its path, size, time and inode. */
function sourceKey(path: string, format: DataFormat | undefined): string | undefined {
  if (path === STDIN_PATH) return `-\0${format}`;
  try {
    const stats = statSync(path);
    return stats.isFile() ? `${path}\0${format}\0${stats.size}\0${stats.mtimeMs}\0${stats.ino}` : `${path}\0${format}`;
  } catch {
    return undefined;
  }
}

async function streamTable(path: string, format: DataFormat | undefined, limit: number): Promise<ReadTable> {
  const name = sourceName(path);
  const chunks = dataByteStream(path, limit)[Symbol.asyncIterator]();
  try {
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let done = false;
    while (!done && headBytes < SNIFF_BYTES) {
      const next = await chunks.next();
      if (next.done) done = true;
      else {
        head.push(next.value);
        headBytes += next.value.byteLength;
      }
    }
    const start = Buffer.concat(head);
    const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => chunks };
    const chosen = format ?? (path === STDIN_PATH ? undefined : formatFromPath(path)) ?? sniffFormat(start, name);
    if (chosen === 'parquet' || (chosen === 'json' && looksLikeArray(start))) {
      const bytes = done ? start : await gatherBytes(start, rest);
      if (chosen === 'parquet') return { table: await parseParquet(bytes, name), format: chosen };
      const decoded = decodeWhole(bytes, name, DESCRIPTIONS[chosen]);
      if (decoded.text.trim() === '') throw new FinetuneError(`${name}: empty file`);
      const table = parseJsonArray(decoded.text, name);
      return { table: { ...table, warnings: [...decoded.warnings, ...table.warnings] }, format: chosen };
    }
    const decoder = new TextStreamDecoder(name, DESCRIPTIONS[chosen]);
    // The parser is made once the header line is in (the decoder may hold text back): a ".csv" from a
    // spreadsheet in a locale with decimal commas uses ';', and some tools write tabs.
    let parser: DelimitedParser | JsonLinesParser | undefined;
    let held = '';
    const notes: string[] = [];
    const feed = (text: string, last: boolean): void => {
      if (parser === undefined) {
        held += text;
        if (!last && chosen === 'csv' && !/[\r\n]/.test(held)) return;
        const delimiter = chosen === 'csv' ? csvDelimiter(held) : '\t';
        if (chosen === 'csv' && delimiter !== ',') {
          const names = delimiter === ';' ? 'semicolons' : 'tabs';
          notes.push(`${name}: fields separated by ${names}, not commas (detected from the header line); read with ${names}`);
        }
        parser = chosen === 'csv' || chosen === 'tsv' ? new DelimitedParser(delimiter, name) : new JsonLinesParser(name);
        text = held;
        held = '';
      }
      parser.push(text);
    };
    feed(decoder.push(start), false);
    if (!done) for await (const chunk of rest) feed(decoder.push(chunk), false);
    feed(decoder.end(), true);
    const table = (parser as DelimitedParser | JsonLinesParser).end();
    return { table: { ...table, warnings: [...notes, ...decoder.warnings, ...table.warnings] }, format: chosen };
  } finally {
    await chunks.return?.(undefined);
  }
}

/** decodeText for a file read whole: one past V8's longest string is a line naming it, not a RangeError. */
function decodeWhole(bytes: Uint8Array, name: string, what: string): ReturnType<typeof decodeText> {
  try {
    return decodeText(bytes, name, what);
  } catch (error) {
    // V8 and Node word it as a RangeError or as ERR_STRING_TOO_LONG, depending on the decoder.
    if (!(error instanceof RangeError) && (error as NodeJS.ErrnoException).code !== 'ERR_STRING_TOO_LONG') throw error;
    throw new FinetuneError(`${name}: too long to read whole (${formatBytes(bytes.byteLength)}); write it as JSON Lines, which is read as a stream`);
  }
}

/** A JSON document whose first non-blank character (after a BOM) opens an array. */
function looksLikeArray(head: Uint8Array): boolean {
  for (const byte of head) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0xef || byte === 0xbb || byte === 0xbf) continue;
    return byte === 0x5b;
  }
  return false;
}

async function gatherBytes(start: Uint8Array, rest: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts = [start];
  for await (const chunk of rest) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The bytes of a data file (`-`: standard input), gunzipped when they are gzip data (whatever the name), within the data size limit; file errors as one line. */
export async function readDataBytes(path: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of dataByteStream(path)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The delimiter of a CSV file: ',' unless its first line has no comma and has semicolons or tabs. */
export function csvDelimiter(text: string): ',' | ';' | '\t' {
  const firstLine =
    text
      .replace(/^\ufeff/, '')
      .trimStart()
      .split(/\r\n|\n|\r/, 1)[0] ?? '';
  if (firstLine.includes(',')) return ',';
  const semicolons = firstLine.split(';').length - 1;
  const tabs = firstLine.split('\t').length - 1;
  if (semicolons === 0 && tabs === 0) return ',';
  return semicolons > tabs ? ';' : '\t';
}

/** Guesses the format of a file whose name does not tell: Parquet magic, JSON brackets, else the delimiter of line 1. */
export function sniffFormat(bytes: Uint8Array, path: string): DataFormat {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31) return 'parquet';
  const head = decodeText(bytes.subarray(0, 1 << 16), path, 'text').text.replace(/^\ufeff/, '');
  const first = head.trimStart()[0];
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  const firstLine = head.trimStart().split(/\r\n|\n|\r/, 1)[0] ?? '';
  const tabs = firstLine.split('\t').length - 1;
  const commas = firstLine.split(',').length - 1;
  return tabs > 0 && tabs >= commas ? 'tsv' : 'csv';
}
