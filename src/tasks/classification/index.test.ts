// The classification task's data: tokenize once, dynamic padding, masks, segment ids, class ids, and its loss and metrics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelMap } from '../../data/labels.js';
import type { Example } from '../../data/types.js';
import { Tensor } from '../../tensor/tensor.js';
import type { Encoding, TextTokenizer } from '../../tokenizers/types.js';
import { inputLengths } from '../text-inputs.js';
import { classificationTask, encodeClassification } from './index.js';

/** Ids are word lengths + 10; [CLS] = 1, [SEP] = 2, padding = 0; the pair's segment gets type 1. */
const tokenizer: TextTokenizer = {
  padId: 0,
  vocabSize: 100,
  encode(text: string, pair?: string, options = {}): Encoding {
    const words = (s: string): number[] => s.split(' ').map((w) => 10 + w.length);
    const ids = [1, ...words(text), 2, ...(pair === undefined ? [] : [...words(pair), 2])].slice(0, options.maxLength);
    const firstLength = words(text).length + 2;
    return { ids, typeIds: ids.map((_, i) => (i < firstLength ? 0 : 1)), attentionMask: ids.map(() => 1) };
  },
  encodeBatch() {
    throw new Error('unused');
  },
  encodeWords() {
    throw new Error('unused');
  },
  tokenToId: () => undefined,
  idToToken: () => undefined,
  save: async () => {},
};

const examples: Example[] = [
  { text: 'a bb ccc', label: 'pos', origin: 'd.tsv: line 2' },
  { text: 'dddd', label: 'neg', origin: 'd.tsv: line 3' },
  { text: 'e f', label: 'pos', origin: 'd.tsv: line 4' },
];

const task = classificationTask({ labels: ['neg', 'pos'] });
const collate = task.collate;

describe('classification data and batches', () => {
  it('tokenizes once, truncates to maxLength and pads each batch to its longest example', () => {
    const labels = LabelMap.fromExamples(examples);
    const data = encodeClassification(examples, tokenizer, labels, { maxLength: 4 });
    assert.deepEqual(inputLengths(data), [4, 3, 4]);
    assert.equal(data.typeIds, null);
    assert.deepEqual([...data.labels], [1, 0, 1]);
    const batch = collate(data, [1, 0]);
    assert.deepEqual(batch.inputs.inputIds.shape, [2, 4]);
    assert.deepEqual([...batch.inputs.inputIds.data], [1, 14, 2, 0, 1, 11, 12, 13]);
    assert.deepEqual([...batch.inputs.attentionMask.data], [1, 1, 1, 0, 1, 1, 1, 1]);
    assert.equal(batch.inputs.tokenTypeIds, undefined);
    assert.deepEqual([...batch.targets.data], [0, 1]);
    assert.equal(batch.tokens, 7);
    assert.deepEqual(collate(data, [1]).inputs.inputIds.shape, [1, 3]);
  });

  it('carries segment ids for pairs and names the example with an unseen label', () => {
    const pairs: Example[] = [
      { text: 'a', textPair: 'bb', label: 'x' },
      { text: 'ccc', label: 'y' },
    ];
    const data = encodeClassification(pairs, tokenizer, LabelMap.fromExamples(pairs), { maxLength: 16 });
    assert.deepEqual([...collate(data, [0, 1]).inputs.tokenTypeIds!.data], [0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const other = LabelMap.fromLabels(['pos']);
    assert.throws(
      () => encodeClassification(examples, tokenizer, other, { maxLength: 8 }),
      /d\.tsv: line 3: label 'neg' is not one of the 1 training labels \(pos\)/,
    );
    assert.throws(() => encodeClassification(examples, tokenizer, other, { maxLength: 1 }), /max length 1 must be an integer >= 2/);
  });
});

describe('classification task', () => {
  it('streams the confusion matrix and reports the loss as the mean over examples', () => {
    const data = encodeClassification(examples, tokenizer, LabelMap.fromExamples(examples), { maxLength: 8 });
    const batch = collate(data, [0, 1, 2]);
    const logits = new Tensor(Float32Array.of(0, 1, 1, 0, 2, 0), [3, 2]);
    const stream = task.metrics();
    stream.add(logits, batch);
    const m = stream.result();
    assert.deepEqual(m.confusion, [
      [1, 0],
      [1, 1],
    ]);
    assert.equal(task.scalars(m).accuracy, 2 / 3);
    const [sum, weight] = task.evalLoss(logits, batch);
    assert.ok(Math.abs(sum / weight - task.loss(logits, batch).item()) < 1e-6);
    assert.equal(batch.items, 3);
  });
});
