// The data of multi-label and regression runs: label sets or numeric targets from a table, their tasks and trivial baselines.
import { headSpec, labelsFromNames } from '../../models/labels.js';
import { encodeMultiLabel, multiLabelTask, type MultiLabelData } from '../../tasks/multi-label/index.js';
import { encodeRegression, regressionTask, type RegressionData } from '../../tasks/regression/index.js';
import { RegressionMetricsAccumulator } from '../../tasks/regression/metrics.js';
import { prepareData, tableDataSummary, type DataOptions } from './prepare-data.js';
import type { RunData } from './run-data.js';

/** Multi-label data (a list or separated labels per row); `threshold` is the decision threshold the metrics use. */
export async function multiLabelRunData(options: DataOptions, threshold?: number): Promise<RunData<MultiLabelData>> {
  const data = await prepareData({ ...options, labelKind: 'multi' });
  const names = data.labels.labels;
  const task = multiLabelTask({ labels: names, ...(threshold === undefined ? {} : { threshold }) });
  return {
    task,
    head: headSpec(data.labels.toConfig(), 'sequence-classification', 'multi_label_classification'),
    ...tableDataSummary(data),
    encode(tokenizer, maxLength) {
      const size = names.length;
      const train = encodeMultiLabel(data.train, data.labels.encodeMultiHot(data.train), size, tokenizer, { maxLength, source: options.data });
      const other = (examples: typeof data.evaluation): MultiLabelData | undefined =>
        examples ? encodeMultiLabel(examples, data.labels.encodeMultiHot(examples), size, tokenizer, { maxLength }) : undefined;
      return { train, evaluation: other(data.evaluation), test: other(data.test), warnings: [] };
    },
    baseline(evaluation) {
      // Predicting no label at all: exact match on the rows that have none, F1 0.
      const rows = evaluation.targets.length / evaluation.numLabels;
      let empty = 0;
      for (let r = 0; r < rows; r++) if (evaluation.targets.subarray(r * evaluation.numLabels, (r + 1) * evaluation.numLabels).every((v) => v === 0)) empty++;
      return `no-label baseline (predict nothing): F1 micro 0.0000, exact match ${(empty / Math.max(1, rows)).toFixed(4)}`;
    },
  };
}

/** Regression data (a numeric target per row, texts or text pairs). */
export async function regressionRunData(options: DataOptions): Promise<RunData<RegressionData>> {
  const data = await prepareData({ ...options, labelKind: 'number' });
  const targetsOf = (examples: readonly { target?: number }[]): Float32Array => Float32Array.from(examples, (e) => e.target!);
  const mean = data.train.reduce((s, e) => s + e.target!, 0) / Math.max(1, data.train.length);
  return {
    task: regressionTask(),
    head: headSpec(labelsFromNames(['LABEL_0']), 'sequence-classification', 'regression'),
    ...tableDataSummary(data),
    encode(tokenizer, maxLength) {
      const train = encodeRegression(data.train, targetsOf(data.train), tokenizer, { maxLength, source: options.data });
      const other = (examples: typeof data.evaluation): RegressionData | undefined =>
        examples ? encodeRegression(examples, targetsOf(examples), tokenizer, { maxLength }) : undefined;
      return { train, evaluation: other(data.evaluation), test: other(data.test), warnings: [] };
    },
    baseline(evaluation) {
      const always = new RegressionMetricsAccumulator();
      always.add(new Float32Array(evaluation.targets.length).fill(mean), evaluation.targets);
      const m = always.result();
      return `mean baseline (always ${mean.toFixed(3)}, the training mean): MSE ${m.mse.toFixed(4)}, MAE ${m.mae.toFixed(4)}`;
    },
  };
}
