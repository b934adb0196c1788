// Embedding lookups as the encoders use them: a padding row that gets no gradient, and the position ids of each family.
import { getBackend } from '../../backend/index.js';
import { FinetuneError } from '../../errors.js';
import { allocF32, zerosF32 } from '../../tensor/memory.js';
import { Tensor } from '../../tensor/tensor.js';

/**
 * Rows of `table` [V, D] picked by int32 `ids` -> [...ids.shape, D], like torch's nn.Embedding with
 * `padding_idx`: the padding row is looked up as usual but its gradient stays zero, so training never
 * moves it (transformers' checkpoints rely on that for word and RoBERTa position embeddings).
 */
export function paddedEmbedding(table: Tensor, ids: Tensor, paddingIdx: number | null): Tensor {
  const [vocab, dim] = table.shape as [number, number];
  const idData = ids.i32();
  const out = allocF32(idData.length * dim);
  const bad = getBackend().embedding(table.f32(), vocab, dim, idData, out);
  if (bad >= 0) {
    // Usually a tokenizer that belongs to another model: say so rather than only where the lookup failed.
    throw new FinetuneError(`token id ${idData[bad]} is outside the model's embedding table of ${vocab} rows (does the tokenizer belong to this model?)`);
  }
  return Tensor.fromOp(out, [...ids.shape, dim], 'embedding', [table], (g) => {
    const dTable = zerosF32(table.size);
    getBackend().embeddingGrad(idData, g.f32(), dim, dTable);
    if (paddingIdx !== null && paddingIdx >= 0 && paddingIdx < vocab) dTable.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
    return [new Tensor(dTable, table.shape)];
  });
}

/** BERT's and DistilBERT's positions: 0..T-1, shared by every row. Shape [T]. */
export function absolutePositions(length: number): Tensor {
  return Tensor.arange(length);
}

/**
 * RoBERTa's positions [B, T]: real tokens count up from padding_idx + 1, padding tokens (recognised
 * by their id, as fairseq does, not by the attention mask) get padding_idx itself.
 */
export function robertaPositions(inputIds: Tensor, paddingIdx: number): Tensor {
  const [b, t] = inputIds.shape as [number, number];
  const ids = inputIds.i32();
  const out = new Int32Array(b * t);
  for (let row = 0; row < b; row++) {
    let count = 0;
    for (let col = 0; col < t; col++) {
      const i = row * t + col;
      if (ids[i] !== paddingIdx) out[i] = paddingIdx + ++count;
      else out[i] = paddingIdx;
    }
  }
  return new Tensor(out, [b, t]);
}

/** All-zero segment ids [B, T], for inputs without token_type_ids. */
export function zeroTypeIds(inputIds: Tensor): Tensor {
  return Tensor.zeros(inputIds.shape, { dtype: 'int32' });
}
