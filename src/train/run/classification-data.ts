// The data of a classification run: examples with one class each, class weights and label smoothing, the majority-class baseline.
import { classificationTask, classificationMetrics, type ClassificationData } from '../../tasks/classification/index.js';
import { tokenizerFingerprint } from '../../tokenizers/token-cache.js';
import { cachedTextInputs } from './cached-inputs.js';
import { usesRowIndex } from '../../data/row-index-plan.js';
import { indexedClassificationRunData } from './indexed-classification-data.js';
import { headSpec } from '../../models/labels.js';
import { classWeightTensor } from '../run-plan.js';
import type { TrainingArguments } from '../training-args.js';
import { prepareData, tableDataSummary, type DataOptions } from './prepare-data.js';
import type { RunData } from './run-data.js';

/** Reads, splits and checks classification data; the task carries the loss options of `args`. */
export async function classificationRunData(
  options: DataOptions,
  args: Pick<TrainingArguments, 'classWeights' | 'labelSmoothing'>,
): Promise<RunData<ClassificationData>> {
  // Large CSV/TSV files are indexed, not read into memory, so training starts before every row is tokenized.
  const indexed = (options.labelKind ?? 'class') === 'class' && usesRowIndex(options.data);
  if (indexed && [options.evalData, options.testData].every((file) => file === undefined || usesRowIndex(file, 0))) {
    return indexedClassificationRunData(options, args);
  }
  const data = await prepareData(options);
  const names = data.labels.labels;
  const weights = classWeightTensor(args.classWeights, data.labels.encode(data.train), names);
  const task = classificationTask({ labels: names, loss: { labelSmoothing: args.labelSmoothing, ...(weights ? { classWeights: weights } : {}) } });
  return {
    task,
    head: headSpec(data.labels.toConfig()),
    ...tableDataSummary(data),
    evaluationExamples: () =>
      (data.evaluation ?? []).map((e) => ({ text: e.text, ...(e.textPair === undefined ? {} : { textPair: e.textPair }), label: e.label })),
    encode(tokenizer, maxLength) {
      // Token ids come from the on-disk cache when the same texts met the same tokenizer before.
      const fingerprint = tokenizerFingerprint(tokenizer);
      const train = cachedTextInputs(data.train, tokenizer, { maxLength, source: options.data, fingerprint });
      const encoded: string[] = [...train.warnings];
      const other = (examples: typeof data.evaluation): ClassificationData | undefined => {
        if (!examples) return undefined;
        const cached = cachedTextInputs(examples, tokenizer, { maxLength, fingerprint });
        encoded.push(...cached.warnings);
        return { ...cached.inputs, labels: data.labels.encode(examples) };
      };
      return {
        train: { ...train.inputs, labels: data.labels.encode(data.train) },
        evaluation: other(data.evaluation),
        test: other(data.test),
        warnings: encoded,
      };
    },
    baseline(evaluation) {
      // What always answering the training set's most frequent class scores on the same examples.
      const majority = data.trainClasses.reduce((a, b) => (b.count > a.count ? b : a));
      const actual = evaluation.labels;
      const base = classificationMetrics(new Int32Array(actual.length).fill(data.labels.id(majority.label)), actual, names);
      return (
        `majority-class baseline (always '${majority.label}'): accuracy ${base.accuracy.toFixed(4)}, ` +
        `F1 macro ${base.f1_macro.toFixed(4)}, precision ${base.precision_macro.toFixed(4)}, recall ${base.recall_macro.toFixed(4)}`
      );
    },
  };
}
