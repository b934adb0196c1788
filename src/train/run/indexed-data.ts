// The data of a classification run on large CSV/TSV files: a row index (cached on disk) instead of examples in memory, rows tokenized per batch.
//
// What the in-memory path (prepare-data.ts) reports is reported the same way: rows read and dropped,
// classes, the stratified split (the same rows for the same seed), unknown evaluation labels by line,
// and the leak check (texts compared by 64-bit hash instead of as strings).
import { imbalanceWarning, DEFAULT_IMBALANCE_RATIO } from '../../data/distribution.js';
import { LabelMap, sortLabels } from '../../data/labels.js';
import { leakageWarning } from '../../data/leakage.js';
import { cachedRowIndex, cachedSplit, type CachedRowIndex } from '../../data/row-index-cache.js';
import { allRows, leakedRows, splitRows } from '../../data/row-index-checks.js';
import { planRowIndex } from '../../data/row-index-plan.js';
import type { RowIndex, RowIndexOptions } from '../../data/row-index.js';
import { RowReader } from '../../data/row-reader.js';
import type { ClassCount, LoadDatasetOptions } from '../../data/types.js';
import { FinetuneError } from '../../errors.js';
import { count } from '../../plural.js';
import type { ClassificationData } from '../../tasks/classification/index.js';
import { finetuneCacheDir } from '../../tokenizers/token-cache.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { indexedInputs } from './indexed-inputs.js';
import { DEFAULT_EVAL_SPLIT, describeClasses, evalSubsetFraction, type DataOptions } from './prepare-data.js';
import { stratifiedHoldout } from '../../data/split.js';

/** The validation examples handed to the report's "most confidently wrong" list at most (it predicts each of them once more). */
export const REPORT_EXAMPLES = 10_000;

/** Validation splits above this many examples get a notice that every evaluation scores them all. */
const LARGE_EVALUATION = 50_000;

/** One indexed file and the rows of it a part of the run uses. */
export interface IndexedPart {
  readonly name: string;
  readonly index: RowIndex;
  readonly plan: RowIndexOptions;
  readonly rows: Uint32Array;
  readonly reader: RowReader;
  /** Class id (in the run's LabelMap) of each of `rows`. */
  readonly labels: Int32Array;
}

/** An indexed run's data, before tokenization. */
export interface IndexedData {
  readonly train: IndexedPart;
  readonly evaluation: IndexedPart | undefined;
  readonly test: IndexedPart | undefined;
  readonly labels: LabelMap;
  readonly trainClasses: readonly ClassCount[];
  readonly columns: string;
  readonly description: readonly string[];
  readonly warnings: readonly string[];
}

/** Options of indexedData beyond DataOptions. */
export interface IndexedDataOptions {
  /** Where the row indexes are cached (default finetuneCacheDir()). */
  readonly cacheDir?: string;
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/** Some rows of an indexed file, named, with their leak check when it is known already. */
interface RowsOf {
  readonly name: string;
  readonly index: RowIndex;
  readonly plan: RowIndexOptions;
  readonly rows: Uint32Array;
  readonly leaked?: ArrayLike<number>;
}

/** Indexes (or finds in the cache) one file, with the lines the log and the report show about it. */
function indexFile(path: string, columns: LoadDatasetOptions, cacheDir: string, description: string[], warnings: string[]) {
  const started = performance.now();
  const plan = planRowIndex(path, columns);
  const got: CachedRowIndex = cachedRowIndex(path, plan.index, cacheDir);
  const { index } = got;
  const r = index.report;
  const dropped = [r.emptyDropped > 0 ? `${r.emptyDropped} empty` : '', got.duplicatesDropped > 0 ? `${got.duplicatesDropped} duplicate` : ''].filter(
    (s) => s !== '',
  );
  description.push(
    `${path}: ${r.rowsRead.toLocaleString('en-US')} rows read, ${index.count.toLocaleString('en-US')} kept` +
      (dropped.length > 0 ? ` (${dropped.join(', ')} dropped)` : '') +
      `; ${got.hit ? 'row index read from the cache' : 'rows indexed'} in ${seconds(started)}, texts tokenized per batch`,
  );
  if (got.warning !== undefined) warnings.push(got.warning);
  if (r.literalQuotes > 0)
    warnings.push(
      `${path}: ${count(r.literalQuotes, 'field')} ${r.literalQuotes === 1 ? 'starts' : 'start'} with a quote that does not close a quoted field (first at line ${r.firstLiteralQuoteLine}); kept literally`,
    );
  if (r.blankLines > 0) warnings.push(`${path}: ${count(r.blankLines, 'blank line')} skipped`);
  if (r.emptyDropped > 0) warnings.push(`${path}: ${count(r.emptyDropped, 'row')} with an empty text or label dropped (first at line ${r.firstEmptyLine})`);
  if (got.duplicatesDropped > 0)
    warnings.push(`${path}: ${count(got.duplicatesDropped, 'exact duplicate row')} dropped (first at line ${got.firstDuplicateLine})`);
  if (got.conflictingTexts > 0) {
    const verb = got.conflictingTexts === 1 ? 'occurs' : 'occur';
    warnings.push(`${path}: ${count(got.conflictingTexts, 'text')} ${verb} with different labels (first at line ${got.firstConflictLine})`);
  }
  if (index.count === 0) {
    throw new FinetuneError(`${path}: no usable rows: all ${r.rowsRead} have an empty text or label (columns '${plan.columns.text}', '${plan.columns.label}')`);
  }
  return { plan, index, file: got.file };
}

/** Examples per class of some rows of an index, in label order. */
function rowClasses(index: RowIndex, rows: Uint32Array): ClassCount[] {
  const counts = new Float64Array(index.labelNames.length);
  for (let k = 0; k < rows.length; k++) counts[index.labels[rows[k]!]!]!++;
  const byLabel = new Map(index.labelNames.flatMap((label, id) => (counts[id]! > 0 ? [[label, counts[id]!] as const] : [])));
  return sortLabels(byLabel.keys()).map((label) => ({ label, count: byLabel.get(label)!, fraction: byLabel.get(label)! / Math.max(1, rows.length) }));
}

/** Class ids in `labels` of some rows; a class the run does not know fails, naming the first line that has it. */
function classIds(index: RowIndex, rows: Uint32Array, labels: LabelMap, name: string): Int32Array {
  const remap = index.labelNames.map((label, id) => {
    try {
      return labels.id(label);
    } catch {
      let k = 0;
      while (k < rows.length && index.labels[rows[k]!] !== id) k++;
      if (k === rows.length) return -1;
      return labels.id(label, `${name}: line ${index.lines[rows[k]!]}`);
    }
  });
  const ids = new Int32Array(rows.length);
  for (let k = 0; k < rows.length; k++) ids[k] = remap[index.labels[rows[k]!]!]!;
  return ids;
}

/** Reads, splits and checks indexed classification data: prepareData for files too large to hold as examples. */
export function indexedData(options: DataOptions, extra: IndexedDataOptions = {}): IndexedData {
  const columns: LoadDatasetOptions = {
    ...(options.textColumn === undefined ? {} : { textColumn: options.textColumn }),
    ...(options.textPairColumn === undefined ? {} : { textPairColumn: options.textPairColumn }),
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
  };
  const split = options.evalSplit ?? DEFAULT_EVAL_SPLIT;
  if (!(split >= 0 && split < 1)) throw new FinetuneError(`--eval-split ${split}: must be a fraction in [0, 1)`);
  const cacheDir = extra.cacheDir ?? finetuneCacheDir();
  const description: string[] = [];
  const warnings: string[] = [];
  const main = indexFile(options.data, columns, cacheDir, description, warnings);
  const c = main.plan.columns;
  const read = `text '${c.text}'${c.textPair === undefined ? '' : `, text pair '${c.textPair}'`}, label '${c.label}'`;
  let trainRows = allRows(main.index);
  let evaluation: RowsOf | undefined;
  if (options.evalData !== undefined) {
    const other = indexFile(options.evalData, columns, cacheDir, description, warnings);
    evaluation = { name: options.evalData, index: other.index, plan: other.plan.index, rows: allRows(other.index) };
  } else if (split > 0) {
    const parts = cachedSplit(main.file, split, options.seed, () => {
      const rows = splitRows(main.index, split, options.seed);
      return { ...rows, leaked: Uint32Array.from(leakedRows(main.index, rows.train, main.index, rows.validation)) };
    });
    trainRows = parts.train;
    const name = `validation split (${(split * 100).toFixed(0)}% of ${options.data}, seed ${options.seed})`;
    evaluation = { name, index: main.index, plan: main.plan.index, rows: parts.validation, leaked: parts.leaked };
  }
  const subset = evaluation === undefined ? undefined : evalSubsetFraction(options.maxEvalSamples, evaluation.rows.length);
  if (evaluation !== undefined && subset !== undefined) {
    const { index, rows } = evaluation;
    const held = stratifiedHoldout(rows.length, (k) => index.labelNames[index.labels[rows[k]!]!]!, subset, options.seed);
    const kept = rows.filter((_, k) => held[k] === 1);
    evaluation = {
      ...evaluation,
      rows: kept,
      name: `${evaluation.name}, a subset of ${kept.length.toLocaleString('en-US')} (--max-eval-samples, seed ${options.seed})`,
    };
  } else if (evaluation !== undefined && evaluation.rows.length > LARGE_EVALUATION) {
    warnings.push(
      `${evaluation.name}: ${evaluation.rows.length.toLocaleString('en-US')} examples, each read, tokenized and scored at every evaluation; --max-eval-samples N evaluates a stratified subset`,
    );
  }
  let test: typeof evaluation;
  if (options.testData !== undefined) {
    const other = indexFile(options.testData, columns, cacheDir, description, warnings);
    test = { name: options.testData, index: other.index, plan: other.plan.index, rows: allRows(other.index) };
  }
  const trainClasses = rowClasses(main.index, trainRows);
  if (trainClasses.length < 2) {
    throw new FinetuneError(`${options.data}: only one class ('${trainClasses[0]?.label ?? ''}') in the training data; a classifier needs at least two`);
  }
  const imbalance = imbalanceWarning(trainClasses, DEFAULT_IMBALANCE_RATIO);
  if (imbalance !== undefined) warnings.push(`${options.data}: ${imbalance}`);
  const labels = LabelMap.fromLabels(trainClasses.map((c) => c.label));
  description.push(`training: ${trainRows.length.toLocaleString('en-US')} examples, ${trainClasses.length} classes: ${describeClasses(trainClasses)}`);
  const part = (p: RowsOf, file: string): IndexedPart => ({
    name: p.name,
    index: p.index,
    plan: p.plan,
    rows: p.rows,
    reader: new RowReader(file, p.index, p.plan),
    labels: classIds(p.index, p.rows, labels, file),
  });
  const train = part({ name: options.data, index: main.index, plan: main.plan.index, rows: trainRows }, options.data);
  const others: [string, typeof evaluation, string][] = [
    ['evaluation', evaluation, options.evalData ?? options.data],
    ['test', test, options.testData ?? ''],
  ];
  const parts = others.map(([what, p, file]) => {
    if (!p) return undefined;
    const made = part(p, file);
    const tail = what === 'test' ? ', scored once after training' : '';
    description.push(`${what}: ${p.rows.length.toLocaleString('en-US')} examples from ${p.name}${tail}: ${describeClasses(rowClasses(p.index, p.rows))}`);
    const leaked = p.leaked ?? leakedRows(main.index, trainRows, p.index, p.rows);
    if (leaked.length > 0) {
      const sample = made.reader.read(p.rows[leaked[0]!]!);
      const text = sample.textPair === undefined ? sample.text : `${sample.text}\t${sample.textPair}`;
      const warning = leakageWarning({ evalIndices: Array.from(leaked), trainIndices: [], texts: [text] }, p.rows.length, p.name);
      if (warning !== undefined) warnings.push(warning);
    }
    return made;
  });
  return { train, evaluation: parts[0], test: parts[1], labels, trainClasses, columns: read, description, warnings };
}

/** A part's rows as ClassificationData, tokenized per batch. */
export function indexedClassificationData(part: IndexedPart, tokenizer: TextTokenizer, maxLength: number): ClassificationData {
  return { ...indexedInputs(part.reader, part.index, part.rows, part.plan.pairAt >= 0, tokenizer, maxLength), labels: part.labels };
}
