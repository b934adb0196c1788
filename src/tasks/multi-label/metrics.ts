// Multi-label classification metrics from per-label probabilities, streamed: counts per threshold on a fixed grid, never the probabilities.
import { FinetuneError } from '../../errors.js';

/** The thresholds counted: 0.05, 0.10, ..., 0.95. A label is predicted when its probability is strictly above the threshold. */
export const THRESHOLD_GRID: readonly number[] = Array.from({ length: 19 }, (_, k) => (k + 1) / 20);

const sameThreshold = (grid: number, value: number): boolean => Math.abs(grid - value) < 1e-9;

/** Whether `value` is a threshold the metrics count on (0.05, 0.10, ..., 0.95). */
export function isGridThreshold(value: number): boolean {
  return THRESHOLD_GRID.some((t) => sameThreshold(t, value));
}

/** Scores of one label. */
export interface LabelMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Rows where the label is true. */
  readonly support: number;
}

/**
 * Every metric at one threshold. Ratios with a zero denominator are 0, as scikit-learn's
 * zero_division=0; macro averages run over every label, those without support included.
 */
export interface MultiLabelMetrics {
  readonly threshold: number;
  readonly f1_micro: number;
  readonly precision_micro: number;
  readonly recall_micro: number;
  readonly f1_macro: number;
  readonly precision_macro: number;
  readonly recall_macro: number;
  /** Rows whose predicted label set equals the true one (scikit-learn's accuracy_score on multi-hot rows). */
  readonly subset_accuracy: number;
  /** Wrong (row, label) decisions over all of them. */
  readonly hamming_loss: number;
  readonly perLabel: readonly LabelMetrics[];
  readonly count: number;
}

/** Scalar metrics bestThreshold can maximise (hamming_loss it minimises). */
export type MultiLabelMetricName =
  | 'f1_micro'
  | 'precision_micro'
  | 'recall_micro'
  | 'f1_macro'
  | 'precision_macro'
  | 'recall_macro'
  | 'subset_accuracy'
  | 'hamming_loss';

const METRIC_NAMES: readonly MultiLabelMetricName[] = [
  'f1_micro',
  'precision_micro',
  'recall_micro',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'subset_accuracy',
  'hamming_loss',
];

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * Accumulates multi-label predictions batch by batch. Memory: per label, two histograms of the
 * grid bucket each probability falls in (by true value), and one count per threshold of the rows
 * predicted exactly; nothing grows with the number of rows.
 */
export class MultiLabelMetricsAccumulator {
  private readonly k: number;
  /** positives[label * B + m]: rows where the label is true and m thresholds lie strictly below its probability (B = grid + 1). */
  private readonly positives: Float64Array;
  private readonly negatives: Float64Array;
  /** Difference array over thresholds of the rows predicted exactly. */
  private readonly exactDelta: Float64Array;
  private rows = 0;

  constructor(readonly labels: readonly string[]) {
    if (labels.length === 0) throw new FinetuneError('multi-label metrics: no labels');
    this.k = labels.length;
    const buckets = THRESHOLD_GRID.length + 1;
    this.positives = new Float64Array(this.k * buckets);
    this.negatives = new Float64Array(this.k * buckets);
    this.exactDelta = new Float64Array(buckets);
  }

  /** Adds `rows` rows of probabilities [rows, labels] and 0/1 targets [rows, labels]. */
  add(probabilities: Float32Array, targets: Uint8Array | Float32Array, rows: number): void {
    const k = this.k;
    if (!Number.isInteger(rows) || rows < 0) throw new FinetuneError(`multi-label metrics: rows ${rows} is not a count`);
    if (probabilities.length !== rows * k || targets.length !== rows * k) {
      throw new FinetuneError(
        `multi-label metrics: ${rows} rows of ${k} labels need ${rows * k} values; got ${probabilities.length} probabilities and ${targets.length} targets`,
      );
    }
    const buckets = THRESHOLD_GRID.length + 1;
    const grid = THRESHOLD_GRID.length;
    for (let r = 0; r < rows; r++) {
      // The row is exact at threshold index j when every true label's bucket is above j and every false one's at or below it.
      let low = 0;
      let high = grid;
      for (let c = 0; c < k; c++) {
        const p = probabilities[r * k + c]!;
        const target = targets[r * k + c]!;
        if (target !== 0 && target !== 1) {
          throw new FinetuneError(`multi-label metrics: row ${this.rows + r}, label "${this.labels[c]}": target ${target}, expected 0 or 1`);
        }
        if (Number.isNaN(p)) throw new FinetuneError(`multi-label metrics: row ${this.rows + r}, label "${this.labels[c]}": probability is NaN`);
        let m = 0;
        while (m < grid && p > THRESHOLD_GRID[m]!) m++;
        if (target === 1) {
          this.positives[c * buckets + m]!++;
          high = Math.min(high, m);
        } else {
          this.negatives[c * buckets + m]!++;
          low = Math.max(low, m);
        }
      }
      if (low < high) {
        this.exactDelta[low]!++;
        this.exactDelta[high]!--;
      }
    }
    this.rows += rows;
  }

  private gridIndex(threshold: number): number {
    const index = THRESHOLD_GRID.findIndex((t) => sameThreshold(t, threshold));
    if (index < 0) throw new FinetuneError(`multi-label metrics: threshold ${threshold} is not on the grid 0.05, 0.10, ..., 0.95`);
    return index;
  }

  /** The metrics at `threshold`, one of THRESHOLD_GRID. Default: 0.5. */
  result(threshold = 0.5): MultiLabelMetrics {
    const j = this.gridIndex(threshold);
    const buckets = THRESHOLD_GRID.length + 1;
    let tpAll = 0;
    let fpAll = 0;
    let fnAll = 0;
    const perLabel = this.labels.map((label, c): LabelMetrics => {
      let tp = 0;
      let fp = 0;
      let support = 0;
      for (let m = 0; m < buckets; m++) {
        support += this.positives[c * buckets + m]!;
        // Predicted positive at threshold j when more than j thresholds lie below the probability.
        if (m > j) {
          tp += this.positives[c * buckets + m]!;
          fp += this.negatives[c * buckets + m]!;
        }
      }
      const fn = support - tp;
      tpAll += tp;
      fpAll += fp;
      fnAll += fn;
      const precision = ratio(tp, tp + fp);
      const recall = ratio(tp, support);
      return { label, precision, recall, f1: ratio(2 * tp, 2 * tp + fp + fn), support };
    });
    let exact = 0;
    for (let m = 0; m <= j; m++) exact += this.exactDelta[m]!;
    const mean = (key: 'precision' | 'recall' | 'f1'): number => perLabel.reduce((s, l) => s + l[key], 0) / perLabel.length;
    return {
      threshold: THRESHOLD_GRID[j]!,
      f1_micro: ratio(2 * tpAll, 2 * tpAll + fpAll + fnAll),
      precision_micro: ratio(tpAll, tpAll + fpAll),
      recall_micro: ratio(tpAll, tpAll + fnAll),
      f1_macro: mean('f1'),
      precision_macro: mean('precision'),
      recall_macro: mean('recall'),
      subset_accuracy: ratio(exact, this.rows),
      hamming_loss: ratio(fpAll + fnAll, this.rows * this.k),
      perLabel,
      count: this.rows,
    };
  }

  /**
   * The grid threshold with the best value of `metric` (largest; smallest for hamming_loss).
   * Ties go to the threshold nearest 0.5, then the lower one.
   */
  bestThreshold(metric: MultiLabelMetricName = 'f1_micro'): { threshold: number; value: number } {
    if (!METRIC_NAMES.includes(metric)) throw new FinetuneError(`multi-label metrics: unknown metric "${metric}"; expected one of ${METRIC_NAMES.join(', ')}`);
    const sign = metric === 'hamming_loss' ? -1 : 1;
    let best: { threshold: number; value: number } | null = null;
    for (const threshold of THRESHOLD_GRID) {
      const value = this.result(threshold)[metric];
      const better =
        best === null || sign * value > sign * best.value || (value === best.value && Math.abs(threshold - 0.5) < Math.abs(best.threshold - 0.5) - 1e-9);
      if (better) best = { threshold, value };
    }
    return best!;
  }
}
