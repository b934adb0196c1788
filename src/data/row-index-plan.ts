// Whether a data file is read through a row index instead of into memory, and its columns, found on a sample of its first rows.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { checkReadableFile } from '../io/bounded-read.js';
import { selectColumns } from './columns.js';
import { parseDelimited } from './delimited.js';
import { csvDelimiter, formatFromPath } from './read-table.js';
import type { RowIndexOptions } from './row-index.js';
import type { RawTable } from './table.js';
import type { ColumnSelection, LoadDatasetOptions } from './types.js';

/**
 * Files from this size on are indexed (default 64 MiB): below it, reading every row into memory
 * costs little and keeps the exact behaviour of the other formats. `FINETUNE_INDEX_MIN_BYTES` sets
 * another size (0: every CSV/TSV file).
 */
export function indexMinBytes(env: NodeJS.ProcessEnv = process.env): number {
  const value = env['FINETUNE_INDEX_MIN_BYTES'];
  const parsed = value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : 64 * 2 ** 20;
}

/** Bytes of the file's start that columns and the label kind are detected from. */
export const SAMPLE_BYTES = 1 << 18;

function headBytes(path: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * True when `path` is a plain CSV/TSV file (by its name; UTF-8 by its first 64 KiB, not gzip, LF or CRLF line ends)
 * of at least `minBytes`: such a file is indexed rather than read into memory.
 */
export function usesRowIndex(path: string, minBytes = indexMinBytes()): boolean {
  const format = formatFromPath(path);
  if ((format !== 'csv' && format !== 'tsv') || /\.gz$/i.test(path)) return false;
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return false;
    size = stats.size;
  } catch {
    return false;
  }
  if (size < minBytes || size === 0) return false;
  checkReadableFile(path, 'data');
  const head = headBytes(path, 1 << 16);
  if (head[0] === 0x1f && head[1] === 0x8b) return false;
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  // Text that is not UTF-8 (Windows-1252, Latin-1): the in-memory reader decodes and reports it.
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length < 1 << 16 ? head.length : head.lastIndexOf(0x0a) + 1));
  } catch {
    return false;
  }
  // A CR that ends a line on its own (old Mac files): the in-memory reader knows those.
  for (let i = head.indexOf(0x0d); i >= 0 && i + 1 < head.length; i = head.indexOf(0x0d, i + 1)) if (head[i + 1] !== 0x0a) return false;
  return true;
}

/** The first rows of a file as a table (at most SAMPLE_BYTES, cut at a line end), with its delimiter. */
export function sampleTable(path: string): { readonly table: RawTable; readonly delimiter: ',' | '\t' | ';' } {
  let bytes = headBytes(path, SAMPLE_BYTES);
  if (bytes.length === SAMPLE_BYTES) {
    const end = bytes.lastIndexOf(0x0a);
    if (end > 0) bytes = bytes.subarray(0, end + 1);
  }
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  const delimiter = formatFromPath(path) === 'tsv' ? '\t' : csvDelimiter(text);
  return { table: parseDelimited(text, delimiter, path), delimiter };
}

/** The columns of an indexed file (named, else detected on the sample) and what indexRows needs to find them. */
export function planRowIndex(path: string, options: LoadDatasetOptions): { readonly columns: ColumnSelection; readonly index: RowIndexOptions } {
  const { table, delimiter } = sampleTable(path);
  const columns = selectColumns(table, options, path);
  const at = (name: string): number => table.columns.indexOf(name);
  return {
    columns,
    index: {
      source: path,
      delimiter,
      columnCount: table.columns.length,
      textAt: at(columns.text),
      pairAt: columns.textPair === undefined ? -1 : at(columns.textPair),
      labelAt: at(columns.label),
    },
  };
}
