// Names of the scalar metrics every task reports, their direction, and the aliases users type (`--metric-for-best`).

/** Every scalar metric some task reports ('loss' is the evaluation loss). */
export const METRIC_NAMES = [
  'loss',
  'accuracy',
  'f1_macro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
  'precision_weighted',
  'recall_weighted',
  'f1',
  'precision',
  'recall',
  'f1_micro',
  'precision_micro',
  'recall_micro',
  'subset_accuracy',
  'hamming_loss',
  'mse',
  'mae',
  'rmse',
  'pearson',
  'spearman',
  'perplexity',
  'tokens_per_second',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** Metrics where smaller is better; every other one grows with quality. */
const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['loss', 'hamming_loss', 'mse', 'mae', 'rmse', 'perplexity']);

/** Short forms, resolved only when the task has no metric of exactly that name (token classification's 'f1' is its own). */
const ALIASES: Readonly<Record<string, MetricName>> = {
  f1: 'f1_macro',
  macro_f1: 'f1_macro',
  precision: 'precision_macro',
  recall: 'recall_macro',
  acc: 'accuracy',
  weighted_f1: 'f1_weighted',
  micro_f1: 'f1_micro',
  eval_loss: 'loss',
  exact_match: 'subset_accuracy',
};

/**
 * The canonical name of a metric ('eval_' prefix, dashes, case and a few aliases accepted), among
 * `available` (default: every task's metrics), or undefined when it is none of them.
 */
export function normalizeMetricName(name: string, available: readonly string[] = METRIC_NAMES): string | undefined {
  const plain = name
    .trim()
    .toLowerCase()
    .replace(/-/g, '_')
    .replace(/^eval_(?!loss$)/, '');
  if (available.includes(plain)) return plain;
  const alias = ALIASES[plain];
  return alias !== undefined && available.includes(alias) ? alias : undefined;
}

/** Whether a larger value of the metric is better. */
export function greaterIsBetter(name: string): boolean {
  return !LOWER_IS_BETTER.has(normalizeMetricName(name) ?? name);
}

/** Whether `value` improves on `best` by more than `minDelta` in the metric's direction. */
export function isImprovement(name: string, value: number, best: number | null, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return greaterIsBetter(name) ? value > best + minDelta : value < best - minDelta;
}
