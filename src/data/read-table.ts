// Reads a data file into a raw table: file errors, gzip, format from the extension or sniffed, then the right reader.
import { basename } from 'node:path';
import { FinetuneError } from '../errors.js';
import { FILE_LIMITS, gunzipBounded, readFileBounded } from '../io/bounded-read.js';
import { parseDelimited } from './delimited.js';
import { parseJsonArray, parseJsonLines } from './json-lines.js';
import { parseParquet } from './parquet.js';
import type { RawTable } from './table.js';
import { decodeText } from './text-decode.js';
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

/** Reads `path` as `format`, or as the format its extension names, or as sniffed from its content. */
export async function readTable(path: string, format?: DataFormat): Promise<ReadTable> {
  const bytes = await readDataBytes(path);
  const chosen = format ?? formatFromPath(path) ?? sniffFormat(bytes, path);
  if (chosen === 'parquet') return { table: await parseParquet(bytes, path), format: chosen };
  const decoded = decodeText(bytes, path, DESCRIPTIONS[chosen]);
  const text = decoded.text;
  if (text.trim() === '') throw new FinetuneError(`${path}: empty file`);
  const table = parseText(text, chosen, path);
  return { table: { ...table, warnings: [...decoded.warnings, ...table.warnings] }, format: chosen };
}

function parseText(text: string, format: Exclude<DataFormat, 'parquet'>, path: string): RawTable {
  switch (format) {
    case 'csv': {
      const delimiter = csvDelimiter(text);
      if (delimiter === ',') return parseDelimited(text, ',', path);
      // A ".csv" from a spreadsheet in a locale with decimal commas uses ';'; some tools write tabs.
      const table = parseDelimited(text, delimiter, path);
      const name = delimiter === ';' ? 'semicolons' : 'tabs';
      return { ...table, warnings: [`${path}: fields separated by ${name}, not commas (detected from the header line); read with ${name}`, ...table.warnings] };
    }
    case 'tsv':
      return parseDelimited(text, '\t', path);
    case 'jsonl':
      return parseJsonLines(text, path);
    case 'json':
      // Many ".json" data files are JSON Lines; an array at the top level is the other common layout.
      return text.trimStart().startsWith('[') ? parseJsonArray(text, path) : parseJsonLines(text, path);
  }
}

/** The bytes of a data file, gunzipped when they are gzip data (whatever the name); file errors as one line. */
export async function readDataBytes(path: string): Promise<Uint8Array> {
  const bytes = await readBytes(path);
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  // Inflated under the data size limit: a small .gz cannot expand into gigabytes.
  const unpacked = gunzipBounded(bytes, FILE_LIMITS.data, path);
  if (unpacked.length === 0) throw new FinetuneError(`${path}: empty file`);
  return unpacked;
}

async function readBytes(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = readFileBounded(path, 'data');
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FinetuneError(`${path}: no such file`);
    if (code === 'EISDIR') throw new FinetuneError(`${path}: is a directory, expected a data file`);
    if (code === 'EACCES' || code === 'EPERM') throw new FinetuneError(`${path}: permission denied`);
    throw new FinetuneError(`${path}: cannot read (${(error as Error).message})`);
  }
  if (bytes.length === 0) throw new FinetuneError(`${path}: empty file`);
  return bytes;
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
