// Scaled dot-product attention over heads (fused where the mask allows; causal and grouped-query), and the head split/merge reshapes.
import { withProfileScope } from '../backend/profile.js';
import { dropout } from '../tensor/ops/activations.js';
import { isBatchKeyMask, multiHeadAttention as fusedAttention } from '../tensor/ops/attention.js';
import { matmul } from '../tensor/ops/matmul.js';
import { attentionBias, FLOAT32_MIN } from '../tensor/ops/masks.js';
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
  /**
   * Causal mask (default false): query i sees key j only when j <= i + (Tk - Tq), so a query block at the end of
   * a longer key sequence (a key / value cache) works. Combines with `mask`; never materialised on the fused path.
   */
  readonly causal?: boolean;
  /** Dropout on the attention probabilities (training only). */
  readonly dropout?: number;
  readonly training?: boolean;
  readonly rng?: Random;
}

/** [Tq, Tk] additive causal mask: 0 where j <= i + (Tk - Tq), -Infinity elsewhere (composed path only). */
function causalMask(tq: number, tk: number): Tensor {
  const out = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) out.fill(-Infinity, i * tk + Math.max(0, Math.min(tk, i + tk - tq + 1)), (i + 1) * tk);
  return new Tensor(out, [tq, tk]);
}

/** k or v [B, kvHeads, T, D] repeated to [B, kvHeads * rep, T, D] (transformers' repeat_kv). */
function repeatKv(x: Tensor, rep: number): Tensor {
  if (rep === 1) return x;
  const [b, kvHeads, t, d] = x.shape as [number, number, number, number];
  return x
    .reshape([b, kvHeads, 1, t, d])
    .expand([b, kvHeads, rep, t, d])
    .reshape([b, kvHeads * rep, t, d]);
}

/** The unfused composition: any broadcastable mask. Shapes as scaledDotProductAttention. */
function composedAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  const d = q.shape[q.rank - 1]!;
  const rep = q.rank === 4 && k.rank === 4 ? q.shape[1]! / k.shape[1]! : 1;
  const keys = repeatKv(k, rep);
  const values = repeatKv(v, rep);
  const scores = matmul(q, keys, { transB: true }).mul(1 / Math.sqrt(d));
  let mask = options.mask;
  if (options.causal) {
    const causal = causalMask(q.shape[q.rank - 2]!, k.shape[k.rank - 2]!);
    mask = mask === undefined ? causal : mask.detach().add(causal);
  }
  let probs = scores.softmax(mask ? { mask } : {});
  if (options.dropout && options.training) {
    probs = dropout(probs, { p: options.dropout, training: true, ...(options.rng ? { rng: options.rng } : {}) });
  }
  return matmul(probs, values);
}

function dropoutRate(options: AttentionOptions): number {
  return options.training && options.dropout ? options.dropout : 0;
}

/**
 * softmax(q k^T / sqrt(D) + mask) v for q [B, heads, Tq, D], k and v [B, kvHeads, Tk, D] -> [B, heads, Tq, D],
 * kvHeads dividing heads (grouped-query: key / value head g serves query heads g * rep .. g * rep + rep - 1).
 * Runs as one fused kernel when the mask is absent or per batch entry ([B, 1, 1, Tk]); with kvHeads < heads
 * the fused path permutes q, k and v to the kernel's [B, T, heads * D] layout (a copy each, never a repeat).
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  return withProfileScope('attention', () => {
    const [b, heads, tq, d] = q.shape as [number, number, number, number];
    const kvHeads = k.shape[1]!;
    const tk = k.shape[2]!;
    const mask = options.mask;
    if (q.rank === 4 && k.rank === 4 && (kvHeads === 0 || heads % kvHeads !== 0)) {
      throw new Error(`scaledDotProductAttention: ${kvHeads} key/value heads do not divide ${heads} heads`);
    }
    if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4 || (mask !== undefined && !isBatchKeyMask(mask, b, tk))) {
      return composedAttention(q, k, v, options);
    }
    const common = {
      dropout: dropoutRate(options),
      scale: 1 / Math.sqrt(d),
      causal: options.causal ?? false,
      ...(options.rng ? { rng: options.rng } : {}),
    };
    if (kvHeads !== heads) {
      const toRows = (x: Tensor, n: number, t: number): Tensor => x.permute([0, 2, 1, 3]).reshape([b, t, n * d]);
      const out = fusedAttention(toRows(q, heads, tq), toRows(k, kvHeads, tk), toRows(v, kvHeads, tk), {
        ...common,
        heads,
        kvHeads,
        ...(mask ? { mask } : {}),
      });
      return out.reshape([b, tq, heads, d]).permute([0, 2, 1, 3]);
    }
    // [B, heads, T, D] is [B * heads, T, D]: one "head" per batch entry, each with its batch entry's mask row.
    const perHeadMask =
      mask === undefined
        ? undefined
        : mask
            .reshape([b, 1, tk])
            .expand([b, heads, tk])
            .reshape([b * heads, 1, tk]);
    const out = fusedAttention(q.reshape([b * heads, tq, d]), k.reshape([b * heads, tk, d]), v.reshape([b * heads, tk, d]), {
      ...common,
      heads: 1,
      ...(perHeadMask ? { mask: perHeadMask } : {}),
    });
    return out.reshape([b, heads, tq, d]);
  });
}

export interface MultiHeadAttentionOptions extends AttentionOptions {
  readonly heads: number;
  /** Key / value heads of k and v (grouped-query attention; default `heads`); must divide `heads`. */
  readonly kvHeads?: number;
}

/**
 * Attention over projections that keep the heads side by side: q [B, Tq, heads * D], k and v
 * [B, Tk, kvHeads * D] -> [B, Tq, heads * D], already merged. No head split, merge or repeat copies: the fused
 * kernel reads each head in place. A mask that is not per batch entry falls back to the composed ops.
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, options: MultiHeadAttentionOptions): Tensor {
  return withProfileScope('attention', () => {
    const { heads, mask } = options;
    const kvHeads = options.kvHeads ?? heads;
    if (mask !== undefined && !isBatchKeyMask(mask, q.shape[0]!, k.shape[1]!)) {
      return mergeHeads(composedAttention(splitHeads(q, heads), splitHeads(k, kvHeads), splitHeads(v, kvHeads), options));
    }
    return fusedAttention(q, k, v, {
      heads,
      kvHeads,
      causal: options.causal ?? false,
      dropout: dropoutRate(options),
      ...(mask ? { mask } : {}),
      ...(options.rng ? { rng: options.rng } : {}),
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
