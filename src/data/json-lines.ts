// JSONL reader (one object per line, blank lines skipped) and JSON-array reader; keys become columns.
import { FinetuneError } from '../errors.js';
import { MAX_RECORD_CHARS } from './delimited.js';
import { RowCollector } from './row-collector.js';
import type { Cell, RawTable } from './table.js';

/** Parses JSON Lines: every non-blank line one JSON object. Columns are the keys in first-seen order. */
export function parseJsonLines(text: string, file: string): RawTable {
  const parser = new JsonLinesParser(file);
  parser.push(text);
  return parser.end();
}

/** parseJsonLines over text that comes in chunks: `push` each, then `end` for the table; only the unfinished line is held as text. */
export class JsonLinesParser {
  private readonly objects: Record<string, unknown>[] = [];
  private readonly rows = new RowCollector();
  private readonly columnIndex = new Map<string, number>();
  private readonly lines: number[] = [];
  private pending = '';
  private lineNumber = 0;

  constructor(
    private readonly file: string,
    /** The longest line held while its end is looked for (default MAX_RECORD_CHARS). */
    private readonly maxLineChars = MAX_RECORD_CHARS,
  ) {}

  push(text: string): void {
    let start = 0;
    let end = text.indexOf('\n');
    if (end < 0) {
      this.pending += text;
      if (this.pending.length > this.maxLineChars) {
        throw new FinetuneError(`${this.file}: line ${this.lineNumber + 1}: longer than ${this.maxLineChars.toLocaleString('en-US')} characters`);
      }
      return;
    }
    this.line(this.pending + text.slice(0, end));
    start = end + 1;
    for (end = text.indexOf('\n', start); end >= 0; end = text.indexOf('\n', start)) {
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.pending = text.slice(start);
  }

  end(): RawTable {
    this.line(this.pending);
    this.pending = '';
    const columns = [...this.columnIndex.keys()];
    // Rows are made once every key is known, so each has one cell per column.
    this.objects.forEach((object, i) => {
      this.rows.add(
        columns.map((column) => object[column] as Cell),
        this.lines[i]!,
      );
    });
    this.objects.length = 0;
    return this.rows.table(columns, this.file, []);
  }

  private line(raw: string): void {
    this.lineNumber++;
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FinetuneError(`${this.file}: line ${this.lineNumber}: invalid JSON (${jsonProblem(error)})`);
    }
    const object = asObject(value, `${this.file}: line ${this.lineNumber}`);
    for (const key of Object.keys(object)) if (!this.columnIndex.has(key)) this.columnIndex.set(key, this.columnIndex.size);
    this.objects.push(object);
    this.lines.push(this.lineNumber);
  }
}

/** Parses a JSON document holding an array of objects (one per row). */
export function parseJsonArray(text: string, file: string): RawTable {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new FinetuneError(`${file}: invalid JSON (${jsonProblem(error)})`);
  }
  if (!Array.isArray(value)) throw new FinetuneError(`${file}: expected an array of objects or one object per line, got ${kindOf(value)}`);
  const objects = value.map((item, i) => asObject(item, `${file}: row ${i + 1}`));
  return toTable(objects, (index) => `${file}: row ${index + 1}`);
}

function toTable(objects: readonly Record<string, unknown>[], origin: (index: number) => string): RawTable {
  const columnIndex = new Map<string, number>();
  for (const object of objects) {
    for (const key of Object.keys(object)) if (!columnIndex.has(key)) columnIndex.set(key, columnIndex.size);
  }
  const columns = [...columnIndex.keys()];
  const rows = objects.map((object) => columns.map((column) => object[column] as Cell));
  return { columns, rows, origin, warnings: [] };
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new FinetuneError(`${where}: expected a JSON object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

// JSON.parse quotes the whole input in some messages; keep the message one short line.
function jsonProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const oneLine = message.replace(/\s+/g, ' ');
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}
