// Generation against transformers' greedy generate (with and without the cache), sampling settings, stop strings, bad options.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { CAUSAL_NAMES, goldenTensors, loadGoldenModel } from '../models/causal/test-support.js';
import { buildWordLevelTokenizer } from '../tokenizers/word-level.js';
import { generate, generateText, generateTokenIds } from './generate.js';

describe('generateTokenIds', () => {
  for (const name of CAUSAL_NAMES) {
    for (const useCache of [true, false]) {
      it(`${name}: greedy decoding gives transformers' generate(do_sample=False) ids ${useCache ? 'with' : 'without'} the cache`, async () => {
        const model = await loadGoldenModel(name);
        const golden = goldenTensors(name);
        for (let i = 0; i < 3; i++) {
          const prompt = Array.from(golden.get(`generate.${i}.prompt`)!.data);
          const expected = Array.from(golden.get(`generate.${i}.ids`)!.data);
          const ids = [...prompt, ...generateTokenIds(model, prompt, { maxNewTokens: 32, useCache })];
          assert.deepEqual(ids, expected, `prompt ${i}`);
        }
        assert.equal(model.training, false);
      });
    }
  }

  for (const name of CAUSAL_NAMES) {
    it(`${name}: greedy decoding with repetition_penalty 1.5 gives transformers' ids`, async () => {
      const model = await loadGoldenModel(name);
      const golden = goldenTensors(name);
      for (let i = 0; i < 3; i++) {
        const prompt = Array.from(golden.get(`generate.${i}.prompt`)!.data);
        const ids = [...prompt, ...generateTokenIds(model, prompt, { maxNewTokens: 16, repetitionPenalty: 1.5 })];
        assert.deepEqual(ids, Array.from(golden.get(`generate.${i}.penalty_ids`)!.data), `prompt ${i}`);
      }
    });
  }

  it('samples reproducibly from a seed, within top-k, and differently from another seed', async () => {
    const model = await loadGoldenModel('gpt2');
    const run = (seed: number, extra = {}): number[] => [
      ...generateTokenIds(model, [5, 6, 7], { maxNewTokens: 20, temperature: 1.5, seed, eosTokenIds: [], ...extra }),
    ];
    assert.deepEqual(run(1), run(1));
    assert.notDeepEqual(run(1), run(2));
    // top-k 1 and a vanishing top-p both leave only the most likely token: greedy.
    const greedy = [...generateTokenIds(model, [5, 6, 7], { maxNewTokens: 20, eosTokenIds: [] })];
    assert.deepEqual(run(3, { topK: 1 }), greedy);
    assert.deepEqual(run(4, { topP: 1e-6 }), greedy);
    // A strong repetition penalty avoids every token seen so far for a while.
    const penalised = [...generateTokenIds(model, [5, 6, 7], { maxNewTokens: 8, eosTokenIds: [], repetitionPenalty: 1e6 })];
    assert.equal(new Set([5, 6, 7, ...penalised]).size, 3 + penalised.length);
  });

  it('refuses bad settings naming them', async () => {
    const model = await loadGoldenModel('gpt2');
    const cases: [object, RegExp][] = [
      [{ maxNewTokens: 0 }, /max new tokens 0/],
      [{ temperature: -1 }, /temperature -1/],
      [{ topK: 1.5 }, /top-k 1.5/],
      [{ topP: 0 }, /top-p 0/],
      [{ repetitionPenalty: 0 }, /repetition penalty 0/],
      [{ stop: [''] }, /stop string is empty/],
      [{ maxNewTokens: 100 }, /exceed the model's 64 positions/],
    ];
    for (const [options, pattern] of cases) {
      assert.throws(
        () => [...generateTokenIds(model, [5], options)],
        (e: Error) => e instanceof FinetuneError && pattern.test(e.message),
      );
    }
  });
});

describe('generate (text)', () => {
  // A word-level vocabulary over the tiny model's 96 ids: 5 special tokens and 91 words.
  const vocabulary = Array.from({ length: 91 }, (_, i) => `w${i}`);
  const tokenizer = buildWordLevelTokenizer([vocabulary.join(' ')], { minFrequency: 1 });

  it('streams pieces whose concatenation is the decoded text, ends at a stop string, and reports the tokens', async () => {
    const model = await loadGoldenModel('gpt2');
    const options = { maxNewTokens: 12, eosTokenIds: [] };
    const full = await generateText(model, tokenizer, 'w1 w2 w3', options);
    assert.equal(tokenizer.vocabSize, 96);
    assert.equal(full.tokenIds.length, 12);
    assert.equal(full.finishReason, 'length');
    const pieces: string[] = [];
    for await (const piece of generate(model, tokenizer, 'w1 w2 w3', options)) pieces.push(piece);
    assert.equal(pieces.join(''), full.text);
    assert.ok(pieces.length > 1);
    const words = full.text.split(' ');
    const stop = ` ${words[3]}`;
    const stopped = await generateText(model, tokenizer, 'w1 w2 w3', { ...options, stop: [stop] });
    assert.equal(stopped.finishReason, 'stop');
    assert.equal(stopped.text, full.text.slice(0, full.text.indexOf(stop)));
  });
});
