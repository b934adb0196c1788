// Training and evaluation examples for a run: a file or built-in data set, a given evaluation file or a stratified split, with the checks and notices.
import { loadBuiltinDataset, namesBuiltinDataset } from '../../data/builtin.js';
import { classDistribution, labelCounts } from '../../data/distribution.js';
import { LabelMap } from '../../data/labels.js';
import { findLeakage, leakageWarning } from '../../data/leakage.js';
import { loadDataset } from '../../data/load.js';
import { randomSplit, stratifiedSplit } from '../../data/split.js';
import type { ClassCount, DataReport, Example, LabelKind, LoadDatasetOptions } from '../../data/types.js';
import { FinetuneError } from '../../errors.js';

export interface DataOptions {
  /** A data file (CSV, TSV, JSONL, JSON, Parquet) or a built-in data set name. */
  readonly data: string;
  /** Validation file, which picks checkpoints and drives early stopping; default: a stratified split of the training data (of a built-in set's training split too). */
  readonly evalData?: string;
  /** Test file, evaluated once after training and reported as the test score (default: a built-in set's test split, else none). */
  readonly testData?: string;
  /** Fraction of the training data held out for validation when no evalData is given (default 0.1; 0 for none). */
  readonly evalSplit?: number;
  /** Columns, detected per file when absent; when named, they apply to both files. */
  readonly textColumn?: string;
  readonly textPairColumn?: string;
  readonly labelColumn?: string;
  /** Seed of the validation split. */
  readonly seed: number;
  /** What a label is: one class (default), a set of labels ('multi') or a number ('number'). */
  readonly labelKind?: LabelKind;
  /** Separator of labels in a multi-label text cell (default '|'). */
  readonly labelSeparator?: string;
  /** Evaluate on a subset of about this many validation examples, stratified by class, drawn by the seed (default: all). */
  readonly maxEvalSamples?: number;
}

/** The fraction of `size` validation examples that --max-eval-samples keeps, or undefined when it keeps them all. */
export function evalSubsetFraction(maxEvalSamples: number | undefined, size: number): number | undefined {
  if (maxEvalSamples === undefined) return undefined;
  if (!Number.isInteger(maxEvalSamples) || maxEvalSamples < 2) throw new FinetuneError(`--max-eval-samples ${maxEvalSamples}: must be an integer >= 2`);
  return maxEvalSamples < size ? maxEvalSamples / size : undefined;
}

export interface PreparedData {
  readonly train: Example[];
  readonly evaluation: Example[] | undefined;
  /** How the evaluation data is named in logs and the report. */
  readonly evaluationName: string | undefined;
  /** The columns read, for the report (`text 'sentence', label 'label'`; a built-in set's own words). */
  readonly columns: string;
  /** The test examples, touched once at the end (testData or a built-in set's test split). */
  readonly test: Example[] | undefined;
  readonly testName: string | undefined;
  /** The classes (or multi-label labels) in id order; LABEL_0 alone for numeric targets. */
  readonly labels: LabelMap;
  /** Training examples per class (or per label); empty for numeric targets. */
  readonly trainClasses: readonly ClassCount[];
  /** Lines describing the data (rows, drops, classes), for the log. */
  readonly description: string[];
  /** Things the user should know: drops, imbalance, leakage. */
  readonly warnings: string[];
}

/** The default share of the training data held out for validation. */
export const DEFAULT_EVAL_SPLIT = 0.1;

function describeReport(report: DataReport): string {
  const dropped = [
    report.emptyDropped > 0 ? `${report.emptyDropped} empty` : '',
    report.duplicatesDropped > 0 ? `${report.duplicatesDropped} duplicate` : '',
  ].filter((s) => s !== '');
  return (
    `${report.source}: ${report.rowsRead.toLocaleString('en-US')} rows read, ${report.examples.toLocaleString('en-US')} kept` +
    (dropped.length > 0 ? ` (${dropped.join(', ')} dropped)` : '')
  );
}

/** `neg 120 (40.0%), pos 180 (60.0%)`. */
export function describeClasses(classes: readonly ClassCount[]): string {
  return classes.map((c) => `${c.label} ${c.count.toLocaleString('en-US')} (${(c.fraction * 100).toFixed(1)}%)`).join(', ');
}

/** Loads, cleans and splits the data; every problem is a one-line FinetuneError naming the file and row. */
export async function prepareData(options: DataOptions): Promise<PreparedData> {
  const columns: LoadDatasetOptions = {
    ...(options.textColumn === undefined ? {} : { textColumn: options.textColumn }),
    ...(options.textPairColumn === undefined ? {} : { textPairColumn: options.textPairColumn }),
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
    ...(options.labelKind === undefined ? {} : { labelKind: options.labelKind }),
    ...(options.labelSeparator === undefined ? {} : { labelSeparator: options.labelSeparator }),
  };
  const kind = options.labelKind ?? 'class';
  const split = options.evalSplit ?? DEFAULT_EVAL_SPLIT;
  if (!(split >= 0 && split < 1)) throw new FinetuneError(`--eval-split ${split}: must be a fraction in [0, 1)`);
  const description: string[] = [];
  const warnings: string[] = [];
  let train: Example[];
  let evaluation: Example[] | undefined;
  let evaluationName: string | undefined;
  let test: Example[] | undefined;
  let testName: string | undefined;
  let read = `the built-in set's text and label`;
  if (namesBuiltinDataset(options.data)) {
    const builtin = await loadBuiltinDataset(options.data);
    description.push(`${builtin.name}: ${builtin.description}`, describeReport(builtin.report));
    warnings.push(...builtin.report.warnings);
    train = builtin.train;
    // The set's test split is the test: checkpoints are picked on a validation split of its training split.
    if (options.testData === undefined) {
      test = builtin.test;
      testName = `${builtin.name} (held-out test split)`;
    }
  } else {
    const loaded = await loadDataset(options.data, columns);
    const c = loaded.columns;
    read = `text '${c.text}'${c.textPair === undefined ? '' : `, text pair '${c.textPair}'`}, label '${c.label}'`;
    description.push(describeReport(loaded.report));
    warnings.push(...loaded.report.warnings);
    train = loaded.examples;
  }
  if (options.evalData !== undefined) {
    const loaded = await loadDataset(options.evalData, columns);
    description.push(describeReport(loaded.report));
    warnings.push(...loaded.report.warnings.filter((w) => !w.includes('class imbalance')));
    evaluation = loaded.examples;
    evaluationName = options.evalData;
  } else if (split > 0) {
    // Targets and label sets have no classes to stratify by: every value would be a class of its own.
    const parts = kind === 'class' ? stratifiedSplit(train, split, options.seed) : randomSplit(train, split, options.seed);
    train = parts.train;
    evaluation = parts.validation;
    evaluationName = `validation split (${(split * 100).toFixed(0)}% of ${options.data}, seed ${options.seed})`;
  }
  const subset = evaluation === undefined ? undefined : evalSubsetFraction(options.maxEvalSamples, evaluation.length);
  if (evaluation !== undefined && subset !== undefined) {
    evaluation = (kind === 'class' ? stratifiedSplit(evaluation, subset, options.seed) : randomSplit(evaluation, subset, options.seed)).validation;
    evaluationName = `${evaluationName}, a subset of ${evaluation.length.toLocaleString('en-US')} (--max-eval-samples, seed ${options.seed})`;
  }
  if (options.testData !== undefined) {
    const loaded = await loadDataset(options.testData, columns);
    description.push(describeReport(loaded.report));
    warnings.push(...loaded.report.warnings.filter((w) => !w.includes('class imbalance')));
    test = loaded.examples;
    testName = options.testData;
  }
  const sets = { train, evaluation, evaluationName, test, testName, columns: read };
  if (kind !== 'class') return finishOther(kind, sets, description, warnings);
  const trainClasses = classDistribution(train);
  if (trainClasses.length < 2) {
    throw new FinetuneError(`${options.data}: only one class ('${trainClasses[0]?.label ?? ''}') in the training data; a classifier needs at least two`);
  }
  const labels = LabelMap.fromExamples(train);
  // An evaluation label the model never saw would make the head's classes and the metrics disagree.
  if (evaluation) for (const example of evaluation) labels.id(example.label, example.origin ?? evaluationName);
  if (test) for (const example of test) labels.id(example.label, example.origin ?? testName);
  description.push(`training: ${train.length.toLocaleString('en-US')} examples, ${trainClasses.length} classes: ${describeClasses(trainClasses)}`);
  if (evaluation && evaluationName) {
    description.push(
      `evaluation: ${evaluation.length.toLocaleString('en-US')} examples from ${evaluationName}: ${describeClasses(classDistribution(evaluation))}`,
    );
    const leak = leakageWarning(findLeakage(train, evaluation), evaluation.length, evaluationName);
    if (leak !== undefined) warnings.push(leak);
  }
  if (test && testName) {
    description.push(
      `test: ${test.length.toLocaleString('en-US')} examples from ${testName}, scored once after training: ${describeClasses(classDistribution(test))}`,
    );
    const leak = leakageWarning(findLeakage(train, test), test.length, testName);
    if (leak !== undefined) warnings.push(leak);
  }
  return { ...sets, labels, trainClasses, description, warnings };
}

/** Per-label counts of multi-label examples (an example counts once for each of its labels). */
function labelDistribution(examples: readonly Example[]): ClassCount[] {
  return labelCounts(
    examples.flatMap((e) => e.labels ?? []),
    examples.length,
  );
}

/** `min 0, max 5, mean 2.61` of numeric targets. */
function describeTargets(examples: readonly Example[]): string {
  const values = examples.map((e) => e.target!);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
  return `targets from ${Math.min(...values)} to ${Math.max(...values)}, mean ${mean.toFixed(3)}`;
}

/** The examples of a run: training, validation and test, with the names of the last two. */
interface RunSets {
  readonly train: Example[];
  readonly evaluation: Example[] | undefined;
  readonly evaluationName: string | undefined;
  readonly test: Example[] | undefined;
  readonly testName: string | undefined;
  readonly columns: string;
}

/** The end of prepareData for multi-label sets and numeric targets: labels, descriptions, the evaluation check. */
function finishOther(kind: 'multi' | 'number', sets: RunSets, description: string[], warnings: string[]): PreparedData {
  const { train } = sets;
  const noun = `${train.length.toLocaleString('en-US')} examples`;
  const named = [
    ['evaluation', sets.evaluation, sets.evaluationName],
    ['test', sets.test, sets.testName],
  ] as const;
  if (kind === 'number') {
    description.push(`training: ${noun}, ${describeTargets(train)}`);
    for (const [what, examples, name] of named) {
      if (examples && name) description.push(`${what}: ${examples.length.toLocaleString('en-US')} examples from ${name}, ${describeTargets(examples)}`);
    }
    // A regression head has one output, which transformers names LABEL_0.
    return { ...sets, labels: LabelMap.fromLabels(['LABEL_0']), trainClasses: [], description, warnings };
  }
  const labels = LabelMap.fromExamples(train);
  const trainClasses = labelDistribution(train);
  description.push(`training: ${noun}, ${trainClasses.length} labels: ${describeClasses(trainClasses)}`);
  for (const [what, examples, name] of named) {
    if (!examples || !name) continue;
    // A label the model has no output for cannot be scored: name the row.
    labels.encodeMultiHot(examples);
    description.push(`${what}: ${examples.length.toLocaleString('en-US')} examples from ${name}: ${describeClasses(labelDistribution(examples))}`);
  }
  return { ...sets, labels, trainClasses, description, warnings };
}

/** Examples per class (or label) of one split, for the report. */
export interface SplitCounts {
  readonly split: string;
  readonly counts: readonly ClassCount[];
}

/** What every table-based run says about its data: the notices, the counts, and the texts (pairs included). */
export function tableDataSummary(data: PreparedData): {
  readonly description: readonly string[];
  readonly warnings: readonly string[];
  readonly evaluationName: string | undefined;
  readonly testName: string | undefined;
  readonly trainCount: number;
  readonly evalCount: number;
  readonly testCount: number;
  readonly classCounts: readonly ClassCount[];
  readonly columns: string;
  readonly splitCounts: readonly SplitCounts[];
  trainTexts(): string[];
} {
  const counts = (examples: readonly Example[]): ClassCount[] =>
    examples.some((e) => e.labels !== undefined)
      ? labelDistribution(examples)
      : examples.some((e) => e.target !== undefined)
        ? []
        : classDistribution(examples);
  const splits: [string, Example[] | undefined][] = [
    ['training', data.train],
    ['validation', data.evaluation],
    ['test', data.test],
  ];
  return {
    columns: data.columns,
    splitCounts: splits.flatMap(([split, examples]) => (examples ? [{ split, counts: counts(examples) }] : [])).filter((s) => s.counts.length > 0),
    description: data.description,
    warnings: data.warnings,
    evaluationName: data.evaluationName,
    testName: data.testName,
    trainCount: data.train.length,
    evalCount: data.evaluation?.length ?? 0,
    testCount: data.test?.length ?? 0,
    classCounts: data.trainClasses,
    trainTexts: () => data.train.flatMap((e) => (e.textPair === undefined ? [e.text] : [e.text, e.textPair])),
  };
}
