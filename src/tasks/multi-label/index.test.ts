// The multi-label task refuses a decision threshold its streamed counts do not cover, when it is made.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGridThreshold, multiLabelTask } from './index.js';

describe('multiLabelTask', () => {
  it('takes thresholds on the 0.05 grid and refuses others by value', () => {
    assert.equal(multiLabelTask({ labels: ['a', 'b'], threshold: 0.35 }).defaultMetric, 'f1_micro');
    assert.throws(
      () => multiLabelTask({ labels: ['a', 'b'], threshold: 0.33 }),
      /^FinetuneError: threshold 0\.33: must be one of 0\.05, 0\.10, \.\.\., 0\.95$/,
    );
    assert.ok(isGridThreshold(0.3) && !isGridThreshold(0.31));
  });
});
