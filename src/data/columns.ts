// Chooses the text, text-pair and label columns: named by the caller, else found by common names, else by content.
import { FinetuneError } from '../errors.js';
import type { Cell, RawTable } from './table.js';
import type { ColumnSelection, LoadDatasetOptions } from './types.js';

/** Names of text columns, most specific first (compared case-insensitively). */
export const TEXT_COLUMN_NAMES: readonly string[] = [
  'text',
  'sentence',
  'sentence1',
  'text_a',
  'text1',
  'sms',
  'message',
  'msg',
  'review',
  'review_text',
  'content',
  'document',
  'doc',
  'email',
  'mail',
  'body',
  'comment',
  'tweet',
  'post',
  'utterance',
  'question',
  'question1',
  'premise',
  'query',
  'input',
  'prompt',
  'headline',
  'title',
  'abstract',
  'description',
  'phrase',
  'passage',
];

/** Names of label columns, most specific first (compared case-insensitively). */
export const LABEL_COLUMN_NAMES: readonly string[] = [
  'label',
  'labels',
  'class',
  'category',
  'target',
  'y',
  'sentiment',
  'gold_label',
  'label_id',
  'class_label',
  'polarity',
  'intent',
  'topic',
  'tag',
  'emotion',
  'is_spam',
  'spam',
  'classification',
  'rating',
  'stars',
];

/** Names of multi-label columns tried before `LABEL_COLUMN_NAMES` (compared case-insensitively). */
export const MULTI_LABEL_COLUMN_NAMES: readonly string[] = ['labels', 'tags', 'categories', 'topics', 'genres', 'classes', 'emotions'];

/** Names of regression target columns tried after 'label' and before the rest of `LABEL_COLUMN_NAMES`. */
export const TARGET_COLUMN_NAMES: readonly string[] = ['target', 'score', 'value', 'y', 'rating', 'stars', 'similarity', 'relatedness_score'];

// Numeric columns that number rows rather than measure anything.
const ID_COLUMN = /^(id|idx|index|row|row_id|_id|.*_id)$/i;

/** First and second text of sentence-pair layouts; a pair is used only when both columns exist. */
export const TEXT_PAIR_COLUMN_NAMES: readonly (readonly [string, string])[] = [
  ['sentence1', 'sentence2'],
  ['text_a', 'text_b'],
  ['text1', 'text2'],
  ['question1', 'question2'],
  ['premise', 'hypothesis'],
  ['sentence_a', 'sentence_b'],
  ['question', 'sentence'],
  ['text', 'text_pair'],
  ['text', 'text2'],
  ['sentence', 'sentence2'],
  ['query', 'passage'],
  ['question', 'passage'],
];

// A label column has at least 2 and at most this many distinct values (and at most half the rows).
const MAX_DETECTED_CLASSES = 100;

/** Resolves the caller's column names and detects the missing ones. Errors name `file` and list the columns. */
export function selectColumns(table: RawTable, options: LoadDatasetOptions, file: string): ColumnSelection {
  const { columns } = table;
  const listed = columns.map((c) => `'${c}'`).join(', ');
  // Column names that look like values usually mean the file has no header row.
  const headerHint = columns.some((c) => /^[-+]?\d+(\.\d+)?$/.test(c) || c.length > 40)
    ? '; the first line is read as the header row, does the file have one?'
    : '';
  const named = (name: string, what: string): string => {
    if (columns.includes(name)) return name;
    const folded = columns.filter((c) => c.toLowerCase() === name.toLowerCase());
    if (folded.length === 1) return folded[0] as string;
    throw new FinetuneError(`${file}: no ${what} column '${name}' (columns: ${listed})`);
  };
  const find = (name: string, exclude: readonly string[]): string | undefined => columns.find((c) => c.toLowerCase() === name && !exclude.includes(c));

  let text = options.textColumn === undefined ? undefined : named(options.textColumn, 'text');
  let label = options.labelColumn === undefined ? undefined : named(options.labelColumn, 'label');
  let textPair = options.textPairColumn === undefined ? undefined : named(options.textPairColumn, 'text-pair');
  const clash = (): void => {
    if (text !== undefined && text === label) throw new FinetuneError(`${file}: the text and label columns are both '${text}'`);
    if (textPair !== undefined && (textPair === text || textPair === label)) {
      throw new FinetuneError(`${file}: the text-pair column '${textPair}' is also the ${textPair === text ? 'text' : 'label'} column`);
    }
  };
  clash();

  if (textPair === undefined) {
    for (const [first, second] of TEXT_PAIR_COLUMN_NAMES) {
      const a = find(first, [label ?? '']);
      const b = find(second, [label ?? '']);
      if (a === undefined || b === undefined || (text !== undefined && text !== a)) continue;
      text = a;
      textPair = b;
      break;
    }
  }
  const taken = (): string[] => [text, textPair, label].filter((c): c is string => c !== undefined);
  const kind = options.labelKind ?? 'class';
  const labelNames =
    kind === 'multi'
      ? [...MULTI_LABEL_COLUMN_NAMES, ...LABEL_COLUMN_NAMES]
      : kind === 'number'
        ? ['label', ...TARGET_COLUMN_NAMES, ...LABEL_COLUMN_NAMES]
        : LABEL_COLUMN_NAMES;
  if (label === undefined) label = firstByName(labelNames, find, taken());
  if (text === undefined) text = firstByName(TEXT_COLUMN_NAMES, find, taken());
  if (text === undefined) text = longestTextColumn(table, taken());
  if (text === undefined) {
    throw new FinetuneError(
      `${file}: cannot tell which column holds the text (columns: ${listed}); name it with --text-column (option textColumn)${headerHint}`,
    );
  }
  if (label === undefined && kind === 'multi') label = listColumn(table, taken());
  if (label === undefined && kind === 'number') label = onlyNumericColumn(table, taken());
  if (label === undefined && kind !== 'number') label = fewestValuesColumn(table, taken());
  if (label === undefined) {
    throw new FinetuneError(
      `${file}: cannot tell which column holds the labels (columns: ${listed}); name it with --label-column (option labelColumn)${headerHint}`,
    );
  }
  clash();
  return textPair === undefined ? { text, label } : { text, textPair, label };
}

function firstByName(
  names: readonly string[],
  find: (name: string, exclude: readonly string[]) => string | undefined,
  exclude: readonly string[],
): string | undefined {
  for (const name of names) {
    const column = find(name, exclude);
    if (column !== undefined) return column;
  }
  return undefined;
}

/** The column of mostly non-numeric strings with the longest average length. */
function longestTextColumn(table: RawTable, exclude: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestLength = 0;
  table.columns.forEach((column, c) => {
    if (exclude.includes(column)) return;
    let strings = 0;
    let filled = 0;
    let length = 0;
    for (const row of table.rows) {
      const cell = row[c];
      if (isEmpty(cell)) continue;
      filled++;
      if (typeof cell === 'string' && !isNumeric(cell)) {
        strings++;
        length += cell.length;
      }
    }
    if (filled === 0 || strings < filled * 0.9) return;
    const average = length / strings;
    if (average > bestLength) {
      best = column;
      bestLength = average;
    }
  });
  return best;
}

/** The column with the fewest distinct values, if it looks like classes (2 to 100 values, at most half the rows). */
function fewestValuesColumn(table: RawTable, exclude: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestCount = Infinity;
  const limit = Math.min(MAX_DETECTED_CLASSES, Math.max(2, Math.floor(table.rows.length / 2)));
  table.columns.forEach((column, c) => {
    if (exclude.includes(column)) return;
    const values = new Set<string>();
    for (const row of table.rows) {
      const cell = row[c];
      if (isEmpty(cell) || (typeof cell === 'object' && cell !== null)) continue;
      values.add(String(cell).trim());
      if (values.size > limit) return;
    }
    if (values.size >= 2 && values.size < bestCount) {
      best = column;
      bestCount = values.size;
    }
  });
  return best;
}

function isEmpty(cell: Cell): boolean {
  return cell === null || cell === undefined || (typeof cell === 'string' && cell.trim() === '');
}

function isNumeric(value: string): boolean {
  return value.trim() !== '' && Number.isFinite(Number(value));
}

/** The first column whose filled cells are mostly lists (multi-label data in JSON or Parquet). */
function listColumn(table: RawTable, exclude: readonly string[]): string | undefined {
  return table.columns.find((column, c) => {
    if (exclude.includes(column)) return false;
    let filled = 0;
    let lists = 0;
    for (const row of table.rows) {
      const cell = row[c];
      if (isEmpty(cell)) continue;
      filled++;
      if (Array.isArray(cell)) lists++;
    }
    return filled > 0 && lists * 2 >= filled;
  });
}

/** The one column (row numbers aside) whose filled cells are all numbers, if exactly one is. */
function onlyNumericColumn(table: RawTable, exclude: readonly string[]): string | undefined {
  const numeric = table.columns.filter((column, c) => {
    if (exclude.includes(column) || ID_COLUMN.test(column)) return false;
    let filled = 0;
    for (const row of table.rows) {
      const cell = row[c];
      if (isEmpty(cell)) continue;
      filled++;
      if (!(typeof cell === 'number' || typeof cell === 'bigint' || (typeof cell === 'string' && isNumeric(cell)))) return false;
    }
    return filled > 0;
  });
  return numeric.length === 1 ? numeric[0] : undefined;
}
