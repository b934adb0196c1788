// Batch plans: every example once per epoch, seeded and length-grouped orders, evaluation batches longest first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evalBatchPlan, trainBatchPlan } from './batch-plan.js';

describe('batch plans', () => {
  const lengths = Array.from({ length: 50 }, (_, i) => 1 + (i % 7));
  it('covers every example once per epoch, repeats for the same seed and epoch, differs across epochs', () => {
    for (const grouped of [false, true]) {
      const plan = trainBatchPlan(lengths, 8, 3, 0, grouped);
      assert.deepEqual(
        plan.flat().sort((a: number, b: number) => a - b),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.deepEqual(trainBatchPlan(lengths, 8, 3, 0, grouped), plan);
      assert.notDeepEqual(trainBatchPlan(lengths, 8, 3, 1, grouped), plan);
      assert.notDeepEqual(trainBatchPlan(lengths, 8, 4, 0, grouped), plan);
    }
  });

  it('groups by length to pad less, and sorts evaluation batches longest first', () => {
    const padded = (plan: number[][]): number => plan.reduce((s, b) => s + b.length * Math.max(...b.map((i) => lengths[i]!)), 0);
    assert.ok(padded(trainBatchPlan(lengths, 8, 3, 0, true)) < padded(trainBatchPlan(lengths, 8, 3, 0, false)));
    const plan = evalBatchPlan(lengths, 20);
    assert.deepEqual(
      plan.map((b: number[]) => b.length),
      [20, 20, 10],
    );
    assert.equal(lengths[plan[0]![0]!]!, 7);
  });
});
