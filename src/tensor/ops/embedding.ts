// Embedding lookup with a scatter-add gradient that touches only the rows that occur.
import { getBackend } from '../../backend/index.js';
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
