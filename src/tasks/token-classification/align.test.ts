// alignLabels as run_ner.py's tokenize_and_align_labels, bToIMap, word offsets, and predicted tags grouped into text entities.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FinetuneError } from '../../errors.js';
import { alignLabels, bToIMap, IGNORE_INDEX, splitWordsWithOffsets, wordTagsToEntities } from './align.js';

const LABELS = ['O', 'B-PER', 'I-PER', 'B-LOC', 'B-MISC', 'I-MISC'];
const fails = (fn: () => unknown, pattern: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof FinetuneError && pattern.test(e.message));

describe('alignLabels', () => {
  // [CLS] wolf ##gang amadeus ber ##lin [SEP]: words Wolfgang (B-PER), Amadeus (I-PER), Berlin (B-LOC).
  const wordIds = [null, 0, 0, 1, 2, 2, null];
  const wordLabels = [1, 2, 3];

  it('labels the first sub-token of each word and ignores the rest and the special tokens', () => {
    assert.deepEqual([...alignLabels(wordIds, wordLabels, { labelAllTokens: false })], [-100, 1, -100, 2, 3, -100, -100]);
  });

  it('with labelAllTokens labels later sub-tokens through bToI (B-X -> I-X, identity without an I- form)', () => {
    const bToI = bToIMap(LABELS);
    assert.deepEqual([...alignLabels(wordIds, wordLabels, { labelAllTokens: true, bToI })], [-100, 1, 2, 2, 3, 3, -100]);
    assert.deepEqual([...alignLabels(wordIds, wordLabels, { labelAllTokens: true })], [-100, 1, 1, 2, 3, 3, -100]);
  });

  it('compares with the previous token even across a special token, and keeps -100 word labels', () => {
    assert.deepEqual([...alignLabels([0, null, 0], [4], { labelAllTokens: false })], [4, -100, 4]);
    assert.deepEqual([...alignLabels([null, 0, 0, 1], [IGNORE_INDEX, 1], { labelAllTokens: true, bToI: bToIMap(LABELS) })], [-100, -100, -100, 1]);
    assert.deepEqual([...alignLabels([], [], { labelAllTokens: false })], []);
  });

  it('rejects word ids past the labels, negative labels and labels outside bToI', () => {
    fails(() => alignLabels([null, 0, 1], [1], { labelAllTokens: false }), /token 2 comes from word 1, but there are 1 word labels/);
    fails(() => alignLabels([0], [-1], { labelAllTokens: false }), /word 0 has label -1, not a label id or -100/);
    fails(() => alignLabels([0, 0], [9], { labelAllTokens: true, bToI: [0, 1] }), /word 0 has label 9, outside the 2 labels of bToI/);
  });
});

describe('bToIMap', () => {
  it('maps each B- label to its I- label when the set has one', () => {
    assert.deepEqual(bToIMap(LABELS), [0, 2, 2, 3, 5, 5]);
    assert.deepEqual(bToIMap(['NOUN', 'VERB']), [0, 1]);
    // Python's str.replace replaces every "B-": B-B-X maps to I-I-X.
    assert.deepEqual(bToIMap(['B-B-X', 'I-B-X', 'I-I-X']), [2, 1, 2]);
  });
});

describe('splitWordsWithOffsets', () => {
  it('splits at whitespace with UTF-16 offsets', () => {
    assert.deepEqual(splitWordsWithOffsets('  Hi  there\tworld\n'), {
      words: ['Hi', 'there', 'world'],
      offsets: [
        [2, 4],
        [6, 11],
        [12, 17],
      ],
    });
    assert.deepEqual(splitWordsWithOffsets('😀 ok\u00a0Zürich\u3000x'), {
      words: ['😀', 'ok', 'Zürich', 'x'],
      offsets: [
        [0, 2],
        [3, 5],
        [6, 12],
        [13, 14],
      ],
    });
    assert.deepEqual(splitWordsWithOffsets(' \n '), { words: [], offsets: [] });
  });
});

describe('wordTagsToEntities', () => {
  it('groups B-X I-X runs into entities with text offsets and the mean word score', () => {
    const text = 'My name is  Wolfgang Amadeus and I live in Berlin.';
    const { words, offsets } = splitWordsWithOffsets(text);
    const tags = ['O', 'O', 'O', 'B-PER', 'I-PER', 'O', 'O', 'O', 'O', 'B-LOC'];
    const scores = [0.9, 0.9, 0.9, 0.8, 0.6, 0.9, 0.9, 0.9, 0.9, 0.95];
    assert.deepEqual(wordTagsToEntities(words, offsets, tags, scores, text), [
      { entity_group: 'PER', word: 'Wolfgang Amadeus', start: 12, end: 28, score: 0.7 },
      { entity_group: 'LOC', word: 'Berlin.', start: 43, end: 50, score: 0.95 },
    ]);
  });

  it('applies the strict rule: a stray I- is no entity, B-X I-Y ends X after one word', () => {
    const text = 'a b c d';
    const { words, offsets } = splitWordsWithOffsets(text);
    const entities = wordTagsToEntities(words, offsets, ['I-PER', 'B-PER', 'I-LOC', 'B-LOC'], [1, 0.5, 1, 0.25], text);
    assert.deepEqual(
      entities.map((e) => [e.entity_group, e.word, e.score]),
      [
        ['PER', 'b', 0.5],
        ['LOC', 'd', 0.25],
      ],
    );
  });

  it('rejects lists of different lengths and offsets outside the text', () => {
    fails(() => wordTagsToEntities(['a'], [[0, 1]], [], [1], 'a'), /1 words, 1 offsets, 0 tags and 1 scores/);
    fails(() => wordTagsToEntities(['a'], [[0, 5]], ['O'], [1], 'a'), /word 0 has offsets \[0, 5\] outside the text of 1 characters/);
  });
});
