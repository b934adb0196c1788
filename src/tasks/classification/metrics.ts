// Classification metrics from predictions or a streamed confusion matrix: accuracy, precision/recall/F1 (macro, weighted, per class), confusion matrix.
import { FinetuneError } from '../../errors.js';

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

/** The scalar metrics of a classification, in the order logs and eval_results.json list them. */
export const CLASSIFICATION_METRICS = [
  'accuracy',
  'f1_macro',
  'f1_weighted',
  'precision_macro',
  'recall_macro',
  'precision_weighted',
  'recall_weighted',
] as const;

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Metrics of predicted class ids against true ones; `labels[id]` names the classes. */
export function classificationMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>, labels: readonly string[]): ClassificationMetrics {
  if (predicted.length !== actual.length) {
    throw new FinetuneError(`metrics: ${predicted.length} predictions for ${actual.length} labels`);
  }
  const confusion = new ConfusionMatrix(labels.length);
  for (let i = 0; i < actual.length; i++) confusion.add(actual[i]!, predicted[i]!);
  return confusion.metrics(labels);
}

/** Counts of (true, predicted) class pairs, filled as evaluation streams. */
export class ConfusionMatrix {
  /** counts[true][predicted]. */
  readonly counts: number[][];

  constructor(readonly classes: number) {
    this.counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  }

  add(actual: number, predicted: number): void {
    const k = this.classes;
    if (!(actual >= 0 && actual < k && predicted >= 0 && predicted < k)) {
      throw new FinetuneError(`metrics: class id ${actual >= 0 && actual < k ? predicted : actual} outside 0..${k - 1}`);
    }
    this.counts[actual]![predicted]!++;
  }

  /** Accuracy, per-class, macro and weighted scores. */
  metrics(labels: readonly string[]): ClassificationMetrics {
    const k = labels.length;
    const confusion = this.counts.map((row) => [...row]);
    let correct = 0;
    let n = 0;
    for (let c = 0; c < k; c++) {
      correct += confusion[c]![c]!;
      n += confusion[c]!.reduce((s, v) => s + v, 0);
    }
    const perClass: ClassMetrics[] = labels.map((label, c) => {
      const tp = confusion[c]![c]!;
      const support = confusion[c]!.reduce((s, v) => s + v, 0);
      const predictedCount = confusion.reduce((s, row) => s + row[c]!, 0);
      const precision = ratio(tp, predictedCount);
      const recall = ratio(tp, support);
      return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
    });
    const macro = (key: 'precision' | 'recall' | 'f1'): number =>
      ratio(
        perClass.reduce((s, c) => s + c[key], 0),
        k,
      );
    const weighted = (key: 'precision' | 'recall' | 'f1'): number =>
      ratio(
        perClass.reduce((s, c) => s + c[key] * c.support, 0),
        n,
      );
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
}

/** The scalar metrics of a classification, by name (without the `eval_` prefix). */
export function classificationScalars(metrics: ClassificationMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of CLASSIFICATION_METRICS) out[name] = metrics[name];
  return out;
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
