// Sentence (and sentence-pair) classification: one class per example, cross-entropy, accuracy / precision / recall / F1 and the confusion matrix.
import type { LabelMap } from '../../data/labels.js';
import type { ModelInputs, TextInputs } from '../../models/types.js';
import type { Example } from '../../data/types.js';
import { crossEntropy, type CrossEntropyOptions } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { EncodedInputs, Task, TaskBatch, TaskEvaluation } from '../task.js';
import { checkMaxLength, collateInputs, encodeTexts, inputLengths, type EncodeTextOptions } from '../text-inputs.js';
import { argmaxRows, CLASSIFICATION_METRICS, classificationScalars, ConfusionMatrix, type ClassificationMetrics } from './metrics.js';

export { argmaxRows, CLASSIFICATION_METRICS, classificationMetrics, ConfusionMatrix, type ClassMetrics, type ClassificationMetrics } from './metrics.js';

/** Texts with their class ids. */
export interface ClassificationData extends EncodedInputs {
  /** Class id per example. */
  readonly labels: Int32Array;
}

/** Tokenizes every example once and maps its label through `labels` (an unseen label fails, naming the example). */
export function encodeClassification(examples: readonly Example[], tokenizer: TextTokenizer, labels: LabelMap, options: EncodeTextOptions): ClassificationData {
  checkMaxLength(options.maxLength);
  const labelIds = labels.encode(examples);
  return { ...encodeTexts(examples, tokenizer, options), labels: labelIds };
}

export interface ClassificationTaskOptions {
  /** Class names in id order. */
  readonly labels: readonly string[];
  /** Cross-entropy options of the training loss (class weights, label smoothing); evaluation uses the same. */
  readonly loss?: Omit<CrossEntropyOptions, 'reduction'>;
}

/** A fixed-width text table of per-class scores and the confusion matrix, for terminals. */
export function formatClassification(m: ClassificationMetrics, loss: number): string[] {
  const width = Math.max(5, ...m.labels.map((l) => l.length));
  return [
    `loss ${loss.toFixed(4)}  accuracy ${m.accuracy.toFixed(4)}  (${m.count} examples)`,
    `macro:    precision ${m.precision_macro.toFixed(4)}  recall ${m.recall_macro.toFixed(4)}  F1 ${m.f1_macro.toFixed(4)}`,
    `weighted: precision ${m.precision_weighted.toFixed(4)}  recall ${m.recall_weighted.toFixed(4)}  F1 ${m.f1_weighted.toFixed(4)}`,
    `${'class'.padEnd(width)}  precision  recall      F1  support`,
    ...m.perClass.map(
      (c) =>
        `${c.label.padEnd(width)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${c.f1.toFixed(4).padStart(6)}  ${String(c.support).padStart(7)}`,
    ),
    'confusion matrix (rows: true, columns: predicted):',
    `${''.padEnd(width)}  ${m.labels.map((l) => l.padStart(Math.max(6, l.length))).join(' ')}`,
    ...m.confusion.map((row, t) => `${m.labels[t]!.padEnd(width)}  ${row.map((v, p) => String(v).padStart(Math.max(6, m.labels[p]!.length))).join(' ')}`),
  ];
}

/** What a classification task scores with, whatever its inputs: everything of a Task but its data and collate. */
export type ClassificationScoring<I extends ModelInputs = TextInputs> = Omit<
  Task<ClassificationData, ClassificationMetrics, I>,
  'name' | 'headKind' | 'size' | 'lengths' | 'collate'
>;

/** The loss, metrics and report of single-label classification over `options.labels` (shared by the text and image tasks). */
export function classificationScoring<I extends ModelInputs = TextInputs>(options: ClassificationTaskOptions): ClassificationScoring<I> {
  const labels = options.labels;
  const loss = options.loss ?? {};
  const weights = loss.classWeights?.f32() ?? null;
  return {
    problemType: 'single_label_classification',
    labels,
    metricNames: CLASSIFICATION_METRICS,
    defaultMetric: 'f1_macro',
    loss: (logits, batch) => crossEntropy(logits, batch.targets, loss),
    evalLoss(logits, batch) {
      const sum = crossEntropy(logits, batch.targets, { ...loss, reduction: 'sum' }).item();
      let weight = 0;
      for (const label of batch.targets.i32()) weight += weights ? weights[label]! : 1;
      return [sum, weight];
    },
    metrics() {
      const confusion = new ConfusionMatrix(labels.length);
      return {
        add(logits, batch) {
          const predicted = argmaxRows(logits.f32(), batch.indices.length, labels.length);
          const actual = batch.targets.i32();
          for (let i = 0; i < predicted.length; i++) confusion.add(actual[i]!, predicted[i]!);
        },
        result: () => confusion.metrics(labels),
      };
    },
    scalars: classificationScalars,
    curves: [
      ['accuracy', 'accuracy'],
      ['f1_macro', 'F1 (macro)'],
      ['precision_macro', 'precision (macro)'],
      ['recall_macro', 'recall (macro)'],
    ],
    headline: ({ loss, metrics: m }) =>
      `loss ${loss.toFixed(4)}, accuracy ${m.accuracy.toFixed(4)}, ` +
      `F1 macro ${m.f1_macro.toFixed(4)}, precision ${m.precision_macro.toFixed(4)}, recall ${m.recall_macro.toFixed(4)}`,
    report: ({ loss, metrics: m }) => ({
      scores: [
        ['loss', loss],
        ['accuracy', m.accuracy],
        ['precision (macro)', m.precision_macro],
        ['recall (macro)', m.recall_macro],
        ['F1 (macro)', m.f1_macro],
        ['precision (weighted)', m.precision_weighted],
        ['recall (weighted)', m.recall_weighted],
        ['F1 (weighted)', m.f1_weighted],
      ],
      tables: [
        {
          title: 'Per class',
          columns: ['class', 'precision', 'recall', 'F1', 'support'],
          rows: m.perClass.map((c) => [c.label, c.precision, c.recall, c.f1, String(c.support)]),
        },
        {
          title: 'Confusion matrix',
          columns: ['true \\ predicted', ...m.labels],
          rows: m.confusion.map((row, t) => [m.labels[t]!, ...row.map(String)]),
          confusion: true,
        },
      ],
    }),
    describe: (evaluation: TaskEvaluation<ClassificationMetrics>) => formatClassification(evaluation.metrics, evaluation.loss),
    details: (m) => ({ per_class: m.perClass, confusion_matrix: m.confusion, labels: m.labels }),
  };
}

/** The classification task over `options.labels`. */
export function classificationTask(options: ClassificationTaskOptions): Task<ClassificationData, ClassificationMetrics> {
  return {
    ...classificationScoring(options),
    name: 'classification',
    headKind: 'sequence-classification',
    size: (data) => data.labels.length,
    lengths: inputLengths,
    collate(data, indices): TaskBatch {
      const { inputs, tokens } = collateInputs(data, indices);
      const targets = Int32Array.from(indices, (i) => data.labels[i]!);
      return { inputs, targets: new Tensor(targets, [indices.length]), items: indices.length, tokens, indices };
    },
  };
}
