// Classification metrics from predictions: accuracy, precision/recall/F1 (macro, weighted, per class), confusion matrix.
import { FinetuneError } from '../errors.js';

/** Scores of one class. */
export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** How many examples truly belong to the class. */
  readonly support: number;
}

/** Every metric of one evaluation. Precision, recall and F1 of a class without predictions (or examples) are 0, as scikit-learn's zero_division=0. */
export interface ClassificationMetrics {
  readonly accuracy: number;
  readonly precision_macro: number;
  readonly recall_macro: number;
  readonly f1_macro: number;
  readonly precision_weighted: number;
  readonly recall_weighted: number;
  readonly f1_weighted: number;
  readonly perClass: readonly ClassMetrics[];
  /** confusion[true][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
  readonly count: number;
}

/** Scalar metric names (what --metric-for-best accepts; 'loss' is the evaluation loss). */
export const METRIC_NAMES = [
  'loss', 'accuracy', 'f1_macro', 'f1_weighted', 'precision_macro', 'recall_macro', 'precision_weighted', 'recall_weighted',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const ALIASES: Readonly<Record<string, MetricName>> = {
  f1: 'f1_macro', macro_f1: 'f1_macro', precision: 'precision_macro', recall: 'recall_macro', acc: 'accuracy',
  weighted_f1: 'f1_weighted', eval_loss: 'loss',
};

/** The canonical name of a metric ('eval_' prefix, dashes and a few aliases accepted), or undefined. */
export function normalizeMetricName(name: string): MetricName | undefined {
  const plain = name.trim().toLowerCase().replace(/-/g, '_').replace(/^eval_(?!loss$)/, '');
  const canonical = ALIASES[plain] ?? plain;
  return (METRIC_NAMES as readonly string[]).includes(canonical) ? (canonical as MetricName) : undefined;
}

/** Whether a larger value of the metric is better (false only for loss). */
export function greaterIsBetter(name: string): boolean {
  return normalizeMetricName(name) !== 'loss';
}

/** Whether `value` improves on `best` by more than `minDelta` in the metric's direction. */
export function isImprovement(name: string, value: number, best: number | null, minDelta = 0): boolean {
  if (!Number.isFinite(value)) return false;
  if (best === null) return true;
  return greaterIsBetter(name) ? value > best + minDelta : value < best - minDelta;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Metrics of predicted class ids against true ones; `labels[id]` names the classes. */
export function classificationMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>, labels: readonly string[]): ClassificationMetrics {
  if (predicted.length !== actual.length) {
    throw new FinetuneError(`metrics: ${predicted.length} predictions for ${actual.length} labels`);
  }
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const t = actual[i]!;
    const p = predicted[i]!;
    if (!(t >= 0 && t < k && p >= 0 && p < k)) throw new FinetuneError(`metrics: class id ${t >= 0 && t < k ? p : t} outside 0..${k - 1}`);
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const n = actual.length;
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((s, v) => s + v, 0);
    const predictedCount = confusion.reduce((s, row) => s + row[c]!, 0);
    const precision = ratio(tp, predictedCount);
    const recall = ratio(tp, support);
    return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const macro = (key: 'precision' | 'recall' | 'f1'): number => ratio(perClass.reduce((s, c) => s + c[key], 0), k);
  const weighted = (key: 'precision' | 'recall' | 'f1'): number => ratio(perClass.reduce((s, c) => s + c[key] * c.support, 0), n);
  return {
    accuracy: ratio(correct, n),
    precision_macro: macro('precision'),
    recall_macro: macro('recall'),
    f1_macro: macro('f1'),
    precision_weighted: weighted('precision'),
    recall_weighted: weighted('recall'),
    f1_weighted: weighted('f1'),
    perClass,
    confusion,
    labels,
    count: n,
  };
}

/** The scalar metrics of an evaluation, keyed as HF logs them (`eval_loss`, `eval_accuracy`, ...). */
export function scalarMetrics(metrics: ClassificationMetrics, loss: number, prefix = 'eval_'): Record<string, number> {
  const out: Record<string, number> = { [`${prefix}loss`]: loss };
  for (const name of METRIC_NAMES) if (name !== 'loss') out[`${prefix}${name}`] = metrics[name];
  return out;
}

/** The value of a canonical metric name in an evaluation. */
export function metricValue(name: MetricName, metrics: ClassificationMetrics, loss: number): number {
  return name === 'loss' ? loss : metrics[name];
}

/** Index of the largest value in each row of logits [N, C]: the predicted class ids. */
export function argmaxRows(logits: Float32Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (logits[r * cols + c]! > logits[r * cols + best]!) best = c;
    out[r] = best;
  }
  return out;
}
