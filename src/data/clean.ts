// Turns a raw table into labelled examples: cell values to text and labels, empty rows and exact duplicates dropped.
import { FinetuneError } from '../errors.js';
import { classDistribution, DEFAULT_IMBALANCE_RATIO, imbalanceWarning } from './distribution.js';
import { canonicalIntegerLabels } from './labels.js';
import type { Cell, RawTable } from './table.js';
import type { ColumnSelection, DataFormat, DataReport, Example } from './types.js';

/** Options of `cleanTable`. */
export interface CleanOptions {
  /** Drop exact duplicates (same text, pair and label) after the first. Default true. */
  readonly dropDuplicates?: boolean;
  /** Majority/minority ratio above which the report warns. Default 3. */
  readonly imbalanceRatio?: number;
}

/** Examples and the report of what was dropped and why. */
export interface CleanResult {
  readonly examples: Example[];
  readonly report: DataReport;
}

/**
 * Builds examples from `columns` of `table`. Texts and labels are trimmed; rows with an empty text,
 * text pair or label are dropped; exact duplicates are dropped unless told otherwise; texts seen
 * with two labels are counted but kept.
 */
export function cleanTable(
  table: RawTable,
  columns: ColumnSelection,
  source: string,
  format: DataFormat | 'builtin',
  options: CleanOptions = {},
): CleanResult {
  const index = (name: string): number => table.columns.indexOf(name);
  const textAt = index(columns.text);
  const labelAt = index(columns.label);
  const pairAt = columns.textPair === undefined ? -1 : index(columns.textPair);

  const rawLabels = table.rows.map((row, r) => cellToLabel(row[labelAt], columns.label, table, r));
  const filled = rawLabels.filter((label) => label !== '');
  const canonical = canonicalIntegerLabels(filled);
  let next = 0;
  const labels = rawLabels.map((label) => (label === '' ? '' : (canonical[next++] as string)));

  const examples: Example[] = [];
  const seen = new Set<string>();
  const labelOfText = new Map<string, string>();
  const conflicts = new Set<string>();
  let emptyDropped = 0;
  let duplicatesDropped = 0;
  let firstEmpty: string | undefined;
  let firstDuplicate: string | undefined;
  let firstConflict: string | undefined;
  table.rows.forEach((row, r) => {
    const text = cellToText(row[textAt], columns.text, table, r);
    const textPair = pairAt < 0 ? undefined : cellToText(row[pairAt], columns.textPair as string, table, r);
    const label = labels[r] as string;
    if (text === '' || label === '' || textPair === '') {
      emptyDropped++;
      firstEmpty ??= table.origin(r);
      return;
    }
    const textKey = textPair === undefined ? text : `${text}\u0000${textPair}`;
    const fullKey = `${textKey}\u0000\u0000${label}`;
    if (seen.has(fullKey)) {
      if (options.dropDuplicates ?? true) {
        duplicatesDropped++;
        firstDuplicate ??= table.origin(r);
        return;
      }
    }
    seen.add(fullKey);
    const earlier = labelOfText.get(textKey);
    if (earlier === undefined) labelOfText.set(textKey, label);
    else if (earlier !== label && !conflicts.has(textKey)) {
      conflicts.add(textKey);
      firstConflict ??= table.origin(r);
    }
    const origin = table.origin(r);
    examples.push(textPair === undefined ? { text, label, origin } : { text, textPair, label, origin });
  });

  if (table.rows.length === 0) throw new FinetuneError(`${source}: no data rows`);
  if (examples.length === 0) {
    throw new FinetuneError(`${source}: no usable rows: all ${table.rows.length} have an empty text or label (columns '${columns.text}', '${columns.label}')`);
  }
  const classes = classDistribution(examples);
  // Origins start with the file name, which the warning already names.
  const at = (origin: string | undefined): string => (origin ?? '').replace(`${source}: `, '');
  const warnings = [...table.warnings];
  if (emptyDropped > 0) warnings.push(`${source}: ${emptyDropped} row(s) with an empty text or label dropped (first at ${at(firstEmpty)})`);
  if (duplicatesDropped > 0) warnings.push(`${source}: ${duplicatesDropped} exact duplicate row(s) dropped (first at ${at(firstDuplicate)})`);
  if (conflicts.size > 0) warnings.push(`${source}: ${conflicts.size} text(s) occur with different labels (first at ${at(firstConflict)})`);
  if (classes.length === 1) warnings.push(`${source}: only one class ('${classes[0]?.label}'); a classifier needs at least two`);
  const imbalance = imbalanceWarning(classes, options.imbalanceRatio ?? DEFAULT_IMBALANCE_RATIO);
  if (imbalance !== undefined) warnings.push(`${source}: ${imbalance}`);
  const report: DataReport = {
    source,
    format,
    rowsRead: table.rows.length,
    emptyDropped,
    duplicatesDropped,
    conflictingTexts: conflicts.size,
    examples: examples.length,
    classes,
    warnings,
  };
  return { examples, report };
}

function describe(cell: Cell): string {
  if (Array.isArray(cell)) return 'a list';
  if (cell instanceof Uint8Array) return 'binary data';
  if (cell instanceof Date) return 'a date';
  return typeof cell === 'object' ? 'an object' : `a ${typeof cell}`;
}

/** A cell as text: strings trimmed, numbers and booleans written out, missing values empty. */
export function cellToText(cell: Cell, column: string, table: RawTable, row: number): string {
  if (typeof cell === 'string') return cell.trim();
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number' || typeof cell === 'bigint' || typeof cell === 'boolean') return String(cell);
  throw new FinetuneError(`${table.origin(row)}: column '${column}' holds ${describe(cell)}, expected text`);
}

/** A cell as a class label: a name or an integer; fractional numbers (regression targets) and lists are errors. */
export function cellToLabel(cell: Cell, column: string, table: RawTable, row: number): string {
  if (typeof cell === 'string') return cell.trim();
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number') {
    if (Number.isInteger(cell)) return String(cell);
    throw new FinetuneError(`${table.origin(row)}: label ${cell} in column '${column}' is not a class (a name or an integer)`);
  }
  if (typeof cell === 'bigint' || typeof cell === 'boolean') return String(cell);
  const hint = Array.isArray(cell) ? '; one label per row is supported' : '';
  throw new FinetuneError(`${table.origin(row)}: column '${column}' holds ${describe(cell)}, expected a label${hint}`);
}
