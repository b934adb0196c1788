// Multi-head self-attention over projections the caller owns (so each family keeps its checkpoint names).
import { multiHeadAttention } from '../../nn/attention.js';
import type { Tensor } from '../../tensor/tensor.js';

/** Anything that maps [..., in] to [..., out]: a Linear, or a Linear wrapped by an adapter. */
export interface Projection {
  forward(x: Tensor): Tensor;
}

export interface SelfAttentionOptions {
  readonly heads: number;
  /** Additive mask [B, 1, 1, T]: 0 for tokens, a large negative number for padding. */
  readonly mask: Tensor;
  /** Dropout on the attention probabilities, applied only when `training`. */
  readonly dropout: number;
  readonly training: boolean;
}

/**
 * softmax(q k^T / sqrt(D) + mask) v with q, k, v projected from x and split into heads, merged back.
 * Shapes: x [B, T, H] -> [B, T, H] (before the output projection).
 */
export function selfAttention(x: Tensor, query: Projection, key: Projection, value: Projection, options: SelfAttentionOptions): Tensor {
  // The fused kernel reads each head in place in [B, T, H], so the heads are never split or merged by copies.
  return multiHeadAttention(query.forward(x), key.forward(x), value.forward(x), {
    heads: options.heads,
    mask: options.mask,
    dropout: options.dropout,
    training: options.training,
  });
}
