// Fused multi-head attention on [B, T, H] projections (heads side by side in H), causal and grouped-query: one kernel each way.
import { getBackend } from '../../backend/index.js';
import { bf16Enabled } from '../autocast.js';
import { allocF32 } from '../memory.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

export interface AttentionOpOptions {
  /** Query heads; must divide H. */
  readonly heads: number;
  /**
   * Key / value heads (grouped-query attention; default `heads`): must divide `heads`; k and v are
   * [B, Tk, kvHeads * D] and each of their heads serves heads / kvHeads consecutive query heads.
   */
  readonly kvHeads?: number;
  /**
   * Causal mask (default false): query i sees key j only when j <= i + (Tk - Tq), the queries being the last Tq
   * positions of the keys (Tq < Tk with a key / value cache). Combines with `mask`.
   */
  readonly causal?: boolean;
  /**
   * Additive mask over key positions, one row per batch entry: any shape of B * Tk elements that is
   * [B, ..., Tk] with ones in between (e.g. [B, 1, 1, Tk]). No gradient.
   */
  readonly mask?: Tensor;
  /** Dropout on the attention probabilities (default 0). */
  readonly dropout?: number;
  /** Generator for the dropout seed (default: the global seeded one). */
  readonly rng?: Random;
  /** Multiplies q k^T (default 1 / sqrt(H / heads)). */
  readonly scale?: number;
}

/** Whether `mask` has the per-batch layout the fused kernel takes ([B, 1, ..., Tk]). */
export function isBatchKeyMask(mask: Tensor, batch: number, tk: number): boolean {
  const s = mask.shape;
  return s.length >= 2 && s[0] === batch && s[s.length - 1] === tk && s.slice(1, -1).every((d) => d === 1);
}

/**
 * softmax(scale q_h k_g^T + mask) v_g for every query head h (g = its key / value head), merged back:
 * q [B, Tq, heads * D], k and v [B, Tk, kvHeads * D] -> [B, Tq, heads * D]. Computed in blocks with the online softmax:
 * backward keeps only the output and each row's log-sum-exp ([B, heads, Tq, 2]) and recomputes the scores block by
 * block, regenerating the dropout mask from its seed, so memory grows linearly with Tq and Tk. Under a causal mask, a query row whose visible keys are all padding (left padding)
 * averages their values uniformly, as transformers' eager attention with its float32-minimum mask does over all
 * keys; only those rows (ignored by the loss) differ from it, and they never reach a real position.
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOpOptions): Tensor {
  const { heads } = options;
  const kvHeads = options.kvHeads ?? heads;
  if (
    q.rank !== 3 ||
    k.rank !== 3 ||
    v.rank !== 3 ||
    k.shape[0] !== q.shape[0] ||
    v.shape[0] !== q.shape[0] ||
    k.shape[1] !== v.shape[1] ||
    k.shape[2] !== v.shape[2]
  ) {
    throw new Error(
      `attention: q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and v ${formatShape(v.shape)} must be [B, Tq, H], [B, Tk, Hkv], [B, Tk, Hkv]`,
    );
  }
  const [batch, tq, width] = q.shape as [number, number, number];
  const tk = k.shape[1]!;
  if (!(Number.isInteger(heads) && heads >= 1) || width % heads !== 0) {
    throw new Error(`attention: hidden size ${width} is not divisible by ${heads} heads`);
  }
  const headDim = width / heads;
  if (!(Number.isInteger(kvHeads) && kvHeads >= 1) || heads % kvHeads !== 0) {
    throw new Error(`attention: ${kvHeads} key/value heads do not divide ${heads} heads`);
  }
  if (k.shape[2] !== kvHeads * headDim) {
    throw new Error(`attention: k ${formatShape(k.shape)} must hold ${kvHeads} key/value heads of ${headDim} (last axis ${kvHeads * headDim})`);
  }
  const mask = options.mask;
  if (mask !== undefined && !isBatchKeyMask(mask, batch, tk)) {
    throw new Error(`attention: mask ${formatShape(mask.shape)} must be [${batch}, ..., ${tk}] with size-1 axes between`);
  }
  const causal = options.causal ?? false;
  const p = options.dropout ?? 0;
  if (!(p >= 0 && p < 1)) throw new Error(`attention: dropout ${p} must be in [0, 1)`);
  const seed = p > 0 ? (options.rng ?? defaultRandom()).nextUint32() : 0;
  const scale = options.scale ?? 1 / Math.sqrt(headDim);
  const stats = allocF32(batch * heads * tq * 2);
  const out = allocF32(batch * tq * width);
  const maskData = mask?.f32() ?? null;
  // Under bf16 autocast the block products run in bf16, as PyTorch's attention does on autocast's bf16 projections;
  // backward keeps the forward's setting.
  const bf16 = bf16Enabled();
  getBackend().attention(q.f32(), k.f32(), v.f32(), maskData, batch, heads, kvHeads, tq, tk, headDim, causal, scale, p, seed, stats, out, null, bf16);
  return Tensor.fromOp(
    out,
    [batch, tq, width],
    'attention',
    [q, k, v],
    (g) => {
      const dq = allocF32(q.size);
      const dk = allocF32(k.size);
      const dv = allocF32(v.size);
      getBackend().attentionGrad(
        q.f32(),
        k.f32(),
        v.f32(),
        maskData,
        out,
        stats,
        g.f32(),
        batch,
        heads,
        kvHeads,
        tq,
        tk,
        headDim,
        causal,
        scale,
        p,
        seed,
        dq,
        dk,
        dv,
        bf16,
      );
      return [new Tensor(dq, q.shape), new Tensor(dk, k.shape), new Tensor(dv, v.shape)];
    },
    [stats],
  );
}
