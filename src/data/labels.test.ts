// Tests of the label <-> id mapping and its config.json form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalIntegerLabels, LabelMap, sortLabels } from './labels.js';

test('integer labels keep numeric order, names are sorted by code units', () => {
  assert.deepEqual(sortLabels(['10', '2', '-1', '2', '0']), ['-1', '0', '2', '10']);
  assert.deepEqual(sortLabels(['spam', 'ham', 'Zebra', 'ham']), ['Zebra', 'ham', 'spam']);
  assert.deepEqual(sortLabels(['1', 'two']), ['1', 'two']);
  assert.deepEqual(sortLabels(['99999999999999999999', '100000000000000000000']), ['99999999999999999999', '100000000000000000000']);
});

test('integer-like spellings become canonical only when every label is integer-like', () => {
  assert.deepEqual(canonicalIntegerLabels(['1.0', '0', '+2', '007']), ['1', '0', '2', '7']);
  assert.deepEqual(canonicalIntegerLabels(['1.0', 'x']), ['1.0', 'x']);
});

test('ids follow the label order and map both ways', () => {
  const map = LabelMap.fromExamples([
    { text: 'a', label: 'spam' },
    { text: 'b', label: 'ham' },
    { text: 'c', label: 'spam' },
  ]);
  assert.deepEqual(map.labels, ['ham', 'spam']);
  assert.equal(map.size, 2);
  assert.equal(map.id('spam'), 1);
  assert.equal(map.label(0), 'ham');
  assert.ok(map.has('ham') && !map.has('eggs'));
  assert.deepEqual(
    [
      ...map.encode([
        { text: 'x', label: 'spam' },
        { text: 'y', label: 'ham' },
      ]),
    ],
    [1, 0],
  );
  assert.throws(() => map.label(2), { message: 'class id 2 is outside 0..1' });
  assert.throws(() => map.label(0.5), /class id 0.5 is outside/);
});

test('an unseen label fails naming the file, row and label', () => {
  const map = LabelMap.fromLabels(['ham', 'spam']);
  assert.throws(
    () =>
      map.encode([
        { text: 'x', label: 'ham' },
        { text: 'y', label: 'maybe', origin: 'eval.csv: line 3' },
      ]),
    {
      name: 'FinetuneError',
      message: "eval.csv: line 3: label 'maybe' is not one of the 2 training labels (ham, spam)",
    },
  );
  assert.throws(() => map.id('eggs'), { message: "data: label 'eggs' is not one of the 2 training labels (ham, spam)" });
  const many = LabelMap.fromLabels(Array.from({ length: 12 }, (_, i) => `c${String(i).padStart(2, '0')}`));
  assert.throws(() => many.id('zz', 'x.jsonl: line 9'), /12 training labels \(c00, c01, .*, c09, \.\.\.\)$/);
  assert.throws(() => LabelMap.fromLabels([]), { message: 'no labels: the data holds no labelled examples' });
});

test('the config.json form round-trips', () => {
  const map = LabelMap.fromLabels(['1', '0', '2']);
  const config = map.toConfig();
  assert.deepEqual(config, { id2label: { 0: '0', 1: '1', 2: '2' }, label2id: { 0: 0, 1: 1, 2: 2 } });
  const back = LabelMap.fromConfig(JSON.parse(JSON.stringify(config)));
  assert.deepEqual(back.labels, ['0', '1', '2']);
  // The stored order is kept even when it is not sorted.
  assert.deepEqual(LabelMap.fromConfig({ id2label: { 0: 'spam', 1: 'ham' } }).labels, ['spam', 'ham']);
});

test('a broken config mapping is refused, naming the file and key', () => {
  assert.throws(() => LabelMap.fromConfig({}, 'model/config.json'), { message: 'model/config.json: id2label is missing or not an object' });
  assert.throws(() => LabelMap.fromConfig({ id2label: {} }), { message: 'config.json: id2label is empty' });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', 2: 'b' } }), { message: "config.json: id2label key '2' is not an id in 0..1" });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', '01': 'b' } }), { message: "config.json: id2label key '01' is not an id in 0..1" });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', 1: 3 } }), { message: "config.json: id2label['1'] is not a label name" });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', 1: 'a' } }), { message: "config.json: label 'a' appears twice in id2label" });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', 1: 'b' }, label2id: { a: 1, b: 0 } }), {
    message: "config.json: label2id['a'] is 1 but id2label says 0",
  });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a', 1: 'b' }, label2id: { a: 0 } }), {
    message: 'config.json: label2id has 1 labels, id2label 2',
  });
  assert.throws(() => LabelMap.fromConfig({ id2label: { 0: 'a' }, label2id: [] }), { message: 'config.json: label2id is not an object' });
});

test('multi-label examples: labels from every set, multi-hot targets, unseen labels named', () => {
  const examples = [
    { text: 'a', label: 'economy|politics', labels: ['economy', 'politics'] },
    { text: 'b', label: '', labels: [] },
    { text: 'c', label: 'sport', labels: ['sport'], origin: 'm.csv: line 4' },
  ];
  const map = LabelMap.fromExamples(examples);
  assert.deepEqual(map.labels, ['economy', 'politics', 'sport']);
  assert.deepEqual([...map.encodeMultiHot(examples)], [1, 1, 0, 0, 0, 0, 0, 0, 1]);
  assert.throws(() => map.encodeMultiHot([{ text: 'd', label: 'art', labels: ['art'], origin: 'e.csv: line 2' }]), {
    message: "e.csv: line 2: label 'art' is not one of the 3 training labels (economy, politics, sport)",
  });
});

test('tagged sentences: tag set and ids per sentence, unseen tags named', () => {
  const sentences = [
    { tokens: ['EU', 'rejects'], tags: ['B-ORG', 'O'], origin: 'a.conll: line 1' },
    { tokens: ['Peter'], tags: ['B-PER'], origin: 'a.conll: line 4' },
  ];
  const map = LabelMap.fromSentences(sentences);
  assert.deepEqual(map.labels, ['B-ORG', 'B-PER', 'O']);
  assert.deepEqual(
    map.encodeTags(sentences).map((ids) => [...ids]),
    [[0, 2], [1]],
  );
  assert.throws(() => map.encodeTags([{ tags: ['I-LOC'], origin: 'b.conll: line 9' }]), {
    message: "b.conll: line 9: label 'I-LOC' is not one of the 3 training labels (B-ORG, B-PER, O)",
  });
});
