// MultiLabelMetricsAccumulator against scikit-learn at every grid threshold (golden), streaming in uneven batches, threshold search, bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../../errors.js';
import { MultiLabelMetricsAccumulator, THRESHOLD_GRID, type MultiLabelMetricName } from './metrics.js';

interface GoldenResult extends Record<MultiLabelMetricName, number> {
  readonly threshold: number;
  readonly precision: number[];
  readonly recall: number[];
  readonly f1: number[];
  readonly support: number[];
}

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../test/golden/tasks/metrics.golden.json', import.meta.url)), 'utf8')) as {
  multiLabel: { labels: string[]; rows: number; probabilities: number[]; targets: number[]; results: GoldenResult[] };
};
const { labels, rows, results } = golden.multiLabel;
const probabilities = Float32Array.from(golden.multiLabel.probabilities);
const targets = Uint8Array.from(golden.multiLabel.targets);
const SCALARS: readonly MultiLabelMetricName[] = [
  'f1_micro',
  'precision_micro',
  'recall_micro',
  'f1_macro',
  'precision_macro',
  'recall_macro',
  'subset_accuracy',
  'hamming_loss',
];

/** Feeds the golden rows in batches of the given sizes (cycled). */
function accumulate(batchSizes: readonly number[], asFloat = false): MultiLabelMetricsAccumulator {
  const metrics = new MultiLabelMetricsAccumulator(labels);
  const k = labels.length;
  for (let r = 0, b = 0; r < rows; b++) {
    const size = Math.min(batchSizes[b % batchSizes.length]!, rows - r);
    const t = targets.subarray(r * k, (r + size) * k);
    metrics.add(probabilities.subarray(r * k, (r + size) * k), asFloat ? Float32Array.from(t) : t, size);
    r += size;
  }
  return metrics;
}

const close = (got: number, want: number, what: string): void => assert.ok(Math.abs(got - want) < 1e-12, `${what}: got ${got}, want ${want}`);

describe('MultiLabelMetricsAccumulator', () => {
  it('matches scikit-learn at every grid threshold, whatever the batch sizes', () => {
    for (const [sizes, asFloat] of [
      [[rows], false],
      [[1, 7, 32], true],
      [[0, 50], false],
    ] as const) {
      const metrics = accumulate(sizes, asFloat);
      for (const want of results) {
        const got = metrics.result(want.threshold);
        assert.equal(got.count, rows);
        for (const name of SCALARS) close(got[name], want[name], `${name} at ${want.threshold}`);
        got.perLabel.forEach((label, c) => {
          assert.equal(label.label, labels[c]);
          assert.equal(label.support, want.support[c]);
          close(label.precision, want.precision[c]!, `precision of ${label.label} at ${want.threshold}`);
          close(label.recall, want.recall[c]!, `recall of ${label.label} at ${want.threshold}`);
          close(label.f1, want.f1[c]!, `f1 of ${label.label} at ${want.threshold}`);
        });
      }
    }
  });

  it('finds the best grid threshold of a metric from the same counts', () => {
    const metrics = accumulate([64]);
    for (const name of ['f1_micro', 'f1_macro', 'subset_accuracy', 'hamming_loss'] as const) {
      const values = results.map((r) => r[name]);
      const target = name === 'hamming_loss' ? Math.min(...values) : Math.max(...values);
      const best = metrics.bestThreshold(name);
      close(best.value, target, name);
      assert.ok(THRESHOLD_GRID.includes(best.threshold));
    }
    assert.deepEqual(metrics.bestThreshold(), metrics.bestThreshold('f1_micro'));
  });

  it('breaks ties towards 0.5 and gives zeros with no rows', () => {
    const metrics = new MultiLabelMetricsAccumulator(['a', 'b']);
    // Every threshold from 0.05 to 0.85 separates these rows perfectly.
    metrics.add(Float32Array.from([0.9, 0.01, 0.02, 0.95]), Uint8Array.from([1, 0, 0, 1]), 2);
    assert.deepEqual(metrics.bestThreshold('f1_micro'), { threshold: 0.5, value: 1 });
    const empty = new MultiLabelMetricsAccumulator(['a']).result();
    assert.equal(empty.count, 0);
    assert.equal(empty.f1_micro, 0);
    assert.equal(empty.subset_accuracy, 0);
    assert.equal(empty.hamming_loss, 0);
  });

  it('predicts a label only when its probability is strictly above the threshold', () => {
    const metrics = new MultiLabelMetricsAccumulator(['a']);
    metrics.add(Float32Array.from([0.5, 0.5000001]), Uint8Array.from([1, 0]), 2);
    const at = metrics.result(0.5);
    assert.equal(at.perLabel[0]!.recall, 0);
    assert.equal(at.perLabel[0]!.precision, 0);
    assert.equal(at.hamming_loss, 1);
    assert.equal(metrics.result(0.45).perLabel[0]!.precision, 0.5);
  });

  it('rejects mismatched sizes, non-binary targets, NaN probabilities, off-grid thresholds and unknown metrics', () => {
    const metrics = new MultiLabelMetricsAccumulator(['a', 'b']);
    const fails = (fn: () => unknown, pattern: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof FinetuneError && pattern.test(e.message));
    fails(() => metrics.add(new Float32Array(4), new Uint8Array(3), 2), /2 rows of 2 labels need 4 values; got 4 probabilities and 3 targets/);
    fails(() => metrics.add(new Float32Array(2), Float32Array.from([0, 0.5]), 1), /row 0, label "b": target 0.5, expected 0 or 1/);
    fails(() => metrics.add(Float32Array.from([NaN, 0]), new Uint8Array(2), 1), /row 0, label "a": probability is NaN/);
    fails(() => metrics.add(new Float32Array(2), new Uint8Array(2), 1.5), /rows 1.5 is not a count/);
    fails(() => metrics.result(0.42), /threshold 0.42 is not on the grid/);
    fails(() => metrics.bestThreshold('loss' as MultiLabelMetricName), /unknown metric "loss"/);
    fails(() => new MultiLabelMetricsAccumulator([]), /no labels/);
  });
});
