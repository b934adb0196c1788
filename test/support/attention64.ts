// Float64 dense attention (forward with its probabilities, and backward): the ground truth for the blocked kernels.
import { dropoutKeep, dropoutThreshold } from '../../src/backend/js/dropout.js';

/** Layout and options of one attention call, as the Backend kernels take them. */
export interface Attention64Options {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly tq: number;
  readonly tk: number;
  readonly d: number;
  readonly causal: boolean;
  /** Additive [B, Tk] mask, or null. */
  readonly mask: ArrayLike<number> | null;
  readonly scale: number;
  /** Dropout rate (default 0) and its seed. */
  readonly dropout?: number;
  readonly seed?: number;
}

/** Dense results: P [B, heads, Tq, Tk] before dropout, out [B, Tq, heads * D]. */
export interface Attention64 {
  readonly probs: Float64Array;
  readonly out: Float64Array;
}

/** Element (b, t, head, c) of a [B, T, heads * D] array. */
function at(o: Attention64Options, t: number, heads: number, b: number, row: number, head: number, c: number): number {
  return (b * t + row) * heads * o.d + head * o.d + c;
}

/** The dropout factor of probability (i = b * heads + h, r, j): 0 or 1 / (1 - p). */
function keepFactor(o: Attention64Options, flat: number): number {
  const p = o.dropout ?? 0;
  if (p === 0) return 1;
  return dropoutKeep(o.seed ?? 0, flat, dropoutThreshold(p)) ? 1 / (1 - p) : 0;
}

/**
 * softmax(scale q k^T + mask) v per (batch, head) in float64; query head h reads key / value head
 * floor(h / (heads / kvHeads)); under `causal` query r sees keys j <= r + (Tk - Tq); a row that sees no finite
 * score gives zeros.
 */
export function attention64(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, o: Attention64Options): Attention64 {
  const { batch, heads, kvHeads, tq, tk, d } = o;
  const probs = new Float64Array(batch * heads * tq * tk);
  const out = new Float64Array(batch * tq * heads * d);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / (heads / kvHeads));
      for (let r = 0; r < tq; r++) {
        const seen = o.causal ? Math.max(0, Math.min(tk, r + tk - tq + 1)) : tk;
        const row = probs.subarray(((b * heads + h) * tq + r) * tk, ((b * heads + h) * tq + r + 1) * tk);
        let max = -Infinity;
        for (let j = 0; j < seen; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[at(o, tq, heads, b, r, h, c)]! * k[at(o, tk, kvHeads, b, j, g, c)]!;
          row[j] = s * o.scale + (o.mask ? o.mask[b * tk + j]! : 0);
          max = Math.max(max, row[j]!);
        }
        let sum = 0;
        for (let j = 0; j < seen; j++) sum += row[j] = max === -Infinity ? 0 : Math.exp(row[j]! - max);
        for (let j = 0; j < tk; j++) row[j] = j < seen && sum > 0 ? row[j]! / sum : 0;
        for (let j = 0; j < seen; j++) {
          const w = row[j]! * keepFactor(o, ((b * heads + h) * tq + r) * tk + j);
          for (let c = 0; c < d; c++) out[at(o, tq, heads, b, r, h, c)] += w * v[at(o, tk, kvHeads, b, j, g, c)]!;
        }
      }
    }
  }
  return { probs, out };
}

/** Dense float64 gradients of sum(out * dOut) with respect to q, k and v (shaped as them). */
export function attentionGrad64(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dOut: ArrayLike<number>,
  o: Attention64Options,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { batch, heads, kvHeads, tq, tk, d } = o;
  const { probs } = attention64(q, k, v, o);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  const dp = new Float64Array(tk);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / (heads / kvHeads));
      for (let r = 0; r < tq; r++) {
        const base = ((b * heads + h) * tq + r) * tk;
        let dot = 0;
        for (let j = 0; j < tk; j++) {
          const keep = keepFactor(o, base + j);
          let s = 0;
          for (let c = 0; c < d; c++) {
            const go = dOut[at(o, tq, heads, b, r, h, c)]!;
            s += go * v[at(o, tk, kvHeads, b, j, g, c)]!;
            dv[at(o, tk, kvHeads, b, j, g, c)] += probs[base + j]! * keep * go;
          }
          dp[j] = s * keep;
          dot += dp[j]! * probs[base + j]!;
        }
        for (let j = 0; j < tk; j++) {
          const ds = probs[base + j]! * (dp[j]! - dot) * o.scale;
          if (ds === 0) continue;
          for (let c = 0; c < d; c++) {
            dq[at(o, tq, heads, b, r, h, c)] += ds * k[at(o, tk, kvHeads, b, j, g, c)]!;
            dk[at(o, tk, kvHeads, b, j, g, c)] += ds * q[at(o, tq, heads, b, r, h, c)]!;
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
