// classificationRunData for large CSV/TSV files: the run data of a row index, its rows tokenized per batch instead of all before step 1.
import { headSpec } from '../../models/labels.js';
import { classificationMetrics, classificationTask, type ClassificationData } from '../../tasks/classification/index.js';
import { classWeightTensor } from '../run-plan.js';
import type { TrainingArguments } from '../training-args.js';
import { indexedClassificationData, indexedData, REPORT_EXAMPLES, type IndexedDataOptions, type IndexedPart } from './indexed-data.js';
import type { DataOptions } from './prepare-data.js';
import type { RunData } from './run-data.js';

/** Every text (and pair) of some indexed rows, read from the file. */
function partTexts(part: IndexedPart, limit = part.rows.length): { text: string; textPair?: string; label: string }[] {
  const names = part.index.labelNames;
  const out: { text: string; textPair?: string; label: string }[] = [];
  for (let k = 0; k < Math.min(limit, part.rows.length); k++) {
    const row = part.reader.read(part.rows[k]!);
    out.push({ text: row.text, ...(row.textPair === undefined ? {} : { textPair: row.textPair }), label: names[part.index.labels[part.rows[k]!]!]! });
  }
  return out;
}

/** Reads, splits and checks an indexed classification data set; the task carries the loss options of `args`. */
export function indexedClassificationRunData(
  options: DataOptions,
  args: Pick<TrainingArguments, 'classWeights' | 'labelSmoothing'>,
  extra: IndexedDataOptions = {},
): RunData<ClassificationData> {
  const data = indexedData(options, extra);
  const names = data.labels.labels;
  const weights = classWeightTensor(args.classWeights, data.train.labels, names);
  const task = classificationTask({ labels: names, loss: { labelSmoothing: args.labelSmoothing, ...(weights ? { classWeights: weights } : {}) } });
  const splits: [string, IndexedPart | undefined][] = [
    ['training', data.train],
    ['validation', data.evaluation],
    ['test', data.test],
  ];
  return {
    task,
    head: headSpec(data.labels.toConfig()),
    description: data.description,
    warnings: data.warnings,
    evaluationName: data.evaluation?.name,
    testName: data.test?.name,
    trainCount: data.train.rows.length,
    evalCount: data.evaluation?.rows.length ?? 0,
    testCount: data.test?.rows.length ?? 0,
    classCounts: data.trainClasses,
    columns: data.columns,
    splitCounts: splits.flatMap(([split, part]) => {
      if (!part) return [];
      const counts = new Float64Array(names.length);
      for (const id of part.labels) counts[id]!++;
      return [
        {
          split,
          counts: names.map((label, id) => ({ label, count: counts[id]!, fraction: counts[id]! / Math.max(1, part.rows.length) })).filter((c) => c.count > 0),
        },
      ];
    }),
    // The report predicts these once more: a bounded share of a validation split of millions.
    evaluationExamples: () => (data.evaluation ? partTexts(data.evaluation, REPORT_EXAMPLES) : []),
    trainTexts: () => partTexts(data.train).flatMap((e) => (e.textPair === undefined ? [e.text] : [e.text, e.textPair])),
    encode(tokenizer, maxLength) {
      const encode = (part: IndexedPart | undefined): ClassificationData | undefined =>
        part ? indexedClassificationData(part, tokenizer, maxLength) : undefined;
      return { train: encode(data.train)!, evaluation: encode(data.evaluation), test: encode(data.test), warnings: [] };
    },
    baseline(evaluation) {
      // What always answering the training set's most frequent class scores on the same examples.
      const majority = data.trainClasses.reduce((a, b) => (b.count > a.count ? b : a));
      const base = classificationMetrics(new Int32Array(evaluation.labels.length).fill(data.labels.id(majority.label)), evaluation.labels, names);
      return (
        `majority-class baseline (always '${majority.label}'): accuracy ${base.accuracy.toFixed(4)}, ` +
        `F1 macro ${base.f1_macro.toFixed(4)}, precision ${base.precision_macro.toFixed(4)}, recall ${base.recall_macro.toFixed(4)}`
      );
    },
  };
}
