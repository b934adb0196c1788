// Turns a raw table into labelled examples: cell values to text and labels, empty rows and exact duplicates dropped.
import { count, noun } from '../plural.js';
import { FinetuneError } from '../errors.js';
import { classDistribution, DEFAULT_IMBALANCE_RATIO, imbalanceWarning } from './distribution.js';
import { labelCounts } from './distribution.js';
import { DEFAULT_LABEL_SEPARATOR, readMultiLabels, readTargets, summarizeTargets, type RowLabel } from './label-kinds.js';
import { canonicalIntegerLabels } from './labels.js';
import type { Cell, RawTable } from './table.js';
import type { ColumnSelection, DataFormat, DataReport, Example, LabelKind } from './types.js';

/** Options of `cleanTable`. */
export interface CleanOptions {
  /** Drop exact duplicates (same text, pair and label) after the first. Default true. */
  readonly dropDuplicates?: boolean;
  /** Majority/minority ratio above which the report warns. Default 3. */
  readonly imbalanceRatio?: number;
  /** What the label cells hold (see `LoadDatasetOptions.labelKind`). Default 'class'. */
  readonly labelKind?: LabelKind;
  /** labelKind 'multi': what separates labels in a text cell. Default '|'. */
  readonly labelSeparator?: string;
}

/** Examples and the report of what was dropped and why. */
export interface CleanResult {
  readonly examples: Example[];
  readonly report: DataReport;
}

/**
 * Builds examples from `columns` of `table`. Texts and labels are trimmed; rows with an empty text,
 * text pair or label are dropped (except an empty label set of multi-label data: "none of them");
 * exact duplicates are dropped unless told otherwise; texts seen with two labels are counted but kept.
 */
export function cleanTable(table: RawTable, columns: ColumnSelection, source: string, format: DataFormat | 'builtin', options: CleanOptions = {}): CleanResult {
  const index = (name: string): number => table.columns.indexOf(name);
  const textAt = index(columns.text);
  const labelAt = index(columns.label);
  const pairAt = columns.textPair === undefined ? -1 : index(columns.textPair);

  const kind = options.labelKind ?? 'class';
  const separator = options.labelSeparator ?? DEFAULT_LABEL_SEPARATOR;
  if (separator === '') throw new FinetuneError('the label separator must not be empty');
  const labels = readLabels(table, labelAt, columns.label, kind, separator);

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
    const rowLabel = labels[r] as RowLabel;
    const { label } = rowLabel;
    if (text === '' || (label === '' && kind !== 'multi') || textPair === '') {
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
    examples.push({
      text,
      ...(textPair === undefined ? {} : { textPair }),
      label,
      ...(rowLabel.labels === undefined ? {} : { labels: rowLabel.labels }),
      ...(rowLabel.target === undefined ? {} : { target: rowLabel.target }),
      origin,
    });
  });

  if (table.rows.length === 0) throw new FinetuneError(`${source}: no data rows`);
  if (examples.length === 0) {
    throw new FinetuneError(`${source}: no usable rows: all ${table.rows.length} have an empty text or label (columns '${columns.text}', '${columns.label}')`);
  }
  // Origins start with the file name, which the warning already names.
  const at = (origin: string | undefined): string => (origin ?? '').replace(`${source}: `, '');
  const warnings = [...table.warnings];
  if (emptyDropped > 0) warnings.push(`${source}: ${count(emptyDropped, 'row')} with an empty text or label dropped (first at ${at(firstEmpty)})`);
  if (duplicatesDropped > 0) warnings.push(`${source}: ${count(duplicatesDropped, 'exact duplicate row')} dropped (first at ${at(firstDuplicate)})`);
  if (conflicts.size > 0)
    warnings.push(
      `${source}: ${count(conflicts.size, 'text')} ${noun(conflicts.size, 'occurs', 'occur')} with different labels (first at ${at(firstConflict)})`,
    );
  const summary = summarizeLabels(examples, kind, columns.label, source, options.imbalanceRatio ?? DEFAULT_IMBALANCE_RATIO);
  warnings.push(...summary.warnings);
  const report: DataReport = {
    source,
    format,
    rowsRead: table.rows.length,
    emptyDropped,
    duplicatesDropped,
    conflictingTexts: conflicts.size,
    examples: examples.length,
    classes: summary.classes,
    labelKind: kind,
    ...(summary.noLabel === undefined ? {} : { noLabel: summary.noLabel }),
    ...(summary.targets === undefined ? {} : { targets: summary.targets }),
    warnings,
  };
  return { examples, report };
}

/** The label of every row, read as the kind says. */
function readLabels(table: RawTable, at: number, column: string, kind: LabelKind, separator: string): RowLabel[] {
  if (kind === 'multi') return readMultiLabels(table, at, column, separator);
  if (kind === 'number') return readTargets(table, at, column);
  const raw = table.rows.map((row, r) => cellToLabel(row[at], column, table, r));
  const canonical = canonicalIntegerLabels(raw.filter((label) => label !== ''));
  let next = 0;
  return raw.map((label) => ({ label: label === '' ? '' : (canonical[next++] as string) }));
}

/** The report's label fields and warnings for the kind of labels. */
function summarizeLabels(
  examples: readonly Example[],
  kind: LabelKind,
  column: string,
  source: string,
  imbalanceRatio: number,
): Pick<DataReport, 'classes' | 'noLabel' | 'targets' | 'warnings'> {
  const warnings: string[] = [];
  if (kind === 'number') {
    const targets = examples.map((example) => example.target as number);
    const distinct = [...new Set(targets)].sort((a, b) => a - b);
    if (distinct.length === 1) warnings.push(`${source}: every target is ${distinct[0]}; there is nothing to learn`);
    else if (distinct.length === 2) {
      warnings.push(`${source}: the targets take only two values (${distinct.join(', ')}); classification (labelKind 'class') may fit better`);
    }
    return { classes: [], targets: summarizeTargets(targets), warnings };
  }
  if (kind === 'multi') {
    const classes = labelCounts(
      examples.flatMap((example) => example.labels ?? []),
      examples.length,
    );
    if (classes.length === 0) throw new FinetuneError(`${source}: no labels in column '${column}': every row has an empty label list`);
    const everywhere = classes.filter((c) => c.count === examples.length).map((c) => `'${c.label}'`);
    if (everywhere.length > 0)
      warnings.push(`${source}: ${noun(everywhere.length, 'label')} ${everywhere.join(', ')} on every example; they tell the examples nothing apart`);
    const noLabel = examples.filter((example) => example.labels?.length === 0).length;
    return { classes, noLabel, warnings };
  }
  const classes = classDistribution(examples);
  if (classes.length === 1) warnings.push(`${source}: only one class ('${classes[0]?.label}'); a classifier needs at least two`);
  const imbalance = imbalanceWarning(classes, imbalanceRatio);
  if (imbalance !== undefined) warnings.push(`${source}: ${imbalance}`);
  return { classes, warnings };
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
    throw new FinetuneError(
      `${table.origin(row)}: label ${cell} in column '${column}' is not a class (a name or an integer); regression targets need labelKind 'number'`,
    );
  }
  if (typeof cell === 'bigint' || typeof cell === 'boolean') return String(cell);
  const hint = Array.isArray(cell) ? "; several labels per row need labelKind 'multi'" : '';
  throw new FinetuneError(`${table.origin(row)}: column '${column}' holds ${describe(cell)}, expected a label${hint}`);
}
