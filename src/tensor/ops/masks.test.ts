// Integer-valued mask and position ops, and the padded embedding lookup, on every backend.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setBackend, type BackendName } from '../../backend/index.js';
import { backendsUnderTest } from '../../backend/test-support.js';
import { FinetuneError } from '../../errors.js';
import { Tensor } from '../tensor.js';
import { paddedEmbedding } from './embedding.js';
import { attentionBias, FLOAT32_MIN, maskedMeanWeights, positionIdsFromInputIds } from './masks.js';

const int = (rows: number[][]): Tensor => Tensor.from(rows, undefined, { dtype: 'int32' });

for (const b of backendsUnderTest()) {
  describe(`mask ops [${b.name}]`, { skip: b.skip ?? false }, () => {
    beforeEach(() => void setBackend(b.name as BackendName));

    it('attentionBias: [B, T] -> [B, 1, 1, T], 0 at tokens and the bias at padding, from int32 or float32 masks', () => {
      const bias = attentionBias(
        int([
          [1, 1, 0],
          [1, 0, 0],
        ]),
      );
      assert.deepEqual(bias.shape, [2, 1, 1, 3]);
      assert.deepEqual(bias.toArray(), [0, 0, FLOAT32_MIN, 0, FLOAT32_MIN, FLOAT32_MIN].map(Math.fround));
      assert.deepEqual(attentionBias(Tensor.from([[0, 1]]), -1e9).toArray(), [Math.fround(-1e9), 0]);
      assert.equal(bias.requiresGrad, false);
      assert.throws(() => attentionBias(Tensor.from([1, 0])), /attentionBias: expected a \[batch, tokens\] tensor, got \[2\]/);
    });

    it('positionIdsFromInputIds: count from padding_idx + 1 past padding ids, padding keeps padding_idx', () => {
      const ids = int([
        [0, 5, 6, 2, 1, 1],
        [0, 1, 7, 2, 1, 1],
      ]);
      const positions = positionIdsFromInputIds(ids, 1);
      assert.equal(positions.dtype, 'int32');
      assert.deepEqual(positions.toArray(), [2, 3, 4, 5, 1, 1, 2, 1, 3, 4, 1, 1]);
      assert.throws(() => positionIdsFromInputIds(Tensor.zeros([2, 2, 2], { dtype: 'int32' }), 1), /got \[2, 2, 2\]/);
      assert.throws(() => positionIdsFromInputIds(Tensor.from([[1, 2]]), 1), /expected an int32 tensor/);
    });

    it('maskedMeanWeights: 1 / tokens at tokens, 0 at padding, an all-padding row all 0', () => {
      const w = maskedMeanWeights(
        int([
          [1, 1, 1, 0],
          [1, 0, 0, 0],
          [0, 0, 0, 0],
        ]),
      );
      assert.deepEqual(w.toArray(), [1 / 3, 1 / 3, 1 / 3, 0, 1, 0, 0, 0, 0, 0, 0, 0].map(Math.fround));
    });

    it('paddedEmbedding: looks up the padding row but gives it no gradient; an id outside the table names itself', () => {
      const table = new Tensor(
        Float32Array.from({ length: 8 }, (_, i) => i),
        [4, 2],
        { requiresGrad: true },
      );
      const out = paddedEmbedding(
        table,
        int([
          [1, 0, 0],
          [3, 1, 0],
        ]),
        0,
      );
      assert.deepEqual(out.shape, [2, 3, 2]);
      assert.deepEqual(out.toArray().slice(0, 6), [2, 3, 0, 1, 0, 1]);
      out.sum().backward();
      assert.deepEqual(table.grad!.toArray(), [0, 0, 2, 2, 0, 0, 1, 1]);
      assert.throws(
        () => paddedEmbedding(table, int([[1, 4]]), 0),
        (e: Error) => e instanceof FinetuneError && /token id 4 is outside the model's embedding table of 4 rows/.test(e.message),
      );
      const free = new Tensor(new Float32Array(8), [4, 2], { requiresGrad: true });
      paddedEmbedding(free, int([[0, 0]]), null)
        .sum()
        .backward();
      assert.deepEqual(free.grad!.toArray(), [2, 2, 0, 0, 0, 0, 0, 0]);
    });
  });
}
