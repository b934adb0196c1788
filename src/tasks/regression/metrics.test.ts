// RegressionMetricsAccumulator against numpy/scipy (golden), in batches; ranks with ties; NaN for constant input; bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../../errors.js';
import { averageRanks, RegressionMetricsAccumulator } from './metrics.js';

interface GoldenCase {
  readonly name: string;
  readonly predictions: number[];
  readonly targets: number[];
  readonly mse: number;
  readonly mae: number;
  readonly rmse: number;
  readonly pearson: number | null;
  readonly spearman: number | null;
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../test/golden/tasks/metrics.golden.json', import.meta.url)), 'utf8')) as {
  regression: GoldenCase[];
};

function close(got: number, want: number | null, what: string, tolerance: number): void {
  if (want === null) assert.ok(Number.isNaN(got), `${what}: got ${got}, want NaN`);
  else assert.ok(Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want)), `${what}: got ${got}, want ${want}`);
}

describe('RegressionMetricsAccumulator', () => {
  for (const c of golden.regression) {
    it(`matches scipy on "${c.name}" fed in batches of 7`, () => {
      const metrics = new RegressionMetricsAccumulator();
      const predictions = Float32Array.from(c.predictions);
      const targets = Float32Array.from(c.targets);
      for (let i = 0; i < targets.length; i += 7) metrics.add(predictions.subarray(i, i + 7), targets.subarray(i, i + 7));
      const got = metrics.result();
      assert.equal(got.count, targets.length);
      close(got.mse, c.mse, 'mse', 1e-12);
      close(got.mae, c.mae, 'mae', 1e-12);
      close(got.rmse, c.rmse, 'rmse', 1e-12);
      close(got.pearson, c.pearson, 'pearson', 1e-10);
      close(got.spearman, c.spearman, 'spearman', 1e-12);
    });
  }

  it('grows its stored values past the initial capacity without losing any', () => {
    const n = 5000;
    const targets = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const predictions = Float32Array.from(targets, (t) => t * t * t);
    const metrics = new RegressionMetricsAccumulator();
    for (let i = 0; i < n; i += 999) metrics.add(predictions.subarray(i, i + 999), targets.subarray(i, i + 999));
    // x -> x^3 is monotone: the ranks agree exactly.
    assert.equal(metrics.result().spearman, 1);
    assert.equal(metrics.result().count, n);
  });

  it('gives NaN correlations for constant targets, one value, no values, and NaN predictions', () => {
    const constant = new RegressionMetricsAccumulator();
    constant.add(Float32Array.from([1, 2, 3]), Float32Array.from([4, 4, 4]));
    assert.ok(Number.isNaN(constant.result().pearson) && Number.isNaN(constant.result().spearman));
    assert.equal(constant.result().mse, (9 + 4 + 1) / 3);
    const one = new RegressionMetricsAccumulator();
    one.add(Float32Array.from([1]), Float32Array.from([2]));
    assert.ok(Number.isNaN(one.result().pearson));
    assert.equal(one.result().mae, 1);
    const none = new RegressionMetricsAccumulator().result();
    assert.equal(none.count, 0);
    assert.ok([none.mse, none.mae, none.rmse, none.pearson, none.spearman].every(Number.isNaN));
    const nan = new RegressionMetricsAccumulator();
    nan.add(Float32Array.from([1, NaN, 3]), Float32Array.from([1, 2, 3]));
    assert.ok(Object.values(nan.result()).slice(0, 5).every(Number.isNaN));
  });

  it('ranks ties with their mean rank, as scipy.stats.rankdata', () => {
    assert.deepEqual([...averageRanks(Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6, 5]))], [4, 1.5, 5, 1.5, 6.5, 9, 3, 8, 6.5]);
    assert.deepEqual([...averageRanks(Float32Array.from([-Infinity, Infinity, 0]))], [1, 3, 2]);
  });

  it('rejects mismatched lengths and non-finite targets, naming the example', () => {
    const metrics = new RegressionMetricsAccumulator();
    metrics.add(Float32Array.from([1, 2]), Float32Array.from([1, 2]));
    assert.throws(
      () => metrics.add(new Float32Array(2), new Float32Array(3)),
      (e: unknown) => e instanceof FinetuneError && /2 predictions for 3 targets/.test(e.message),
    );
    assert.throws(() => metrics.add(new Float32Array(2), Float32Array.from([0, NaN])), /target 3 is NaN, not a finite number/);
    assert.equal(metrics.result().count, 2);
  });
});
