// Strict IOB2 entity metrics: cases worked out from seqeval's scheme.py and metrics/v1.py, a literal port as oracle, plain tag sets, bad input.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FinetuneError } from '../../errors.js';
import { EntityMetricsAccumulator, iob2Entities, isIob2TagSet, type EntityMetrics } from './seqeval.js';

function metricsOf(truth: string[][], predicted: string[][], labels?: string[]): EntityMetrics {
  const accumulator = new EntityMetricsAccumulator(labels === undefined ? {} : { labels });
  truth.forEach((tags, i) => accumulator.add(tags, predicted[i]!));
  return accumulator.result();
}

/**
 * seqeval's Tokens.entities for IOB2, transcribed pattern for pattern (start, inside and end
 * patterns over prefix and same/different type, with an O sentinel), to check the direct form.
 */
function seqevalEntities(tags: readonly string[]): string[] {
  type Tok = { prefix: string; tag: string };
  const tok = (t: string): Tok => ({ prefix: t[0]!, tag: t.slice(1).replace(/^-+|-+$/g, '') || '_' });
  const tokens = [...tags.map(tok), tok('O')];
  const isStart = (cur: Tok): boolean => cur.prefix === 'B';
  const isInside = (prev: Tok, cur: Tok): boolean => (prev.prefix === 'B' || prev.prefix === 'I') && cur.prefix === 'I' && prev.tag === cur.tag;
  const isEnd = (prev: Tok, cur: Tok): boolean =>
    (prev.prefix === 'I' && cur.prefix === 'O') ||
    (prev.prefix === 'I' && cur.prefix === 'I' && prev.tag !== cur.tag) ||
    (prev.prefix === 'I' && cur.prefix === 'B') ||
    (prev.prefix === 'B' && cur.prefix === 'O') ||
    (prev.prefix === 'B' && cur.prefix === 'I' && prev.tag !== cur.tag) ||
    (prev.prefix === 'B' && cur.prefix === 'B');
  const out: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    if (isStart(token)) {
      let end = i + 1;
      let prev = token;
      while (end < tokens.length && isInside(prev, tokens[end]!)) prev = tokens[end++]!;
      if (isEnd(tokens[end - 1]!, tokens[end]!)) out.push(`${token.tag}:${i}:${end}`);
      i = end;
    } else {
      i++;
    }
  }
  return out;
}

describe('iob2Entities', () => {
  it('finds entities as seqeval strict IOB2 does', () => {
    const show = (tags: string[]): string[] => iob2Entities(tags).map((e) => `${e.type}:${e.start}:${e.end}`);
    assert.deepEqual(show(['B-PER', 'I-PER', 'O', 'B-LOC']), ['PER:0:2', 'LOC:3:4']);
    // An I- without its B- is no entity; B-X I-Y is an X entity of one token, then nothing.
    assert.deepEqual(show(['I-PER', 'I-PER', 'O']), []);
    assert.deepEqual(show(['B-PER', 'I-LOC', 'I-LOC']), ['PER:0:1']);
    assert.deepEqual(show(['B-PER', 'B-PER', 'I-PER']), ['PER:0:1', 'PER:1:3']);
    assert.deepEqual(show(['O', 'B-MISC', 'I-MISC', 'I-MISC']), ['MISC:1:4']);
    // seqeval strips the dashes around the type and names an empty one "_".
    assert.deepEqual(show(['B-', 'I-', 'B--X-', 'I-X']), ['_:0:2', 'X:2:4']);
  });

  it('agrees with a literal transcription of seqeval on 3,000 random sequences', () => {
    const alphabet = ['O', 'B-A', 'I-A', 'B-B', 'I-B', 'I-C'];
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let n = 0; n < 3000; n++) {
      const tags = Array.from({ length: Math.floor(next() * 12) }, () => alphabet[Math.floor(next() * alphabet.length)]!);
      assert.deepEqual(
        iob2Entities(tags).map((e) => `${e.type}:${e.start}:${e.end}`),
        seqevalEntities(tags),
        tags.join(' '),
      );
    }
  });

  it('calls a tag set IOB2 only when every tag is O, B-x or I-x and one is B-', () => {
    assert.equal(isIob2TagSet(['O', 'B-PER', 'I-PER']), true);
    assert.equal(isIob2TagSet(['B-PER']), true);
    assert.equal(isIob2TagSet(['O', 'I-PER']), false);
    assert.equal(isIob2TagSet(['NOUN', 'VERB', 'INTJ']), false);
    assert.equal(isIob2TagSet(['O', 'B-PER', 'MISC']), false);
  });
});

describe('EntityMetricsAccumulator', () => {
  it('reproduces the classification_report example of seqeval v1 (strict, IOB2)', () => {
    const m = metricsOf(
      [
        ['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'],
        ['B-PER', 'I-PER', 'O'],
      ],
      [
        ['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'],
        ['B-PER', 'I-PER', 'O'],
      ],
    );
    assert.equal(m.scheme, 'IOB2');
    assert.deepEqual(m.perType, [
      { type: 'MISC', precision: 0, recall: 0, f1: 0, support: 1 },
      { type: 'PER', precision: 1, recall: 1, f1: 1, support: 1 },
    ]);
    assert.deepEqual([m.precision, m.recall, m.f1], [0.5, 0.5, 0.5]);
    assert.deepEqual([m.precision_macro, m.recall_macro, m.f1_macro], [0.5, 0.5, 0.5]);
    assert.equal(m.accuracy, 0.8);
    assert.deepEqual([m.tokens, m.sentences], [10, 2]);
    assert.deepEqual(m.warnings, []);
  });

  it('counts no entity for a stray I- (the README example: default mode finds NP, strict does not)', () => {
    const m = metricsOf([['B-NP', 'I-NP', 'O']], [['I-NP', 'I-NP', 'O']]);
    assert.deepEqual(m.perType, [{ type: 'NP', precision: 0, recall: 0, f1: 0, support: 1 }]);
    assert.deepEqual([m.precision, m.recall, m.f1], [0, 0, 0]);
    assert.deepEqual(m.warnings, [
      'precision of NP is ill-defined (no predicted entities) and set to 0',
      'precision is ill-defined (no predicted entities) and set to 0',
    ]);
  });

  it('scores partial and mistyped spans as wrong, and types found only in predictions in the macro mean', () => {
    const m = metricsOf(
      [
        ['B-PER', 'I-PER', 'O', 'B-LOC'],
        ['O', 'O'],
      ],
      [
        ['B-PER', 'I-LOC', 'O', 'B-LOC'],
        ['B-ORG', 'O'],
      ],
    );
    // PER: predicted (0,1) against true (0,2); LOC right; ORG predicted with no support.
    assert.deepEqual(m.perType, [
      { type: 'LOC', precision: 1, recall: 1, f1: 1, support: 1 },
      { type: 'ORG', precision: 0, recall: 0, f1: 0, support: 0 },
      { type: 'PER', precision: 0, recall: 0, f1: 0, support: 1 },
    ]);
    assert.deepEqual([m.precision, m.recall], [1 / 3, 1 / 2]);
    assert.equal(m.f1, (2 * (1 / 3) * (1 / 2)) / (1 / 3 + 1 / 2));
    assert.equal(m.f1_macro, 1 / 3);
    assert.deepEqual(m.warnings, ['recall of ORG is ill-defined (no true entities) and set to 0']);
  });

  it('never joins entities across sentences and streams to the same result in any batching', () => {
    const m = metricsOf(
      [
        ['O', 'B-PER'],
        ['I-PER', 'O'],
      ],
      [
        ['O', 'B-PER'],
        ['I-PER', 'O'],
      ],
    );
    assert.deepEqual(m.perType, [{ type: 'PER', precision: 1, recall: 1, f1: 1, support: 1 }]);
    const truth = [
      ['B-A', 'I-A', 'O'],
      ['O', 'B-B'],
      ['B-A', 'B-A'],
    ];
    const predicted = [
      ['B-A', 'O', 'O'],
      ['O', 'B-B'],
      ['B-A', 'I-A'],
    ];
    const forward = metricsOf(truth, predicted);
    const backward = metricsOf([...truth].reverse(), [...predicted].reverse());
    assert.deepEqual(forward, backward);
  });

  it('reports only token accuracy for a plain tag set (part of speech)', () => {
    const m = metricsOf(
      [
        ['DET', 'NOUN', 'VERB'],
        ['PRON', 'VERB'],
      ],
      [
        ['DET', 'VERB', 'VERB'],
        ['PRON', 'VERB'],
      ],
    );
    assert.equal(m.scheme, 'plain');
    assert.equal(m.accuracy, 4 / 5);
    assert.deepEqual([m.precision, m.recall, m.f1, m.f1_macro, m.perType], [null, null, null, null, null]);
    // With the labels given, they decide the scheme, whatever the sentences hold.
    assert.equal(metricsOf([['O']], [['O']], ['O', 'B-PER', 'I-PER']).scheme, 'IOB2');
    assert.equal(metricsOf([['O']], [['O']]).scheme, 'plain');
    const empty = new EntityMetricsAccumulator({ labels: ['O', 'B-X', 'I-X'] }).result();
    assert.deepEqual([empty.accuracy, empty.f1, empty.f1_macro, empty.tokens], [0, 0, 0, 0]);
  });

  it('rejects sentences of unequal length, tags outside the labels and non-strings, naming the sentence', () => {
    const accumulator = new EntityMetricsAccumulator({ labels: ['O', 'B-PER', 'I-PER'] });
    accumulator.add(['O'], ['O']);
    const fails = (fn: () => unknown, pattern: RegExp): void => assert.throws(fn, (e: unknown) => e instanceof FinetuneError && pattern.test(e.message));
    fails(() => accumulator.add(['O', 'O'], ['O']), /sentence 1: 2 true tags but 1 predicted/);
    fails(() => accumulator.add(['O', 'B-LOC'], ['O', 'O']), /sentence 1: true tag 1 "B-LOC" is not one of the labels/);
    fails(() => accumulator.add(['O'], [3 as unknown as string]), /sentence 1: predicted tag 0 is not a string/);
    assert.equal(accumulator.result().sentences, 1);
  });
});
