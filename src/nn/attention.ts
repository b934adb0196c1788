// Scaled dot-product attention over heads (fused where the mask allows), and the head split/merge reshapes.
import { withProfileScope } from '../backend/profile.js';
import { dropout } from '../tensor/ops/activations.js';
import { isBatchKeyMask, multiHeadAttention as fusedAttention } from '../tensor/ops/attention.js';
import { matmul } from '../tensor/ops/matmul.js';
import { attentionBias, FLOAT32_MIN } from '../tensor/ops/masks.js';
import type { Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

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

/** The unfused composition: any broadcastable mask. Shapes as scaledDotProductAttention. */
function composedAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const d = q.shape[q.rank - 1]!;
  const scores = matmul(q, k, { transB: true }).mul(1 / Math.sqrt(d));
  let probs = scores.softmax(options.mask ? { mask: options.mask } : {});
  if (options.dropout && options.training) {
    probs = dropout(probs, { p: options.dropout, training: true, ...(options.rng ? { rng: options.rng } : {}) });
  }
  return matmul(probs, v);
}

function dropoutRate(options: AttentionOptions): number {
  return options.training && options.dropout ? options.dropout : 0;
}

/**
 * softmax(q k^T / sqrt(D) + mask) v for q [B, heads, Tq, D], k and v [B, heads, Tk, D] -> [B, heads, Tq, D].
 * Runs as one fused kernel when the mask is absent or per batch entry ([B, 1, 1, Tk]).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  return withProfileScope('attention', () => {
    const [b, heads, tq, d] = q.shape as [number, number, number, number];
    const tk = k.shape[2]!;
    const mask = options.mask;
    if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4 || (mask !== undefined && !isBatchKeyMask(mask, b, tk))) {
      return composedAttention(q, k, v, options);
    }
    // [B, heads, T, D] is [B * heads, T, D]: one "head" per batch entry, each with its batch entry's mask row.
    const perHeadMask = mask === undefined ? undefined : mask.reshape([b, 1, tk]).expand([b, heads, tk]).reshape([b * heads, 1, tk]);
    const out = fusedAttention(q.reshape([b * heads, tq, d]), k.reshape([b * heads, tk, d]), v.reshape([b * heads, tk, d]), {
      heads: 1, dropout: dropoutRate(options), scale: 1 / Math.sqrt(d),
      ...(perHeadMask ? { mask: perHeadMask } : {}), ...(options.rng ? { rng: options.rng } : {}),
    });
    return out.reshape([b, heads, tq, d]);
  });
}

export interface MultiHeadAttentionOptions extends AttentionOptions {
  readonly heads: number;
}

/**
 * Attention over projections that keep the heads side by side: q [B, Tq, H], k and v [B, Tk, H]
 * -> [B, Tq, H], already merged. No head split or merge copies: the fused kernel reads each head in
 * place. A mask that is not per batch entry falls back to the composed ops.
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, options: MultiHeadAttentionOptions): Tensor {
  return withProfileScope('attention', () => {
    const { heads, mask } = options;
    if (mask !== undefined && !isBatchKeyMask(mask, q.shape[0]!, k.shape[1]!)) {
      return mergeHeads(composedAttention(splitHeads(q, heads), splitHeads(k, heads), splitHeads(v, heads), options));
    }
    return fusedAttention(q, k, v, {
      heads, dropout: dropoutRate(options),
      ...(mask ? { mask } : {}), ...(options.rng ? { rng: options.rng } : {}),
    });
  });
}

/**
 * The additive attention mask for a padding mask [B, T] of 1 (token) / 0 (padding): [B, 1, 1, T] with 0 for
 * tokens and the float32 minimum for padding, as transformers builds it.
 */
export function additiveMask(attentionMask: Tensor): Tensor {
  return attentionBias(attentionMask, FLOAT32_MIN);
}
