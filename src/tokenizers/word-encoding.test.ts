// encodeWords: ids and word ids equal transformers' is_split_into_words output (golden), truncation, bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../errors.js';
import { JsonTokenizer } from './json-tokenizer.js';
import { loadTokenizer } from './load.js';
import { parseTokenizerJson } from './tokenizer-json.js';
import { buildWordLevelTokenizer } from './word-level.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const GOLDEN = join(ROOT, 'test/golden/tokenizers/word-encoding.golden.json');

interface Golden {
  readonly folders: readonly string[];
  readonly cases: readonly { readonly words: string[]; readonly maxLength?: number }[];
  readonly expected: Readonly<Record<string, readonly [number[], (number | null)[]][]>>;
}

const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;

for (const folder of golden.folders) {
  test(`${folder}: encodeWords matches transformers on every case`, async () => {
    const tokenizer = await loadTokenizer(join(ROOT, folder));
    const rows = golden.expected[folder]!;
    assert.equal(rows.length, golden.cases.length);
    const failures: string[] = [];
    golden.cases.forEach((c, i) => {
      const [ids, wordIds] = rows[i]!;
      const got = tokenizer.encodeWords(c.words, c.maxLength === undefined ? {} : { maxLength: c.maxLength });
      const kept = new Set(wordIds.filter((w) => w !== null)).size;
      const same = JSON.stringify([got.ids, got.wordIds, got.wordsKept]) === JSON.stringify([ids, wordIds, kept]);
      if (!same) {
        const show = (list: readonly number[]): string => list.map((id) => tokenizer.idToToken(id)).join(' | ');
        failures.push(`${JSON.stringify(c)}\n  want ${show(ids)} ${JSON.stringify(wordIds)}\n  got  ${show(got.ids)} ${JSON.stringify(got.wordIds)}`);
      }
      assert.deepEqual(
        got.typeIds,
        got.ids.map(() => 0),
      );
      assert.deepEqual(
        got.attentionMask,
        got.ids.map(() => 1),
      );
    });
    assert.equal(failures.length, 0, `${failures.length} of ${golden.cases.length} cases differ:\n${failures.slice(0, 6).join('\n')}`);
  });
}

test('encodeWords without special tokens gives only word ids; a word with spaces keeps one index', async () => {
  const tokenizer = await loadTokenizer(join(ROOT, 'test/golden/models/bert'));
  const got = tokenizer.encodeWords(['New York', 'x'], { addSpecialTokens: false });
  assert.ok(got.wordIds.every((w) => w !== null));
  assert.deepEqual(got.ids, tokenizer.encode('New York x', undefined, { addSpecialTokens: false }).ids);
  assert.equal(got.wordsKept, 2);
});

test('encodeWords on a byte-level tokenizer prefixes every word with a space, unlike encode', async () => {
  const tokenizer = await loadTokenizer(join(ROOT, 'test/golden/models/roberta'));
  const words = tokenizer.encodeWords(['Hello'], { addSpecialTokens: false });
  assert.deepEqual(words.ids, tokenizer.encode(' Hello', undefined, { addSpecialTokens: false }).ids);
  assert.notDeepEqual(words.ids, tokenizer.encode('Hello', undefined, { addSpecialTokens: false }).ids);
});

test('encodeWords cuts the last word and counts only the words kept', async () => {
  const tokenizer = await loadTokenizer(join(ROOT, 'test/golden/models/bert'));
  const full = tokenizer.encodeWords(['Supercalifragilisticexpialidocious', 'is', 'long']);
  const cut = tokenizer.encodeWords(['Supercalifragilisticexpialidocious', 'is', 'long'], { maxLength: 4 });
  assert.ok(full.ids.length > 4);
  assert.deepEqual(cut.ids, [...full.ids.slice(0, 3), full.ids.at(-1)]);
  assert.deepEqual(cut.wordIds, [null, 0, 0, null]);
  assert.equal(cut.wordsKept, 1);
  assert.equal(full.wordsKept, 3);
});

test('encodeWords rejects a maxLength below the special tokens and words that are not strings', async () => {
  const tokenizer = await loadTokenizer(join(ROOT, 'test/golden/models/bert'));
  assert.throws(
    () => tokenizer.encodeWords(['a'], { maxLength: 1 }),
    (e: unknown) => e instanceof FinetuneError && /maxLength 1 must be an integer of at least 2/.test(e.message),
  );
  assert.throws(
    () => tokenizer.encodeWords(['a', null as unknown as string]),
    (e: unknown) => e instanceof FinetuneError && /word 1 is null, not a string/.test(e.message),
  );
  assert.throws(() => tokenizer.encodeWords(['a', 3 as unknown as string]), /word 1 is number, not a string/);
});

test('the word-level tokenizer encodes each word alone and concatenates', () => {
  const tokenizer = buildWordLevelTokenizer(['the cat sat', 'the cat ran', "don't stop"], { minFrequency: 1 });
  const got = tokenizer.encodeWords(['The', "don't", 'dog']);
  assert.deepEqual(got.tokens, ['[CLS]', 'the', 'don', "'", 't', '[UNK]', '[SEP]']);
  assert.deepEqual(got.wordIds, [null, 0, 1, 1, 1, 2, null]);
  assert.equal(got.wordsKept, 3);
});

test('Metaspace "first" behind WhitespaceSplit marks only the piece at offset 0, in encode and per word, as tokenizers 0.23 does', async () => {
  const spec = JSON.parse(readFileSync(join(ROOT, 'test/golden/models/xlm-roberta/tokenizer.json'), 'utf8')) as {
    pre_tokenizer: { pretokenizers: { prepend_scheme?: string }[] };
  };
  spec.pre_tokenizer.pretokenizers[1]!.prepend_scheme = 'first';
  const tokenizer = new JsonTokenizer(parseTokenizerJson(JSON.stringify(spec), 'first.json'), {}, 'first.json');
  // Expected tokens from tokenizers' Tokenizer.encode on the same tokenizer.json.
  assert.deepEqual(tokenizer.encode('a b').tokens, ['<s>', '▁a', 'b', '</s>']);
  assert.deepEqual(tokenizer.encode('  a b').tokens, ['<s>', 'a', 'b', '</s>']);
  const words = tokenizer.encodeWords(['hello', 'world', 'a b']);
  assert.deepEqual(words.tokens, ['<s>', '▁he', 'l', 'lo', '▁wor', 'ld', '▁a', 'b', '</s>']);
  assert.deepEqual(words.wordIds, [null, 0, 0, 0, 1, 1, 2, 2, null]);
});
