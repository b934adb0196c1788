// Tests of the train/evaluation overlap check and class distribution helpers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classDistribution, imbalanceWarning } from './distribution.js';
import { findLeakage, leakageWarning } from './leakage.js';

test('texts present in both sets are found after trimming', () => {
  const train = [
    { text: 'hello world', label: 'a' },
    { text: 'unique', label: 'b' },
    { text: '  spaced  ', label: 'a' },
  ];
  const evaluation = [
    { text: 'other', label: 'a' },
    { text: 'hello world ', label: 'b' },
    { text: 'spaced', label: 'a' },
    { text: 'hello world', label: 'a' },
  ];
  const leak = findLeakage(train, evaluation);
  assert.deepEqual(leak.evalIndices, [1, 2, 3]);
  assert.deepEqual(leak.trainIndices, [0, 2]);
  assert.deepEqual([...leak.texts].sort(), ['hello world', 'spaced']);
  assert.equal(
    leakageWarning(leak, evaluation.length, 'dev.tsv'),
    'dev.tsv: 3 of 4 examples (75.0%) also occur in the training data, e.g. "hello world"; scores on them overstate the model',
  );
});

test('pairs leak only when both texts match; no leak gives no warning', () => {
  const train = [{ text: 'q', textPair: 'a1', label: 'x' }];
  assert.deepEqual(findLeakage(train, [{ text: 'q', textPair: 'a2', label: 'x' }]).evalIndices, []);
  const leak = findLeakage(train, [{ text: 'q ', textPair: ' a1', label: 'y' }]);
  assert.deepEqual(leak.texts, ['q\ta1']);
  assert.equal(leakageWarning(findLeakage(train, []), 0), undefined);
});

test('class distribution in label order with fractions', () => {
  const classes = classDistribution([{ label: '1' }, { label: '10' }, { label: '1' }, { label: '2' }]);
  assert.deepEqual(classes, [
    { label: '1', count: 2, fraction: 0.5 },
    { label: '2', count: 1, fraction: 0.25 },
    { label: '10', count: 1, fraction: 0.25 },
  ]);
  assert.deepEqual(classDistribution([]), []);
});

test('an imbalance above the ratio is reported, naming the classes', () => {
  const classes = classDistribution([...Array(70).fill({ label: 'ham' }), ...Array(10).fill({ label: 'spam' })]);
  assert.equal(
    imbalanceWarning(classes),
    "class imbalance: 'ham' has 70 examples, 'spam' 10 (7.0 to 1, above 3); accuracy will flatter the model, watch macro F1 or use class weights",
  );
  assert.equal(imbalanceWarning(classes, 10), undefined);
  assert.equal(imbalanceWarning(classDistribution([{ label: 'a' }, { label: 'a' }, { label: 'a' }, { label: 'b' }])), undefined);
  assert.equal(imbalanceWarning(classDistribution([{ label: 'a' }])), undefined);
});
