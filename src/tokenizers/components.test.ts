// Normalizers, pre-tokenizers and added-token matching against outputs of the Rust tokenizers (recorded by hand from Python).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AddedTokenMatcher } from './added-tokens.js';
import { BYTES_TO_UNICODE } from './byte-level.js';
import { createNormalizer, isChineseChar, lowercaseByChar } from './normalizers.js';
import { createPreTokenizer } from './pre-tokenizers.js';
import type { AddedTokenJson } from './tokenizer-json.js';

function preTokenize(config: { type: string; [key: string]: unknown }, text: string, sectionIndex = 0): string[] {
  return createPreTokenizer(config)!(text, { section_index: sectionIndex });
}

describe('normalizers', () => {
  it('lowercases character by character, keeping a final capital sigma as plain sigma', () => {
    assert.equal(lowercaseByChar('ΟΔΟΣ Σ'), 'οδοσ σ');
    assert.equal(lowercaseByChar('İ ẞ ÀB'), 'i̇ ß àb');
    assert.equal(createNormalizer({ type: 'Lowercase' })!('ΣΑΣ'), 'σασ');
  });

  it('BertNormalizer spaces out CJK ideographs outside the BMP and strips accents before lowercasing', () => {
    const bert = createNormalizer({ type: 'BertNormalizer', lowercase: true })!;
    assert.equal(bert('a𠀀b𫠠c'), 'a 𠀀 b𫠠c');
    assert.equal(bert('Café\tNAÏVE\u00a0x\u200by\u0000z\ufffd'), 'cafe naive xyz');
    assert.ok(isChineseChar(0x4e2d) && isChineseChar(0x2b920) && !isChineseChar(0x2b820) && !isChineseChar(0x3042));
    const cased = createNormalizer({ type: 'BertNormalizer', lowercase: false, strip_accents: null })!;
    assert.equal(cased('Café 中文'), 'Café  中  文 ');
    const stripOnly = createNormalizer({ type: 'BertNormalizer', lowercase: false, strip_accents: true, clean_text: false, handle_chinese_chars: false })!;
    assert.equal(stripOnly('Café\t中'), 'Cafe\t中');
    // Printable ASCII takes a shortcut: only the lowercasing can change it.
    const printable = String.fromCharCode(...Array.from({ length: 95 }, (_, i) => 0x20 + i));
    assert.equal(bert(printable), printable.toLowerCase());
    assert.equal(cased(printable), printable);
    assert.equal(bert('Tab\tand\nnewline'), 'tab and newline');
  });

  it('runs a Sequence in order and takes the library normalizers for the rest', () => {
    const sequence = createNormalizer({
      type: 'Sequence',
      normalizers: [{ type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' }, { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' }],
    })!;
    assert.equal(sequence('ＡＢ  Çé   x'), 'ab ce x');
    assert.equal(createNormalizer(null), null);
    assert.throws(() => createNormalizer({ type: 'Nmt' }), /normalizer type "Nmt" is not supported/);
    assert.throws(() => createNormalizer({ type: 'Replace', pattern: { Glob: '*' }, content: '' }), /pattern \{"Glob":"\*"\} is neither/);
  });
});

describe('pre-tokenizers', () => {
  it('Whitespace uses Unicode word characters', () => {
    assert.deepEqual(preTokenize({ type: 'Whitespace' }, 'café naïve x_y 中文 a1b ½ ² hello,world!! \u00a0z'), [
      'café',
      'naïve',
      'x_y',
      '中文',
      'a1b',
      '½',
      '²',
      'hello',
      ',',
      'world',
      '!!',
      'z',
    ]);
  });

  it('WhitespaceSplit and BertPreTokenizer split on the White_Space property only', () => {
    assert.deepEqual(preTokenize({ type: 'WhitespaceSplit' }, 'a\u00a0b\u3000c\td  e\ufeff f'), ['a', 'b', 'c', 'd', 'e\ufeff', 'f']);
    assert.deepEqual(preTokenize({ type: 'BertPreTokenizer' }, 'a\u0085b\ufeffc d\u3000e'), ['a', 'b\ufeffc', 'd', 'e']);
    assert.deepEqual(preTokenize({ type: 'BertPreTokenizer' }, "don't-stop «now»"), ['don', "'", 't', '-', 'stop', '«', 'now', '»']);
  });

  it('Punctuation follows each split behaviour', () => {
    const text = 'Hey,, you!? ok.';
    const expected: Record<string, string[]> = {
      Removed: ['Hey', ' you', ' ok'],
      Isolated: ['Hey', ',', ',', ' you', '!', '?', ' ok', '.'],
      MergedWithPrevious: ['Hey,', ',', ' you!', '?', ' ok.'],
      MergedWithNext: ['Hey', ',', ', you', '!', '? ok', '.'],
      Contiguous: ['Hey', ',,', ' you', '!?', ' ok', '.'],
    };
    for (const [behavior, words] of Object.entries(expected)) {
      assert.deepEqual(preTokenize({ type: 'Punctuation', behavior }, text), words, behavior);
    }
    assert.deepEqual(preTokenize({ type: 'Punctuation' }, 'a,b'), ['a', ',', 'b']);
  });

  it('Split cuts at pattern matches (or, inverted, around them) with each behaviour', () => {
    const text = 'Hello, world!! 123 ok';
    const split = (behavior: string, pattern: object, invert = false): string[] => preTokenize({ type: 'Split', pattern, behavior, invert }, text);
    const punctuation = { Regex: '[,! ]' };
    assert.deepEqual(split('Removed', punctuation), ['Hello', 'world', '123', 'ok']);
    assert.deepEqual(split('Isolated', punctuation), ['Hello', ',', ' ', 'world', '!', '!', ' ', '123', ' ', 'ok']);
    assert.deepEqual(split('MergedWithPrevious', punctuation), ['Hello,', ' ', 'world!', '!', ' ', '123 ', 'ok']);
    assert.deepEqual(split('MergedWithNext', punctuation), ['Hello', ',', ' world', '!', '!', ' 123', ' ok']);
    assert.deepEqual(split('Contiguous', punctuation), ['Hello', ', ', 'world', '!! ', '123', ' ', 'ok']);
    assert.deepEqual(split('Isolated', { Regex: '\\p{L}+' }, true), ['Hello', ', ', 'world', '!! 123 ', 'ok']);
    assert.deepEqual(split('Removed', { Regex: '\\p{L}+' }, true), ['Hello', 'world', 'ok']);
    assert.deepEqual(split('Removed', { String: ' ' }), ['Hello,', 'world!!', '123', 'ok']);
    const gpt2 = { Regex: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+" };
    assert.deepEqual(preTokenize({ type: 'Split', pattern: gpt2, behavior: 'Isolated', invert: false }, "I'm   fine, thanks 42"), [
      'I',
      "'m",
      '  ',
      ' fine',
      ',',
      ' thanks',
      ' 42',
    ]);
    assert.throws(() => preTokenize({ type: 'Split', pattern: {}, behavior: 'Isolated' }, 'x'), /is neither \{"Regex": \.\.\.\} nor/);
  });

  it('Metaspace splits before each replacement character and prepends as its scheme says', () => {
    const always = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
    assert.deepEqual(preTokenize(always, 'hello  world '), ['▁hello', '▁', '▁world', '▁']);
    assert.deepEqual(preTokenize({ ...always, prepend_scheme: 'never' }, 'hello world'), ['hello', '▁world']);
    assert.deepEqual(preTokenize({ ...always, prepend_scheme: 'first', split: false }, 'hello world'), ['▁hello▁world']);
    assert.deepEqual(preTokenize({ ...always, prepend_scheme: 'first' }, 'x', 1), ['x']);
    assert.deepEqual(preTokenize({ type: 'Metaspace', replacement: '▁', add_prefix_space: true }, 'a b'), ['▁a', '▁b']);
  });

  it('ByteLevel maps UTF-8 bytes to printable characters, with and without the regex and prefix space', () => {
    assert.deepEqual(preTokenize({ type: 'ByteLevel', add_prefix_space: true }, 'héllo  world!'), ['ĠhÃ©llo', 'Ġ', 'Ġworld', '!']);
    assert.deepEqual(preTokenize({ type: 'ByteLevel', add_prefix_space: false, use_regex: false }, 'héllo  world!'), ['hÃ©lloĠĠworld!']);
    assert.equal(new Set(BYTES_TO_UNICODE).size, 256);
    assert.equal(BYTES_TO_UNICODE[0x20], 'Ġ');
  });

  it('runs a Sequence over every piece and rejects unknown types', () => {
    const sequence = { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Punctuation' }] };
    assert.deepEqual(preTokenize(sequence, 'hi, you'), ['hi', ',', 'you']);
    assert.deepEqual(preTokenize({ type: 'Digits', individual_digits: true }, 'a12'), ['a', '1', '2']);
    assert.throws(() => createPreTokenizer({ type: 'UnicodeScripts' }), /pre_tokenizer type "UnicodeScripts" is not supported/);
  });
});

describe('added tokens', () => {
  const token = (id: number, content: string, extra: Partial<AddedTokenJson> = {}): AddedTokenJson => ({ id, content, special: true, ...extra });

  it('finds the leftmost, longest token', () => {
    const matcher = new AddedTokenMatcher([token(1, '<s>'), token(2, '</s>'), token(3, '<s>x')]);
    assert.deepEqual(matcher.split('a<s>x b</s></s>'), [
      { text: 'a' },
      { text: '<s>x', id: 3 },
      { text: ' b' },
      { text: '</s>', id: 2 },
      { text: '</s>', id: 2 },
    ]);
    assert.deepEqual(matcher.split(''), []);
    assert.deepEqual(new AddedTokenMatcher([]).split('abc'), [{ text: 'abc' }]);
  });

  it('swallows whitespace for lstrip/rstrip and matches single_word tokens only between non-alphanumerics', () => {
    const strip = new AddedTokenMatcher([token(3, '<m>', { lstrip: true, rstrip: true })]);
    assert.deepEqual(strip.split('hi   <m>   there'), [{ text: 'hi' }, { text: '<m>', id: 3 }, { text: 'there' }]);
    const word = new AddedTokenMatcher([token(3, '<x>', { single_word: true })]);
    assert.deepEqual(word.split('hi<x>there'), [{ text: 'hi<x>there' }]);
    assert.deepEqual(word.split('hi <x>there'), [{ text: 'hi <x>there' }]);
    assert.deepEqual(word.split('hi <x> 😀<x>'), [{ text: 'hi ' }, { text: '<x>', id: 3 }, { text: ' 😀' }, { text: '<x>', id: 3 }]);
  });
});
