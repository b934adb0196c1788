// Tokenize-once data sets and batches: dynamic padding, masks, segment ids, seeded and length-grouped plans.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelMap } from '../data/labels.js';
import type { Example } from '../data/types.js';
import type { Encoding, TextTokenizer } from '../tokenizers/types.js';
import { collate, encodeDataset, evalBatchPlan, exampleLengths, trainBatchPlan } from './collate.js';

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
  encodeBatch() { throw new Error('unused'); },
  encodeWords() { throw new Error('unused'); },
  tokenToId: () => undefined,
  idToToken: () => undefined,
  save: async () => {},
};

const examples: Example[] = [
  { text: 'a bb ccc', label: 'pos', origin: 'd.tsv: line 2' },
  { text: 'dddd', label: 'neg', origin: 'd.tsv: line 3' },
  { text: 'e f', label: 'pos', origin: 'd.tsv: line 4' },
];

describe('encodeDataset and collate', () => {
  it('tokenizes once, truncates to maxLength and pads each batch to its longest example', () => {
    const labels = LabelMap.fromExamples(examples);
    const data = encodeDataset(examples, tokenizer, labels, { maxLength: 4 });
    assert.deepEqual(exampleLengths(data), [4, 3, 4]);
    assert.equal(data.typeIds, null);
    assert.deepEqual([...data.labels], [1, 0, 1]);
    const batch = collate(data, [1, 0]);
    assert.deepEqual(batch.inputs.inputIds.shape, [2, 4]);
    assert.deepEqual([...batch.inputs.inputIds.data], [1, 14, 2, 0, 1, 11, 12, 13]);
    assert.deepEqual([...batch.inputs.attentionMask.data], [1, 1, 1, 0, 1, 1, 1, 1]);
    assert.equal(batch.inputs.tokenTypeIds, undefined);
    assert.deepEqual([...batch.labels.data], [0, 1]);
    assert.equal(batch.tokens, 7);
    assert.deepEqual(collate(data, [1]).inputs.inputIds.shape, [1, 3]);
  });

  it('carries segment ids for pairs and names the example with an unseen label', () => {
    const pairs: Example[] = [{ text: 'a', textPair: 'bb', label: 'x' }, { text: 'ccc', label: 'y' }];
    const data = encodeDataset(pairs, tokenizer, LabelMap.fromExamples(pairs), { maxLength: 16 });
    assert.deepEqual([...collate(data, [0, 1]).inputs.tokenTypeIds!.data], [0, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    const other = LabelMap.fromLabels(['pos']);
    assert.throws(() => encodeDataset(examples, tokenizer, other, { maxLength: 8 }), /d\.tsv: line 3: label 'neg' is not one of the 1 training labels \(pos\)/);
    assert.throws(() => encodeDataset(examples, tokenizer, other, { maxLength: 1 }), /max length 1 must be an integer >= 2/);
  });
});

describe('batch plans', () => {
  const data = { inputIds: Array.from({ length: 50 }, (_, i) => new Int32Array(1 + (i % 7))), typeIds: null, labels: new Int32Array(50), padId: 0 };
  it('covers every example once per epoch, repeats for the same seed and epoch, differs across epochs', () => {
    for (const grouped of [false, true]) {
      const plan = trainBatchPlan(data, 8, 3, 0, grouped);
      assert.deepEqual(plan.flat().sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
      assert.deepEqual(trainBatchPlan(data, 8, 3, 0, grouped), plan);
      assert.notDeepEqual(trainBatchPlan(data, 8, 3, 1, grouped), plan);
      assert.notDeepEqual(trainBatchPlan(data, 8, 4, 0, grouped), plan);
    }
  });

  it('groups by length to pad less, and sorts evaluation batches longest first', () => {
    const padded = (plan: number[][]): number =>
      plan.reduce((s, b) => s + b.length * Math.max(...b.map((i) => data.inputIds[i]!.length)), 0);
    assert.ok(padded(trainBatchPlan(data, 8, 3, 0, true)) < padded(trainBatchPlan(data, 8, 3, 0, false)));
    const plan = evalBatchPlan(exampleLengths(data), 20);
    assert.deepEqual(plan.map((b) => b.length), [20, 20, 10]);
    assert.equal(data.inputIds[plan[0]![0]!]!.length, 7);
  });
});
