// Metrics against hand-computed values (scikit-learn's definitions, zero_division=0), directions and name aliases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { greaterIsBetter, isImprovement, normalizeMetricName } from '../metric-names.js';
import { argmaxRows, CLASSIFICATION_METRICS, classificationMetrics, classificationScalars } from './metrics.js';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-12, `${a} != ${b}`);

describe('classificationMetrics', () => {
  it('computes accuracy, per-class, macro and weighted scores and the confusion matrix', () => {
    const actual = [0, 0, 0, 1, 1, 2, 2, 2, 2, 0];
    const predicted = [0, 1, 0, 1, 2, 2, 2, 0, 2, 0];
    const m = classificationMetrics(predicted, actual, ['a', 'b', 'c']);
    assert.deepEqual(m.confusion, [
      [3, 1, 0],
      [0, 1, 1],
      [1, 0, 3],
    ]);
    close(m.accuracy, 0.7);
    assert.deepEqual(
      m.perClass.map((c) => [c.label, c.precision, c.recall, c.f1, c.support]),
      [
        ['a', 0.75, 0.75, 0.75, 4],
        ['b', 0.5, 0.5, 0.5, 2],
        ['c', 0.75, 0.75, 0.75, 4],
      ],
    );
    close(m.f1_macro, 2 / 3);
    close(m.f1_weighted, 0.7);
    close(m.precision_macro, 2 / 3);
    close(m.recall_weighted, 0.7);
  });

  it('scores a class without predictions or examples as 0 and rejects bad ids', () => {
    const m = classificationMetrics([0, 0, 1], [0, 1, 1], ['x', 'y', 'z']);
    assert.deepEqual(m.perClass[2], { label: 'z', precision: 0, recall: 0, f1: 0, support: 0 });
    close(m.perClass[0]!.precision, 0.5);
    close(m.perClass[1]!.recall, 0.5);
    assert.throws(() => classificationMetrics([3], [0], ['x', 'y']), /class id 3 outside 0\.\.1/);
    assert.throws(() => classificationMetrics([0, 1], [0], ['x', 'y']), /2 predictions for 1 labels/);
  });

  it('names scalar metrics as HF logs them and knows their direction', () => {
    const m = classificationMetrics([0, 1], [0, 1], ['x', 'y']);
    assert.deepEqual(Object.keys(classificationScalars(m)), [
      'accuracy',
      'f1_macro',
      'f1_weighted',
      'precision_macro',
      'recall_macro',
      'precision_weighted',
      'recall_weighted',
    ]);
    assert.equal(normalizeMetricName('eval_f1', ['loss', ...CLASSIFICATION_METRICS]), 'f1_macro');
    assert.equal(normalizeMetricName('F1-Weighted'), 'f1_weighted');
    assert.equal(normalizeMetricName('eval_loss'), 'loss');
    assert.equal(normalizeMetricName('bleu'), undefined);
    assert.equal(normalizeMetricName('f1', ['accuracy', 'f1', 'f1_macro']), 'f1', "a task's own 'f1' wins over the alias");
    assert.equal(normalizeMetricName('f1', ['accuracy']), undefined);
    assert.equal(greaterIsBetter('mse'), false);
    assert.equal(greaterIsBetter('loss'), false);
    assert.equal(greaterIsBetter('accuracy'), true);
    assert.ok(isImprovement('loss', 0.4, 0.5) && !isImprovement('loss', 0.45, 0.5, 0.1));
    assert.ok(isImprovement('accuracy', 0.9, null) && !isImprovement('accuracy', NaN, null));
    assert.deepEqual([...argmaxRows(Float32Array.of(1, 3, 2, 5, 5, 0), 2, 3)], [1, 0]);
  });
});
