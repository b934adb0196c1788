// eval_results.json: the scalar metrics as HF names them, plus per-class scores and the confusion matrix.
import type { EvaluationResult } from './evaluate.js';
import type { ClassMetrics } from './metrics.js';

export interface EvalResultsJson {
  readonly eval_loss: number;
  readonly eval_accuracy: number;
  readonly eval_f1_macro: number;
  readonly eval_f1_weighted: number;
  readonly eval_precision_macro: number;
  readonly eval_recall_macro: number;
  readonly eval_precision_weighted: number;
  readonly eval_recall_weighted: number;
  readonly eval_samples: number;
  readonly per_class: readonly ClassMetrics[];
  /** confusion_matrix[true][predicted]. */
  readonly confusion_matrix: readonly (readonly number[])[];
  readonly labels: readonly string[];
  readonly epoch?: number;
}

export function evalResultsJson(result: EvaluationResult, epoch?: number): EvalResultsJson {
  const m = result.metrics;
  return {
    eval_loss: result.loss,
    eval_accuracy: m.accuracy,
    eval_f1_macro: m.f1_macro,
    eval_f1_weighted: m.f1_weighted,
    eval_precision_macro: m.precision_macro,
    eval_recall_macro: m.recall_macro,
    eval_precision_weighted: m.precision_weighted,
    eval_recall_weighted: m.recall_weighted,
    eval_samples: m.count,
    per_class: m.perClass,
    confusion_matrix: m.confusion,
    labels: m.labels,
    ...(epoch === undefined ? {} : { epoch }),
  };
}

/** A fixed-width text table of per-class scores and the confusion matrix, for terminals. */
export function formatEvaluation(result: EvaluationResult): string[] {
  const m = result.metrics;
  const width = Math.max(5, ...m.labels.map((l) => l.length));
  const lines = [
    `loss ${result.loss.toFixed(4)}  accuracy ${m.accuracy.toFixed(4)}  (${m.count} examples)`,
    `macro:    precision ${m.precision_macro.toFixed(4)}  recall ${m.recall_macro.toFixed(4)}  F1 ${m.f1_macro.toFixed(4)}`,
    `weighted: precision ${m.precision_weighted.toFixed(4)}  recall ${m.recall_weighted.toFixed(4)}  F1 ${m.f1_weighted.toFixed(4)}`,
    `${'class'.padEnd(width)}  precision  recall      F1  support`,
    ...m.perClass.map((c) => `${c.label.padEnd(width)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4).padStart(6)}  ${String(c.support).padStart(7)}`),
    `confusion matrix (rows: true, columns: predicted):`,
    `${''.padEnd(width)}  ${m.labels.map((l) => l.padStart(Math.max(6, l.length))).join(' ')}`,
    ...m.confusion.map((row, t) => `${m.labels[t]!.padEnd(width)}  ${row.map((v, p) => String(v).padStart(Math.max(6, m.labels[p]!.length))).join(' ')}`),
  ];
  return lines;
}
