// buildWordLevelTokenizer: the vocabulary tokenizers' WordLevelTrainer would pick, encoding, saving, bad options.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JsonTokenizer } from './json-tokenizer.js';
import { loadTokenizer } from './load.js';
import { buildWordLevelTokenizer } from './word-level.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/tokenizers/', import.meta.url));
const SST2 = fileURLToPath(new URL('../../../../shared/data/sst2_train.tsv', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'finetune-word-level-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function vocabOf(tokenizer: unknown): Record<string, number> {
  assert.ok(tokenizer instanceof JsonTokenizer);
  assert.equal(tokenizer.spec.model.type, 'WordLevel');
  return tokenizer.spec.model.vocab as Record<string, number>;
}

describe('buildWordLevelTokenizer', () => {
  it('keeps the specials first, then words by count, ties in code-point order, dropping rare ones', () => {
    const texts = ['The cat sat.', 'the dog sat!', 'A cat, a dog.', 'zebra ﬃ 𝐀 𝐀 ﬃ'];
    const vocab = vocabOf(buildWordLevelTokenizer(texts));
    // 𝐀 (U+1D400) sorts after ﬃ (U+FB03) by code point, though not by UTF-16 unit.
    assert.deepEqual(Object.keys(vocab), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', 'a', 'cat', 'dog', 'sat', 'the', 'ﬃ', '𝐀']);
    assert.deepEqual(Object.values(vocab), [...Array(13).keys()]);
    assert.deepEqual(Object.keys(vocabOf(buildWordLevelTokenizer(texts, { vocabSize: 7 }))), ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', '.', 'a']);
    assert.equal(Object.keys(vocabOf(buildWordLevelTokenizer(texts, { minFrequency: 1 }))).length, 16);
    assert.ok('The' in vocabOf(buildWordLevelTokenizer(texts, { lowercase: false, minFrequency: 1 })));
  });

  it('encodes with [CLS]/[SEP], segment ids and [UNK], pads with [PAD] = 0', () => {
    const tokenizer = buildWordLevelTokenizer(['the cat sat', 'the cat ran'], { minFrequency: 1 });
    assert.equal(tokenizer.padId, 0);
    assert.equal(tokenizer.vocabSize, 9);
    const encoding = tokenizer.encode('The CAT flew', 'cat');
    assert.deepEqual(encoding.tokens, ['[CLS]', 'the', 'cat', '[UNK]', '[SEP]', 'cat', '[SEP]']);
    assert.deepEqual(encoding.typeIds, [0, 0, 0, 0, 0, 1, 1]);
    assert.deepEqual(tokenizer.encode('the [MASK] sat').tokens, ['[CLS]', 'the', '[MASK]', 'sat', '[SEP]']);
  });

  it('saves files that load back to the same tokenizer', async () => {
    const tokenizer = buildWordLevelTokenizer(['one two three', 'two three', 'three'], { minFrequency: 1 });
    const dir = join(scratch, 'saved');
    await tokenizer.save(dir);
    const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
    assert.equal(config.tokenizer_class, 'PreTrainedTokenizerFast');
    assert.equal(config.pad_token, '[PAD]');
    const reloaded = await loadTokenizer(dir);
    assert.deepEqual(reloaded.encode('three two four', 'one'), tokenizer.encode('three two four', 'one'));
  });

  it('rejects bad options and non-string texts', () => {
    assert.throws(() => buildWordLevelTokenizer(['a'], { vocabSize: 4 }), /vocabSize 4 must be an integer of at least 5/);
    assert.throws(() => buildWordLevelTokenizer(['a'], { minFrequency: 0 }), /minFrequency 0 must be an integer of at least 1/);
    assert.throws(() => buildWordLevelTokenizer(['a', 7 as unknown as string]), /text 1 is not a string/);
  });

  it("picks the same vocabulary as tokenizers' WordLevelTrainer on SST-2", { skip: !existsSync(SST2) && `${SST2} is absent` }, () => {
    const rows = readFileSync(SST2, 'utf8')
      .split(/\r?\n/)
      .slice(1)
      .filter((row) => row.includes('\t'));
    const texts = rows.map((row) => row.slice(row.indexOf('\t') + 1).trim()).slice(0, 20000);
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'wordlevel', 'tokenizer.json'), 'utf8')).model.vocab;
    assert.deepEqual(vocabOf(buildWordLevelTokenizer(texts, { vocabSize: 2000 })), expected);
  });
});
