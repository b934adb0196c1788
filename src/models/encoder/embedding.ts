// Embedding lookups as the encoders use them: a padding row that gets no gradient, and the position ids of each family.
import { positionIdsFromInputIds } from '../../tensor/ops/masks.js';
import { Tensor } from '../../tensor/tensor.js';

/** The lookup with a padding row that gets no gradient (an op: see tensor/ops/embedding.ts). */
export { paddedEmbedding } from '../../tensor/ops/embedding.js';

/** BERT's and DistilBERT's positions: 0..T-1, shared by every row. Shape [T]. */
export function absolutePositions(length: number): Tensor {
  return Tensor.arange(length);
}

/**
 * RoBERTa's positions [B, T]: real tokens count up from padding_idx + 1, padding tokens (recognised
 * by their id, as fairseq does, not by the attention mask) get padding_idx itself.
 */
export function robertaPositions(inputIds: Tensor, paddingIdx: number): Tensor {
  return positionIdsFromInputIds(inputIds, paddingIdx);
}

/** All-zero segment ids [B, T], for inputs without token_type_ids. */
export function zeroTypeIds(inputIds: Tensor): Tensor {
  return Tensor.zeros(inputIds.shape, { dtype: 'int32' });
}
