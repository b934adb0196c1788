// Embedding lookups with a scatter-add gradient that touches only the rows that occur; the padded form keeps one row fixed.
import { getBackend } from '../../backend/index.js';
import { FinetuneError } from '../../errors.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { allocF32, zerosF32 } from '../memory.js';

/** Rows of `table` [V, D] picked by int32 `ids` of any shape -> [...ids.shape, D]. */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  if (table.rank !== 2) throw new Error(`embedding: table must be [vocab, dim], got ${formatShape(table.shape)}`);
  const [vocab, dim] = table.shape as [number, number];
  const idData = ids.i32();
  const out = allocF32(idData.length * dim);
  const bad = getBackend().embedding(table.f32(), vocab, dim, idData, out);
  if (bad >= 0) throw new Error(`embedding: id ${idData[bad]} at position ${bad} is outside the table of ${vocab} rows`);
  return Tensor.fromOp(out, [...ids.shape, dim], 'embedding', [table], (g) => {
    const dTable = zerosF32(table.size);
    getBackend().embeddingGrad(idData, g.f32(), dim, dTable);
    return [new Tensor(dTable, table.shape)];
  });
}

/**
 * Rows of `table` [V, D] picked by int32 token `ids` -> [...ids.shape, D], like torch's nn.Embedding with
 * `padding_idx`: the padding row is looked up as usual but its gradient stays zero, so training never
 * moves it (transformers' checkpoints rely on that for word and RoBERTa position embeddings). An id
 * outside the table is a FinetuneError, since it usually means a tokenizer that belongs to another model.
 */
export function paddedEmbedding(table: Tensor, ids: Tensor, paddingIdx: number | null): Tensor {
  if (table.rank !== 2) throw new Error(`paddedEmbedding: table must be [vocab, dim], got ${formatShape(table.shape)}`);
  const [vocab, dim] = table.shape as [number, number];
  const idData = ids.i32();
  const out = allocF32(idData.length * dim);
  const bad = getBackend().embedding(table.f32(), vocab, dim, idData, out);
  if (bad >= 0) {
    throw new FinetuneError(`token id ${idData[bad]} is outside the model's embedding table of ${vocab} rows (does the tokenizer belong to this model?)`);
  }
  return Tensor.fromOp(out, [...ids.shape, dim], 'embedding', [table], (g) => {
    const dTable = zerosF32(table.size);
    getBackend().embeddingGrad(idData, g.f32(), dim, dTable);
    if (paddingIdx !== null && paddingIdx >= 0 && paddingIdx < vocab) dTable.fill(0, paddingIdx * dim, (paddingIdx + 1) * dim);
    return [new Tensor(dTable, table.shape)];
  });
}
