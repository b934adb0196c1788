// Integer-valued ops on padding masks and token ids: attention biases, fairseq position ids, mean-pooling weights. No gradients.
//
// Shapes: B batch, T tokens. Masks are [B, T] of 1 (token) / 0 (padding), int32 or float32. These run
// once per batch on [B, T] values, so their loops live here rather than in a backend kernel.
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** The most negative float32: transformers' additive mask value (torch.finfo(float32).min). */
export const FLOAT32_MIN = -3.4028234663852886e38;

function batchShape(x: Tensor, op: string): [number, number] {
  if (x.rank !== 2) throw new Error(`${op}: expected a [batch, tokens] tensor, got ${formatShape(x.shape)}`);
  return x.shape as [number, number];
}

/**
 * The additive attention bias for a padding mask [B, T]: [B, 1, 1, T] float32 with 0 for tokens and
 * `bias` (default FLOAT32_MIN) for padding, broadcast over heads and queries.
 */
export function attentionBias(attentionMask: Tensor, bias = FLOAT32_MIN): Tensor {
  const [b, t] = batchShape(attentionMask, 'attentionBias');
  const keep = attentionMask.data;
  const out = new Float32Array(b * t);
  for (let i = 0; i < out.length; i++) out[i] = keep[i] === 0 ? bias : 0;
  return new Tensor(out, [b, 1, 1, t]);
}

/**
 * fairseq's (and transformers' RoBERTa) position ids [B, T] int32 from token ids [B, T]: tokens that are
 * not `paddingIdx` count up from paddingIdx + 1 along their row, padding tokens get paddingIdx itself.
 * Padding is recognised by id, not by the attention mask, as fairseq does.
 */
export function positionIdsFromInputIds(inputIds: Tensor, paddingIdx: number): Tensor {
  const [b, t] = batchShape(inputIds, 'positionIdsFromInputIds');
  const ids = inputIds.i32();
  const out = new Int32Array(b * t);
  for (let row = 0; row < b; row++) {
    let count = 0;
    for (let i = row * t; i < (row + 1) * t; i++) out[i] = ids[i] !== paddingIdx ? paddingIdx + ++count : paddingIdx;
  }
  return new Tensor(out, [b, t]);
}

/**
 * Weights [B, T] float32 that turn a weighted sum over tokens into the mean over each row's tokens:
 * 1 / max(tokens in the row, 1) at tokens, 0 at padding (an all-padding row sums to 0, not NaN).
 */
export function maskedMeanWeights(attentionMask: Tensor): Tensor {
  const [b, t] = batchShape(attentionMask, 'maskedMeanWeights');
  const keep = attentionMask.data;
  const out = new Float32Array(b * t);
  for (let row = 0; row < b; row++) {
    let count = 0;
    for (let i = row * t; i < (row + 1) * t; i++) if (keep[i] !== 0) count++;
    const weight = 1 / Math.max(count, 1);
    for (let i = row * t; i < (row + 1) * t; i++) out[i] = keep[i] !== 0 ? weight : 0;
  }
  return new Tensor(out, [b, t]);
}
