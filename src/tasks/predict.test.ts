// predict sorts inputs by length within windows and still answers in input order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { join } from 'node:path';
import { loadTaskModel } from '../models/load.js';
import { lengthSortedWindows, predict, predictBatches, type PredictInput } from './predict.js';

const BERT = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'models', 'bert');

describe('predict batches by length', () => {
  it('orders each window by text length, stably, and covers every input once', () => {
    const inputs: PredictInput[] = ['ccc', 'a', 'bb', 'a', 'dddd', 'e'].map((text) => ({ text }));
    assert.deepEqual(
      [...lengthSortedWindows(inputs, 4)],
      [
        [0, [1, 3, 2, 0]],
        [4, [1, 0]],
      ],
    );
  });

  it('gives the same predictions in input order whatever the window, streaming one window at a time', async () => {
    const { model, tokenizer } = await loadTaskModel(BERT);
    const words = 'the a film good bad long story quiet odd dull delight far too'.split(' ');
    const inputs: PredictInput[] = Array.from({ length: 23 }, (_, i) => ({ text: words.slice(0, 1 + ((i * 7) % words.length)).join(' ') }));
    const plain = predict(model, tokenizer!, inputs, { batchSize: 4, sortWindow: 1 });
    const sorted = predict(model, tokenizer!, inputs, { batchSize: 4, sortWindow: 3 });
    assert.equal(sorted.length, inputs.length);
    sorted.forEach((p, i) => {
      assert.equal(p.text, inputs[i]!.text);
      const a = (p as { probs: number[] }).probs;
      const b = (plain[i] as { probs: number[] }).probs;
      a.forEach((v, c) => assert.ok(Math.abs(v - b[c]!) < 1e-5, `input ${i} class ${c}: ${v} vs ${b[c]}`));
    });
    const sizes: number[] = [];
    predictBatches(model, tokenizer!, inputs, (batch) => sizes.push(batch.length), { batchSize: 4, sortWindow: 3 });
    assert.deepEqual(sizes, [12, 11]);
  });
});
