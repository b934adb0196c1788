// Regression: one number per example (or sentence pair), mean squared error, MSE / MAE / Pearson / Spearman.
import { mseLoss } from '../../tensor/ops/losses.js';
import { Tensor } from '../../tensor/tensor.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import type { EncodedInputs, Task, TaskBatch, TaskEvaluation } from '../task.js';
import { checkMaxLength, collateInputs, encodeTexts, inputLengths, type EncodeTextOptions, type TextItem } from '../text-inputs.js';
import { RegressionMetricsAccumulator, type RegressionMetrics } from './metrics.js';

export { averageRanks, RegressionMetricsAccumulator, type RegressionMetrics } from './metrics.js';

/** Texts with a target value each. */
export interface RegressionData extends EncodedInputs {
  readonly targets: Float32Array;
}

export function encodeRegression(items: readonly TextItem[], targets: Float32Array, tokenizer: TextTokenizer, options: EncodeTextOptions): RegressionData {
  checkMaxLength(options.maxLength);
  return { ...encodeTexts(items, tokenizer, options), targets };
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(4) : String(v));

/** The regression task: a head with one output, named `labels[0]` (LABEL_0 unless the data names it). */
export function regressionTask(options: { readonly labels?: readonly string[] } = {}): Task<RegressionData, RegressionMetrics> {
  return {
    name: 'regression',
    headKind: 'sequence-classification',
    problemType: 'regression',
    labels: options.labels ?? ['LABEL_0'],
    metricNames: ['mse', 'mae', 'rmse', 'pearson', 'spearman'],
    defaultMetric: 'spearman',
    size: (data) => data.targets.length,
    lengths: inputLengths,
    collate(data, indices): TaskBatch {
      const { inputs, tokens } = collateInputs(data, indices);
      const targets = Float32Array.from(indices, (i) => data.targets[i]!);
      return { inputs, targets: new Tensor(targets, [indices.length, 1]), items: indices.length, tokens, indices };
    },
    loss: (logits, batch) => mseLoss(logits, batch.targets),
    evalLoss: (logits, batch) => [mseLoss(logits, batch.targets, 'sum').item(), batch.items],
    metrics() {
      const accumulator = new RegressionMetricsAccumulator();
      return {
        add: (logits, batch) => accumulator.add(logits.f32(), batch.targets.f32()),
        result: () => accumulator.result(),
      };
    },
    scalars: (m) => ({ mse: m.mse, mae: m.mae, rmse: m.rmse, pearson: m.pearson, spearman: m.spearman }),
    curves: [
      ['pearson', 'Pearson'],
      ['spearman', 'Spearman'],
      ['mae', 'MAE'],
    ],
    headline: ({ loss, metrics: m }) => `loss (MSE) ${fmt(loss)}, MAE ${fmt(m.mae)}, Pearson ${fmt(m.pearson)}, Spearman ${fmt(m.spearman)}`,
    describe: ({ loss, metrics: m }: TaskEvaluation<RegressionMetrics>) => [
      `loss (MSE) ${fmt(loss)}  RMSE ${fmt(m.rmse)}  MAE ${fmt(m.mae)}  (${m.count} examples)`,
      `correlation: Pearson ${fmt(m.pearson)}  Spearman ${fmt(m.spearman)}`,
    ],
    details: () => ({}),
    report: ({ loss, metrics: m }) => ({
      scores: [
        ['MSE (loss)', loss],
        ['RMSE', m.rmse],
        ['MAE', m.mae],
        ['Pearson', m.pearson],
        ['Spearman', m.spearman],
      ],
      tables: [],
    }),
  };
}
