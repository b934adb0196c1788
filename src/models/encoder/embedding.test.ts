// Tests for the encoders' embedding helpers: padding rows without gradient, RoBERTa positions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../tensor/tensor.js';
import { paddedEmbedding, robertaPositions } from './embedding.js';

describe('embedding helpers', () => {
  it('looks up the padding row but gives it no gradient', () => {
    const table = new Tensor(
      Float32Array.from({ length: 8 }, (_, i) => i),
      [4, 2],
      { requiresGrad: true },
    );
    const ids = Tensor.from(
      [
        [1, 0, 0],
        [3, 1, 0],
      ],
      undefined,
      { dtype: 'int32' },
    );
    const out = paddedEmbedding(table, ids, 0);
    assert.deepEqual(out.toArray().slice(0, 6), [2, 3, 0, 1, 0, 1]);
    out.sum().backward();
    assert.deepEqual(table.grad!.toArray(), [0, 0, 2, 2, 0, 0, 1, 1]);
    assert.throws(
      () => paddedEmbedding(table, Tensor.from([[1, 4]], undefined, { dtype: 'int32' }), 0),
      /token id 4 is outside the model's embedding table of 4 rows \(does the tokenizer belong to this model\?\)/,
    );
  });

  it('counts RoBERTa positions from padding_idx + 1 and leaves padding at padding_idx', () => {
    const ids = Tensor.from(
      [
        [0, 5, 6, 2, 1, 1],
        [0, 1, 7, 2, 1, 1],
      ],
      undefined,
      { dtype: 'int32' },
    );
    assert.deepEqual(robertaPositions(ids, 1).toArray(), [2, 3, 4, 5, 1, 1, 2, 1, 3, 4, 1, 1]);
  });
});
