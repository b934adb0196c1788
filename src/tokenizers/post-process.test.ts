// Truncation (longest first) and special-token layouts of the post-processors tokenizer.json can name.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FinetuneError } from '../errors.js';
import { bertTemplate, postProcess, specialTokenCount, truncateLongestFirst, type PostProcessorJson, type TokenSequence } from './post-process.js';

function sequence(length: number, first = 100): TokenSequence {
  const ids = Array.from({ length }, (_, i) => first + i);
  return { ids, tokens: ids.map(String) };
}

const BERT_TEMPLATE = bertTemplate('[CLS]', 2, '[SEP]', 3);
const ROBERTA: PostProcessorJson = { type: 'RobertaProcessing', cls: ['<s>', 0], sep: ['</s>', 2] };

describe('truncateLongestFirst', () => {
  it('matches the tokenizers table for max length 7', () => {
    const sizes = [0, 2, 4, 8];
    // [first length, second length] -> kept lengths, from tokenizers' own truncation tests.
    const expected: Record<string, [number, number]> = {
      '0,0': [0, 0],
      '0,2': [0, 2],
      '0,4': [0, 4],
      '0,8': [0, 7],
      '2,0': [2, 0],
      '2,2': [2, 2],
      '2,4': [2, 4],
      '2,8': [2, 5],
      '4,0': [4, 0],
      '4,2': [4, 2],
      '4,4': [3, 4],
      '4,8': [3, 4],
      '8,0': [7, 0],
      '8,2': [5, 2],
      '8,4': [4, 3],
      '8,8': [3, 4],
    };
    for (const a of sizes) {
      for (const b of sizes) {
        const [x, y] = truncateLongestFirst(sequence(a), sequence(b), 7);
        assert.deepEqual([x.ids.length, y!.ids.length], expected[`${a},${b}`], `${a},${b}`);
      }
    }
  });

  it('gives the longer side the odd id when both are cut to half, and cuts a single text on the right', () => {
    assert.deepEqual(
      truncateLongestFirst(sequence(20), sequence(10), 9).map((s) => s!.ids.length),
      [5, 4],
    );
    assert.deepEqual(
      truncateLongestFirst(sequence(10), sequence(20), 9).map((s) => s!.ids.length),
      [4, 5],
    );
    assert.deepEqual(truncateLongestFirst(sequence(5), undefined, 3)[0].ids, [100, 101, 102]);
  });
});

describe('postProcess', () => {
  const options = { maxLength: undefined, addSpecialTokens: true, source: 'test' };

  it('lays out a BERT template with segment ids and counts its special tokens', () => {
    const single = postProcess(BERT_TEMPLATE, sequence(2), undefined, options);
    assert.deepEqual(single.ids, [2, 100, 101, 3]);
    assert.deepEqual(single.typeIds, [0, 0, 0, 0]);
    assert.deepEqual(single.tokens, ['[CLS]', '100', '101', '[SEP]']);
    const pair = postProcess(BERT_TEMPLATE, sequence(1), sequence(2, 200), options);
    assert.deepEqual(pair.ids, [2, 100, 3, 200, 201, 3]);
    assert.deepEqual(pair.typeIds, [0, 0, 0, 1, 1, 1]);
    assert.deepEqual(pair.attentionMask, [1, 1, 1, 1, 1, 1]);
    assert.equal(specialTokenCount(BERT_TEMPLATE, false), 2);
    assert.equal(specialTokenCount(BERT_TEMPLATE, true), 3);
  });

  it('keeps template segment ids without special tokens, as tokenizers does', () => {
    const pair = postProcess(BERT_TEMPLATE, sequence(1), sequence(2, 200), { ...options, addSpecialTokens: false });
    assert.deepEqual(pair.ids, [100, 200, 201]);
    assert.deepEqual(pair.typeIds, [0, 1, 1]);
  });

  it('lays out RoBERTa pairs as <s> A </s></s> B </s> with every segment id 0', () => {
    const pair = postProcess(ROBERTA, sequence(1), sequence(1, 200), options);
    assert.deepEqual(pair.ids, [0, 100, 2, 2, 200, 2]);
    assert.deepEqual(pair.typeIds, [0, 0, 0, 0, 0, 0]);
    assert.equal(specialTokenCount(ROBERTA, true), 4);
    const bare = postProcess(ROBERTA, sequence(1), sequence(1, 200), { ...options, addSpecialTokens: false });
    assert.deepEqual(
      [bare.ids, bare.typeIds],
      [
        [100, 200],
        [0, 0],
      ],
    );
  });

  it('lays out BertProcessing and the last processor of a Sequence; no processor concatenates', () => {
    const bert: PostProcessorJson = { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] };
    const pair = postProcess(bert, sequence(1), sequence(1, 200), options);
    assert.deepEqual(
      [pair.ids, pair.typeIds],
      [
        [2, 100, 3, 200, 3],
        [0, 0, 0, 1, 1],
      ],
    );
    const chained = postProcess({ type: 'Sequence', processors: [{ type: 'ByteLevel' }, ROBERTA] }, sequence(1), undefined, options);
    assert.deepEqual(chained.ids, [0, 100, 2]);
    const none = postProcess(null, sequence(1), sequence(1, 200), options);
    assert.deepEqual(
      [none.ids, none.typeIds],
      [
        [100, 200],
        [0, 0],
      ],
    );
  });

  it('truncates before adding special tokens, leaving room for them', () => {
    const encoding = postProcess(BERT_TEMPLATE, sequence(10), sequence(10, 200), { ...options, maxLength: 9 });
    assert.deepEqual(encoding.ids, [2, 100, 101, 102, 3, 200, 201, 202, 3]);
  });

  it('rejects a max length that cannot hold the special tokens', () => {
    assert.throws(
      () => postProcess(BERT_TEMPLATE, sequence(3), sequence(3), { ...options, maxLength: 2 }),
      (error: unknown) => error instanceof FinetuneError && /test: maxLength 2 must be an integer of at least 3/.test(error.message),
    );
    assert.throws(() => postProcess(BERT_TEMPLATE, sequence(3), undefined, { ...options, maxLength: 4.5 }), /maxLength 4.5 must be an integer/);
    assert.deepEqual(postProcess(BERT_TEMPLATE, sequence(3), undefined, { ...options, maxLength: 2 }).ids, [2, 3]);
  });
});
