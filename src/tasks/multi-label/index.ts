// Multi-label classification: any number of labels per example, sigmoid + binary cross-entropy, F1 at a decision threshold tuned on validation.
import { FinetuneError } from '../../errors.js';
import { binaryCrossEntropyWithLogits } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { EncodedInputs, Task, TaskBatch, TaskEvaluation } from '../task.js';
import { checkMaxLength, collateInputs, encodeTexts, inputLengths, type EncodeTextOptions, type TextItem } from '../text-inputs.js';
import { isGridThreshold, MultiLabelMetricsAccumulator, type MultiLabelMetrics } from './metrics.js';

export { isGridThreshold, MultiLabelMetricsAccumulator, THRESHOLD_GRID, type LabelMetrics, type MultiLabelMetrics } from './metrics.js';

/** Texts with a multi-hot row of targets each. */
export interface MultiLabelData extends EncodedInputs {
  /** [N, L] row-major: 1 where the example has the label. */
  readonly targets: Float32Array;
  readonly numLabels: number;
}

/** Tokenizes the texts; `targets` is the multi-hot [N, L] the data layer made (LabelMap.encodeMultiHot). */
export function encodeMultiLabel(
  items: readonly TextItem[],
  targets: Float32Array,
  numLabels: number,
  tokenizer: TextTokenizer,
  options: EncodeTextOptions,
): MultiLabelData {
  checkMaxLength(options.maxLength);
  return { ...encodeTexts(items, tokenizer, options), targets, numLabels };
}

/** The metrics at the chosen threshold, and the grid threshold that maximises micro F1 on the same data. */
export interface MultiLabelEvaluation extends MultiLabelMetrics {
  readonly best: { readonly threshold: number; readonly f1_micro: number };
}

export interface MultiLabelTaskOptions {
  readonly labels: readonly string[];
  /** Probability above which a label is predicted (default 0.5; a multiple of 0.05, the grid the metrics count on). */
  readonly threshold?: number;
}

/** The multi-label task over `options.labels`. */
export function multiLabelTask(options: MultiLabelTaskOptions): Task<MultiLabelData, MultiLabelEvaluation> {
  const { labels } = options;
  const threshold = options.threshold ?? 0.5;
  // Checked here, once, rather than when the first evaluation asks the metrics for it.
  if (!isGridThreshold(threshold)) throw new FinetuneError(`threshold ${threshold}: must be one of 0.05, 0.10, ..., 0.95`);
  const l = labels.length;
  return {
    name: 'multi-label',
    headKind: 'sequence-classification',
    problemType: 'multi_label_classification',
    labels,
    metricNames: ['f1_micro', 'f1_macro', 'precision_micro', 'recall_micro', 'precision_macro', 'recall_macro', 'subset_accuracy', 'hamming_loss'],
    defaultMetric: 'f1_micro',
    size: (data) => data.targets.length / data.numLabels,
    lengths: inputLengths,
    collate(data, indices): TaskBatch {
      const { inputs, tokens } = collateInputs(data, indices);
      const targets = new Float32Array(indices.length * l);
      indices.forEach((index, row) => targets.set(data.targets.subarray(index * l, (index + 1) * l), row * l));
      return { inputs, targets: new Tensor(targets, [indices.length, l]), items: indices.length, tokens, indices };
    },
    // transformers averages over every (example, label) element: a batch's items are its examples times L alike.
    loss: (logits, batch) => binaryCrossEntropyWithLogits(logits, batch.targets),
    evalLoss: (logits, batch) => [binaryCrossEntropyWithLogits(logits, batch.targets, 'sum').item() / l, batch.items],
    metrics() {
      const accumulator = new MultiLabelMetricsAccumulator(labels);
      return {
        add(logits, batch) {
          const probabilities = logits.f32().map((v) => 1 / (1 + Math.exp(-v)));
          accumulator.add(probabilities, batch.targets.f32(), batch.indices.length);
        },
        result() {
          const best = accumulator.bestThreshold('f1_micro');
          return { ...accumulator.result(threshold), best: { threshold: best.threshold, f1_micro: best.value } };
        },
      };
    },
    scalars: (m) => ({
      f1_micro: m.f1_micro,
      f1_macro: m.f1_macro,
      precision_micro: m.precision_micro,
      recall_micro: m.recall_micro,
      precision_macro: m.precision_macro,
      recall_macro: m.recall_macro,
      subset_accuracy: m.subset_accuracy,
      hamming_loss: m.hamming_loss,
    }),
    curves: [
      ['f1_micro', 'F1 (micro)'],
      ['f1_macro', 'F1 (macro)'],
      ['subset_accuracy', 'exact match'],
      ['hamming_loss', 'Hamming loss'],
    ],
    headline: ({ loss, metrics: m }) =>
      `loss ${loss.toFixed(4)}, F1 micro ${m.f1_micro.toFixed(4)}, F1 macro ${m.f1_macro.toFixed(4)}, ` +
      `exact match ${m.subset_accuracy.toFixed(4)} (threshold ${m.threshold}; best ${m.best.threshold} gives F1 micro ${m.best.f1_micro.toFixed(4)})`,
    describe(evaluation: TaskEvaluation<MultiLabelEvaluation>) {
      const m = evaluation.metrics;
      const width = Math.max(5, ...labels.map((x) => x.length));
      return [
        `loss ${evaluation.loss.toFixed(4)}  exact match ${m.subset_accuracy.toFixed(4)}  Hamming loss ${m.hamming_loss.toFixed(4)}  (${m.count} examples, threshold ${m.threshold})`,
        `micro: precision ${m.precision_micro.toFixed(4)}  recall ${m.recall_micro.toFixed(4)}  F1 ${m.f1_micro.toFixed(4)}`,
        `macro: precision ${m.precision_macro.toFixed(4)}  recall ${m.recall_macro.toFixed(4)}  F1 ${m.f1_macro.toFixed(4)}`,
        `best threshold on this data: ${m.best.threshold} (F1 micro ${m.best.f1_micro.toFixed(4)})`,
        `${'label'.padEnd(width)}  precision  recall      F1  support`,
        ...m.perLabel.map(
          (c) =>
            `${c.label.padEnd(width)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4).padStart(6)}  ${String(c.support).padStart(7)}`,
        ),
      ];
    },
    details: (m) => ({ threshold: m.threshold, best_threshold: m.best.threshold, best_threshold_f1_micro: m.best.f1_micro, per_label: m.perLabel, labels }),
    report: ({ loss, metrics: m }) => ({
      scores: [
        ['loss', loss],
        ['F1 (micro)', m.f1_micro],
        ['F1 (macro)', m.f1_macro],
        ['precision (micro)', m.precision_micro],
        ['recall (micro)', m.recall_micro],
        ['exact match', m.subset_accuracy],
        ['Hamming loss', m.hamming_loss],
        ['decision threshold', m.threshold],
        ['best threshold (F1 micro)', m.best.threshold],
      ],
      tables: [
        {
          title: `Per label (threshold ${m.threshold})`,
          columns: ['label', 'precision', 'recall', 'F1', 'support'],
          rows: m.perLabel.map((c) => [c.label, c.precision, c.recall, c.f1, String(c.support)]),
        },
      ],
    }),
  };
}
