// Tests for head labels: reading and checking id2label / label2id, defaults, and the loader's choice of labels.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkLabels, defaultLabels, hasPlaceholderNames, isDefaultLabels, labelList, labelsFromNames } from './labels.js';
import { resolveLabels } from './load.js';

describe('labels', () => {
  it('defaults and placeholders', () => {
    assert.deepEqual(defaultLabels(2), { id2label: { 0: 'LABEL_0', 1: 'LABEL_1' }, label2id: { LABEL_0: 0, LABEL_1: 1 } });
    assert.ok(isDefaultLabels(defaultLabels(2)));
    assert.ok(!isDefaultLabels(defaultLabels(3)));
    assert.ok(hasPlaceholderNames(defaultLabels(3)));
    assert.ok(!hasPlaceholderNames(labelsFromNames(['a', 'b'])));
  });

  it('checks id2label and keeps label2id as given', () => {
    const labels = checkLabels({ 1: 'pos', 0: 'neg' }, { NEG: 0, POS: 1 }, 'config.json');
    assert.deepEqual(labelList(labels), ['neg', 'pos']);
    assert.deepEqual(labels.label2id, { NEG: 0, POS: 1 });
    assert.deepEqual(checkLabels({ 0: 'a' }, undefined, 'x').label2id, { a: 0 });
    assert.throws(() => checkLabels([], undefined, 'c.json'), /c\.json: id2label must be an object/);
    assert.throws(() => checkLabels({}, undefined, 'c.json'), /c\.json: id2label is empty/);
    assert.throws(() => checkLabels({ 0: 'a', 1: 3 }, undefined, 'c.json'), /'1' is 3/);
    assert.throws(() => checkLabels({ 0: 'a' }, { a: 'zero' }, 'c.json'), /label2id 'a' must be an integer id/);
  });

  it("the loader takes the caller's labels, then config.json's, then LABEL_0..N-1", () => {
    const config = { id2label: { 0: 'neg', 1: 'neu', 2: 'pos' } };
    assert.deepEqual(labelList(resolveLabels(config, 'c', {})), ['neg', 'neu', 'pos']);
    assert.deepEqual(labelList(resolveLabels(config, 'c', { numLabels: 3 })), ['neg', 'neu', 'pos']);
    assert.deepEqual(labelList(resolveLabels(config, 'c', { numLabels: 2 })), ['LABEL_0', 'LABEL_1']);
    assert.deepEqual(labelList(resolveLabels({}, 'c', {})), ['LABEL_0', 'LABEL_1']);
    const mine = labelsFromNames(['x', 'y']);
    assert.equal(resolveLabels(config, 'c', { labels: mine }).id2label[1], 'y');
    assert.throws(() => resolveLabels(config, 'c', { labels: mine, numLabels: 3 }), /3 labels asked for, but 2 label names given/);
    assert.throws(() => resolveLabels(config, 'c', { numLabels: 0 }), /number of labels must be a positive integer, got 0/);
  });
});
