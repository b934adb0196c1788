// Label cells read as a set of classes (multi-label) or a number (regression), and a guess of which a column holds.
import { FinetuneError } from '../errors.js';
import { canonicalIntegerLabels, sortLabels } from './labels.js';
import type { Cell, RawTable } from './table.js';
import type { LabelKind, TargetSummary } from './types.js';

/** Default separator of labels in a multi-label text cell (`sports|politics`). */
export const DEFAULT_LABEL_SEPARATOR = '|';

/** The label of one row as read for its kind; `label` is '' for an empty cell. */
export interface RowLabel {
  readonly label: string;
  readonly labels?: readonly string[];
  readonly target?: number;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;
// Lists written by Python (`['a', 'b']`) as well as JSON; quoted items only, so "[draft]" stays a label.
const QUOTED_LIST = /^\[\s*(?:(?:'[^']*'|"[^"]*")\s*(?:,\s*(?:'[^']*'|"[^"]*")\s*)*)?\]$/;

function describe(cell: unknown): string {
  if (Array.isArray(cell)) return 'a list';
  if (cell instanceof Uint8Array) return 'binary data';
  if (cell instanceof Date) return 'a date';
  if (cell === null) return 'null';
  return typeof cell === 'object' ? 'an object' : `a ${typeof cell}`;
}

/** The items of a text cell written as a list (`["a","b"]`, `['a', 'b']`, `[1, 2]`), or undefined. */
export function parseListText(text: string): unknown[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') || !trimmed.endsWith(']')) return undefined;
  try {
    const value: unknown = JSON.parse(trimmed);
    if (Array.isArray(value)) return value;
  } catch {
    // Not JSON; a Python list of strings is the other common spelling.
  }
  if (!QUOTED_LIST.test(trimmed)) return undefined;
  return [...trimmed.matchAll(/'([^']*)'|"([^"]*)"/g)].map((match) => match[1] ?? match[2] ?? '');
}

/** The labels of a multi-label cell as written (trimmed, empties dropped): a list, a separated text, one class, or none. */
export function cellToLabels(cell: Cell, column: string, origin: string, separator = DEFAULT_LABEL_SEPARATOR): string[] {
  if (cell === null || cell === undefined) return [];
  let items: unknown[];
  if (Array.isArray(cell)) items = cell;
  else if (typeof cell === 'string') items = parseListText(cell) ?? cell.split(separator);
  else items = [cell];
  const labels: string[] = [];
  for (const item of items) {
    if (typeof item === 'string') {
      if (item.trim() !== '') labels.push(item.trim());
    } else if ((typeof item === 'number' && Number.isInteger(item)) || typeof item === 'bigint' || typeof item === 'boolean') {
      labels.push(String(item));
    } else if (typeof item === 'number') {
      throw new FinetuneError(`${origin}: label ${item} in column '${column}' is not a class (a name or an integer)`);
    } else {
      const inside = Array.isArray(cell) ? 'a list holding ' : '';
      throw new FinetuneError(`${origin}: column '${column}' holds ${inside}${describe(item)}, expected labels`);
    }
  }
  return labels;
}

/** The regression target of a cell; undefined for an empty cell. */
export function cellToTarget(cell: Cell, column: string, origin: string): number | undefined {
  if (cell === null || cell === undefined) return undefined;
  if (typeof cell === 'number') {
    if (Number.isFinite(cell)) return cell;
    throw new FinetuneError(`${origin}: label ${cell} in column '${column}' is not a finite number`);
  }
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'string') {
    const text = cell.trim();
    if (text === '') return undefined;
    if (NUMBER.test(text)) return Number(text);
    if (DECIMAL_COMMA.test(text)) {
      throw new FinetuneError(
        `${origin}: label '${text}' in column '${column}' is not a number; write '${text.replace(',', '.')}' (a decimal point, not a comma)`,
      );
    }
    throw new FinetuneError(`${origin}: label '${text}' in column '${column}' is not a number (regression needs numeric targets)`);
  }
  if (typeof cell === 'boolean') {
    throw new FinetuneError(`${origin}: label ${cell} in column '${column}' is not a number (regression needs numeric targets)`);
  }
  throw new FinetuneError(`${origin}: column '${column}' holds ${describe(cell)}, expected a number`);
}

/**
 * The labels of every row of `table`'s column `at` as multi-label sets: integer-like labels spelled
 * canonically when all labels are integer-like (as for single classes), then unique and sorted.
 */
export function readMultiLabels(table: RawTable, at: number, column: string, separator: string): RowLabel[] {
  const perRow = table.rows.map((row, r) => cellToLabels(row[at], column, table.origin(r), separator));
  const canonical = canonicalIntegerLabels(perRow.flat());
  let next = 0;
  return perRow.map((labels) => {
    const sorted = sortLabels(labels.map(() => canonical[next++] as string));
    return { label: sorted.join(separator), labels: sorted };
  });
}

/** The regression targets of every row of `table`'s column `at`. */
export function readTargets(table: RawTable, at: number, column: string): RowLabel[] {
  return table.rows.map((row, r) => {
    const target = cellToTarget(row[at], column, table.origin(r));
    return target === undefined ? { label: '' } : { label: String(target), target };
  });
}

/** Range, mean and population standard deviation of `targets` (at least one). */
export function summarizeTargets(targets: readonly number[]): TargetSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const t of targets) {
    min = Math.min(min, t);
    max = Math.max(max, t);
    sum += t;
  }
  const mean = sum / targets.length;
  let squares = 0;
  for (const t of targets) squares += (t - mean) ** 2;
  return { min, max, mean, std: Math.sqrt(squares / targets.length) };
}

/** A guess of what a label column holds, and a short phrase saying why (for the CLI to print). */
export interface LabelKindGuess {
  readonly kind: LabelKind;
  readonly reason: string;
  /** Something to tell the user about the guess (many integer classes that may be scores). */
  readonly hint?: string;
}

// More distinct integer classes than this get a hint that they might be a regression target.
const HINT_CLASS_IDS = 10;

// More distinct integers than this are read as numbers even when they run 0, 1, 2, ... like class ids.
const MAX_CLASS_IDS = 100;
// Fewer distinct numbers than this, all integers, read as class ids.
const MIN_NUMBER_VALUES = 20;

/**
 * Guesses the label kind from a column's values. Lists (JSON, or text written as a list) in at least
 * half of the filled cells: 'multi'. All numbers: 'number' when some have a fraction (a class is a
 * name or an integer) or there are over 20 distinct integers that do not run 0 (or 1), 1, 2, ... like
 * class ids (over 100 always); else 'class'. Text where `separator` joins labels in at least 5% of the
 * cells, and the separated labels are fewer than the distinct cells (so they combine): 'multi'.
 * Everything else: 'class'.
 */
export function detectLabelKind(values: readonly unknown[], separator = DEFAULT_LABEL_SEPARATOR): LabelKindGuess {
  const filled = values.filter((v) => v !== null && v !== undefined && !(typeof v === 'string' && v.trim() === ''));
  if (filled.length === 0) return { kind: 'class', reason: 'no label values to go by' };
  const lists = filled.filter((v) => Array.isArray(v) || (typeof v === 'string' && parseListText(v) !== undefined)).length;
  if (lists * 2 >= filled.length) return { kind: 'multi', reason: `${lists} of ${filled.length} label values are lists` };

  const numbers = filled.map(asNumber);
  if (numbers.every((n) => !Number.isNaN(n))) {
    const distinct = [...new Set(numbers)].sort((a, b) => a - b);
    const fraction = numbers.find((n) => !Number.isInteger(n));
    if (fraction !== undefined) return { kind: 'number', reason: `numbers with fractions (such as ${fraction}), ${distinct.length} distinct values` };
    const min = distinct[0] as number;
    const max = distinct[distinct.length - 1] as number;
    const idLike = (min === 0 || min === 1) && max - min + 1 === distinct.length;
    if (distinct.length > MAX_CLASS_IDS || (distinct.length > MIN_NUMBER_VALUES && !idLike)) {
      return { kind: 'number', reason: `${distinct.length} distinct integers from ${min} to ${max}` };
    }
    const reason = `${distinct.length} distinct integers, read as class ids`;
    if (distinct.length <= HINT_CLASS_IDS) return { kind: 'class', reason };
    return {
      kind: 'class',
      reason,
      hint: `the label column holds ${distinct.length} distinct integers from ${min} to ${max}, read as ${distinct.length} classes; if they are scores or amounts, train with --task regression`,
    };
  }

  const strings = filled.filter((v): v is string => typeof v === 'string');
  const parts = new Set<string>();
  const wholes = new Set<string>();
  let joined = 0;
  for (const value of strings) {
    const pieces = value
      .split(separator)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    if (pieces.length > 1) joined++;
    for (const piece of pieces) parts.add(piece);
    wholes.add(value.trim());
  }
  if (joined >= Math.max(2, filled.length * 0.05) && parts.size < wholes.size) {
    return { kind: 'multi', reason: `'${separator}' joins labels in ${joined} of ${filled.length} values (${parts.size} distinct labels)` };
  }
  return { kind: 'class', reason: `${new Set(filled.map((v) => String(v).trim())).size} distinct values` };
}

function asNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
  return NaN;
}
