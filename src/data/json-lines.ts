// JSONL reader (one object per line, blank lines skipped) and JSON-array reader; keys become columns.
import { FinetuneError } from '../errors.js';
import type { Cell, RawTable } from './table.js';

/** Parses JSON Lines: every non-blank line one JSON object. Columns are the keys in first-seen order. */
export function parseJsonLines(text: string, file: string): RawTable {
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  let lineNumber = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new FinetuneError(`${file}: line ${lineNumber}: invalid JSON (${jsonProblem(error)})`);
    }
    objects.push(asObject(value, `${file}: line ${lineNumber}`));
    lines.push(lineNumber);
  }
  return toTable(objects, (index) => `${file}: line ${lines[index]}`);
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
