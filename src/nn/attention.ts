// Scaled dot-product attention over heads, and the head split/merge reshapes around it.
import { dropout } from '../tensor/ops/activations.js';
import { matmul } from '../tensor/ops/matmul.js';
import type { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';

/** [B, T, H] -> [B, heads, T, H / heads]. */
export function splitHeads(x: Tensor, heads: number): Tensor {
  const [b, t, h] = x.shape as [number, number, number];
  if (h % heads !== 0) throw new Error(`splitHeads: hidden size ${h} is not divisible by ${heads} heads`);
  return x.reshape([b, t, heads, h / heads]).permute([0, 2, 1, 3]);
}

/** [B, heads, T, D] -> [B, T, heads * D]. */
export function mergeHeads(x: Tensor): Tensor {
  const [b, heads, t, d] = x.shape as [number, number, number, number];
  return x.permute([0, 2, 1, 3]).reshape([b, t, heads * d]);
}

export interface AttentionOptions {
  /** Additive mask broadcast to the scores [B, heads, Tq, Tk], usually [B, 1, 1, Tk]. */
  readonly mask?: Tensor;
  /** Dropout on the attention probabilities (training only). */
  readonly dropout?: number;
  readonly training?: boolean;
  readonly rng?: Random;
}

/**
 * softmax(q k^T / sqrt(D) + mask) v for q [B, heads, Tq, D], k and v [B, heads, Tk, D] -> [B, heads, Tq, D].
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const d = q.shape[q.rank - 1]!;
  const scores = matmul(q, k, { transB: true }).mul(1 / Math.sqrt(d));
  let probs = scores.softmax(options.mask ? { mask: options.mask } : {});
  if (options.dropout && options.training) {
    probs = dropout(probs, { p: options.dropout, training: true, ...(options.rng ? { rng: options.rng } : {}) });
  }
  return matmul(probs, v);
}

/**
 * The additive attention mask for a padding mask [B, T] of 1 (token) / 0 (padding): [B, 1, 1, T] with 0 for
 * tokens and the float32 minimum for padding, as transformers builds it.
 */
export function additiveMask(attentionMask: Tensor): Tensor {
  const [b, t] = attentionMask.shape as [number, number];
  const src = attentionMask.data;
  const out = new Float32Array(b * t);
  const min = -3.4028234663852886e38;
  for (let i = 0; i < out.length; i++) out[i] = src[i] === 0 ? min : 0;
  return new Tensor(out, [b, 1, 1, t]);
}
