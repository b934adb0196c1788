// Regression metrics streamed batch by batch: MSE, MAE, RMSE, Pearson and Spearman correlation, as scipy computes them.
import { FinetuneError } from '../../errors.js';

/** Every metric of the values added. With no values all are NaN. */
export interface RegressionMetrics {
  readonly mse: number;
  readonly mae: number;
  readonly rmse: number;
  /** NaN when either side is constant or there are fewer than 2 values (scipy warns and gives NaN for constant input). */
  readonly pearson: number;
  /** Pearson correlation of the ranks, ties sharing their mean rank (scipy.stats.spearmanr); NaN as for pearson. */
  readonly spearman: number;
  readonly count: number;
}

const INITIAL_CAPACITY = 1024;

/** Ranks 1..n of `values`, ties sharing the mean of their ranks (scipy.stats.rankdata's 'average'). */
export function averageRanks(values: Float32Array): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : 0));
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && values[order[j]!] === values[order[i]!]) j++;
    // Positions i..j-1 hold equal values: ranks i+1..j, mean (i + 1 + j) / 2.
    const rank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) ranks[order[t]!] = rank;
    i = j;
  }
  return ranks;
}

/** Pearson correlation in float64 with centred sums; NaN when either side has no spread. */
function pearsonOf(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n < 2) return NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/**
 * Accumulates predictions against targets. Errors and Pearson are streamed (Welford's co-moment
 * updates in float64, stable on large offsets); Spearman needs ranks over all values, so both are
 * kept as float32: 8 bytes per example. Targets must be finite; a NaN prediction makes every
 * metric NaN, as scipy's default nan_policy does.
 */
export class RegressionMetricsAccumulator {
  private count = 0;
  private sumSquared = 0;
  private sumAbsolute = 0;
  private meanPrediction = 0;
  private meanTarget = 0;
  /** Sums of squared deviations from the running means, and their cross product. */
  private m2Prediction = 0;
  private m2Target = 0;
  private coMoment = 0;
  private predictions = new Float32Array(INITIAL_CAPACITY);
  private targets = new Float32Array(INITIAL_CAPACITY);

  /** Adds predictions and their targets, index for index. */
  add(predictions: Float32Array, targets: Float32Array): void {
    if (predictions.length !== targets.length) {
      throw new FinetuneError(`regression metrics: ${predictions.length} predictions for ${targets.length} targets`);
    }
    for (let i = 0; i < targets.length; i++) {
      if (!Number.isFinite(targets[i]!)) throw new FinetuneError(`regression metrics: target ${this.count + i} is ${targets[i]}, not a finite number`);
    }
    this.reserve(this.count + targets.length);
    for (let i = 0; i < targets.length; i++) {
      const p = predictions[i]!;
      const t = targets[i]!;
      this.predictions[this.count] = p;
      this.targets[this.count] = t;
      this.count++;
      const error = p - t;
      this.sumSquared += error * error;
      this.sumAbsolute += Math.abs(error);
      const dp = p - this.meanPrediction;
      const dt = t - this.meanTarget;
      this.meanPrediction += dp / this.count;
      this.meanTarget += dt / this.count;
      this.m2Prediction += dp * (p - this.meanPrediction);
      this.m2Target += dt * (t - this.meanTarget);
      this.coMoment += dp * (t - this.meanTarget);
    }
  }

  private reserve(size: number): void {
    if (size <= this.predictions.length) return;
    let capacity = this.predictions.length;
    while (capacity < size) capacity *= 2;
    const grow = (old: Float32Array): Float32Array<ArrayBuffer> => {
      const next = new Float32Array(capacity);
      next.set(old.subarray(0, this.count));
      return next;
    };
    this.predictions = grow(this.predictions);
    this.targets = grow(this.targets);
  }

  result(): RegressionMetrics {
    const n = this.count;
    if (n === 0) return { mse: NaN, mae: NaN, rmse: NaN, pearson: NaN, spearman: NaN, count: 0 };
    const mse = this.sumSquared / n;
    const predictions = this.predictions.subarray(0, n);
    const hasNaN = predictions.some(Number.isNaN);
    let pearson = NaN;
    let spearman = NaN;
    if (n >= 2 && !hasNaN && this.m2Prediction > 0 && this.m2Target > 0) {
      pearson = Math.max(-1, Math.min(1, this.coMoment / Math.sqrt(this.m2Prediction * this.m2Target)));
      spearman = pearsonOf(averageRanks(predictions), averageRanks(this.targets.subarray(0, n)));
    }
    return { mse, mae: this.sumAbsolute / n, rmse: Math.sqrt(mse), pearson, spearman, count: n };
  }
}
