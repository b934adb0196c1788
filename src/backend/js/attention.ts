// Reference fused multi-head attention (see Backend.attention): blocks of queries x keys with the online softmax, causal and grouped-query.
import type { F32 } from '../backend.js';
import { mm, mmBf16 } from './block-product.js';
import { checkLength } from './check-length.js';
import { dropoutKeep, dropoutThreshold } from './dropout.js';

/** Query rows and keys per block, as in the native kernel. */
const QB = 128;
const KB = 256;

function checkRate(name: string, dropout: number, seed: number): void {
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`${name}: dropout ${dropout} must be in [0, 1)`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new RangeError(`${name}: seed ${seed} is not a 32-bit unsigned integer`);
}

/** Checks the head counts and returns how many query heads share one key/value head. */
function groupSize(name: string, heads: number, kvHeads: number): number {
  if (!(Number.isInteger(kvHeads) && kvHeads >= 1 && heads % kvHeads === 0)) {
    throw new RangeError(`${name}: kvHeads ${kvHeads} must divide heads ${heads}`);
  }
  return heads / kvHeads;
}

/** Keys query row r may see: all of them, or under a causal mask those j <= r + (tk - tq), clamped to [0, tk]. */
export function visibleKeys(causal: boolean, r: number, tq: number, tk: number): number {
  return causal ? Math.max(0, Math.min(tk, r + tk - tq + 1)) : tk;
}

/** Keys of the block [c0, c0 + cols) that query row r sees. */
function seenInBlock(causal: boolean, r: number, c0: number, cols: number, tq: number, tk: number): number {
  return Math.max(0, Math.min(cols, visibleKeys(causal, r, tq, tk) - c0));
}

/** The sizes and flags both directions share, checked. */
interface Plan {
  readonly batch: number;
  readonly heads: number;
  readonly group: number;
  readonly tq: number;
  readonly tk: number;
  readonly d: number;
  readonly width: number;
  readonly kvWidth: number;
  readonly causal: boolean;
  readonly scale: number;
  readonly dropout: number;
  readonly seed: number;
  readonly threshold: number;
  readonly keepScale: number;
}

function plan(
  name: string,
  batch: number,
  heads: number,
  kvHeads: number,
  tq: number,
  tk: number,
  d: number,
  causal: boolean,
  scale: number,
  dropout: number,
  seed: number,
): Plan {
  const group = groupSize(name, heads, kvHeads);
  checkRate(name, dropout, seed);
  const keepScale = Math.fround(1 / (1 - dropout));
  return {
    batch,
    heads,
    group,
    tq,
    tk,
    d,
    width: heads * d,
    kvWidth: kvHeads * d,
    causal,
    scale,
    dropout,
    seed,
    threshold: dropoutThreshold(dropout),
    keepScale,
  };
}

/** Masks n values of `x` at xAt into `out` at outAt with the dropout rule, flat indices from `first`. */
function applyDropout(p: Plan, x: F32, xAt: number, out: F32, outAt: number, n: number, first: number): void {
  for (let c = 0; c < n; c++) out[outAt + c] = dropoutKeep(p.seed, first + c, p.threshold) ? x[xAt + c]! * p.keepScale : 0;
}

/** Row probabilities from the statistics: e^(s + mask - max - log sum) for the `seen` first keys, 0 after. */
function probsRow(row: F32, at: number, mask: F32 | null, maskAt: number, seen: number, cols: number, max: number, logSum: number): void {
  const n = max === -Infinity ? 0 : seen;
  for (let c = 0; c < n; c++) row[at + c] = Math.exp((mask ? row[at + c]! + mask[maskAt + c]! : row[at + c]!) - max - logSum);
  row.fill(0, at + n, at + cols);
}

/** See Backend.attention. */
export function attention(
  q: F32,
  k: F32,
  v: F32,
  mask: F32 | null,
  batch: number,
  heads: number,
  kvHeads: number,
  tq: number,
  tk: number,
  headDim: number,
  causal: boolean,
  scale: number,
  dropout: number,
  seed: number,
  stats: F32,
  out: F32,
  probs: F32 | null,
  bf16: boolean,
): void {
  const product = bf16 ? mmBf16 : mm;
  const p = plan('attention', batch, heads, kvHeads, tq, tk, headDim, causal, scale, dropout, seed);
  const { width, kvWidth, d } = p;
  checkLength('attention', 'q', q, batch * tq * width);
  checkLength('attention', 'k', k, batch * tk * kvWidth);
  checkLength('attention', 'v', v, batch * tk * kvWidth);
  if (mask) checkLength('attention', 'mask', mask, batch * tk);
  checkLength('attention', 'stats', stats, batch * heads * tq * 2);
  checkLength('attention', 'out', out, batch * tq * width);
  if (probs) checkLength('attention', 'probs', probs, batch * heads * tq * tk);
  const s = new Float32Array(QB * KB);
  const m = new Float64Array(QB);
  const l = new Float64Array(QB);
  for (let i = 0; i < batch * heads; i++) {
    const b = Math.floor(i / heads);
    const qAt = b * tq * width + (i % heads) * d;
    const kvAt = b * tk * kvWidth + Math.floor((i % heads) / p.group) * d;
    for (let r0 = 0; r0 < tq; r0 += QB) {
      const rows = Math.min(QB, tq - r0);
      const keys = visibleKeys(causal, r0 + rows - 1, tq, tk);
      m.fill(-Infinity);
      l.fill(0);
      for (let r = 0; r < rows; r++) out.fill(0, qAt + (r0 + r) * width, qAt + (r0 + r) * width + d);
      for (let c0 = 0; c0 < keys; c0 += KB) {
        const cols = Math.min(KB, keys - c0);
        product(false, true, rows, cols, d, scale, q, qAt + r0 * width, width, k, kvAt + c0 * kvWidth, kvWidth, 0, s, 0, KB);
        for (let r = 0; r < rows; r++) {
          const seen = seenInBlock(causal, r0 + r, c0, cols, tq, tk);
          let max = m[r]!;
          for (let c = 0; c < seen; c++) {
            const value = mask ? s[r * KB + c]! + mask[b * tk + c0 + c]! : s[r * KB + c]!;
            s[r * KB + c] = value;
            if (value > max) max = value;
          }
          if (max === -Infinity) {
            s.fill(0, r * KB, r * KB + cols);
            continue;
          }
          let sum = 0;
          for (let c = 0; c < seen; c++) {
            const e = Math.exp(s[r * KB + c]! - max);
            s[r * KB + c] = e;
            sum += Math.fround(e);
          }
          s.fill(0, r * KB + seen, r * KB + cols);
          if (max !== m[r]) {
            // The running max grew: earlier terms of the sum and of the partial output shrink by e^(old - new).
            const corr = m[r] === -Infinity ? 0 : Math.exp(m[r]! - max);
            l[r] = l[r]! * corr;
            const o = qAt + (r0 + r) * width;
            for (let x = 0; x < d; x++) out[o + x] = out[o + x]! * corr;
          }
          l[r] = l[r]! + sum;
          m[r] = max;
          if (dropout > 0) applyDropout(p, s, r * KB, s, r * KB, seen, (i * tq + r0 + r) * tk + c0);
        }
        product(false, false, rows, d, cols, 1, s, 0, KB, v, kvAt + c0 * kvWidth, kvWidth, 1, out, qAt + r0 * width, width);
      }
      for (let r = 0; r < rows; r++) {
        const o = qAt + (r0 + r) * width;
        const st = (i * tq + r0 + r) * 2;
        if (l[r]! > 0) {
          const inv = 1 / l[r]!;
          for (let x = 0; x < d; x++) out[o + x] = out[o + x]! * inv;
          stats[st] = m[r]!;
          stats[st + 1] = Math.log(l[r]!);
        } else {
          out.fill(0, o, o + d);
          stats[st] = -Infinity;
          stats[st + 1] = 0;
        }
      }
      if (probs) {
        const at = (i * tq + r0) * tk;
        product(false, true, rows, keys, d, scale, q, qAt + r0 * width, width, k, kvAt, kvWidth, 0, probs, at, tk);
        for (let r = 0; r < rows; r++) {
          const st = (i * tq + r0 + r) * 2;
          probsRow(probs, at + r * tk, mask, b * tk, visibleKeys(causal, r0 + r, tq, tk), tk, stats[st]!, stats[st + 1]!);
        }
      }
    }
  }
}

/** See Backend.attentionGrad. */
export function attentionGrad(
  q: F32,
  k: F32,
  v: F32,
  mask: F32 | null,
  out: F32,
  stats: F32,
  dOut: F32,
  batch: number,
  heads: number,
  kvHeads: number,
  tq: number,
  tk: number,
  headDim: number,
  causal: boolean,
  scale: number,
  dropout: number,
  seed: number,
  dq: F32,
  dk: F32,
  dv: F32,
  bf16: boolean,
): void {
  const product = bf16 ? mmBf16 : mm;
  const p = plan('attentionGrad', batch, heads, kvHeads, tq, tk, headDim, causal, scale, dropout, seed);
  const { width, kvWidth, d } = p;
  const qSize = batch * tq * width;
  const kvSize = batch * tk * kvWidth;
  for (const [what, array, need] of [
    ['q', q, qSize],
    ['k', k, kvSize],
    ['v', v, kvSize],
    ['mask', mask ?? [], mask ? batch * tk : 0],
    ['out', out, qSize],
    ['stats', stats, batch * heads * tq * 2],
    ['dOut', dOut, qSize],
    ['dq', dq, qSize],
    ['dk', dk, kvSize],
    ['dv', dv, kvSize],
  ] as const)
    checkLength('attentionGrad', what, array, need);
  dq.fill(0, 0, qSize);
  dk.fill(0, 0, kvSize);
  dv.fill(0, 0, kvSize);
  const s = new Float32Array(QB * KB);
  const dp = new Float32Array(QB * KB);
  const dropped = new Float32Array(QB * KB);
  const dsum = new Float64Array(QB);
  for (let i = 0; i < batch * heads; i++) {
    const b = Math.floor(i / heads);
    const qAt = b * tq * width + (i % heads) * d;
    const kvAt = b * tk * kvWidth + Math.floor((i % heads) / p.group) * d;
    for (let r0 = 0; r0 < tq; r0 += QB) {
      const rows = Math.min(QB, tq - r0);
      const keys = visibleKeys(causal, r0 + rows - 1, tq, tk);
      for (let r = 0; r < rows; r++) {
        const o = qAt + (r0 + r) * width;
        let dot = 0;
        for (let x = 0; x < d; x++) dot += dOut[o + x]! * out[o + x]!;
        dsum[r] = dot;
      }
      for (let c0 = 0; c0 < keys; c0 += KB) {
        const cols = Math.min(KB, keys - c0);
        const kBlock = kvAt + c0 * kvWidth;
        product(false, true, rows, cols, d, scale, q, qAt + r0 * width, width, k, kBlock, kvWidth, 0, s, 0, KB);
        for (let r = 0; r < rows; r++) {
          const st = (i * tq + r0 + r) * 2;
          probsRow(s, r * KB, mask, b * tk + c0, seenInBlock(causal, r0 + r, c0, cols, tq, tk), cols, stats[st]!, stats[st + 1]!);
        }
        // d dropout(P) = dO V^T; dV += dropout(P)^T dO; dP = d dropout(P) back through the mask.
        product(false, true, rows, cols, d, 1, dOut, qAt + r0 * width, width, v, kBlock, kvWidth, 0, dp, 0, KB);
        let weights = s;
        if (dropout > 0) {
          for (let r = 0; r < rows; r++) {
            const first = (i * tq + r0 + r) * tk + c0;
            applyDropout(p, s, r * KB, dropped, r * KB, cols, first);
            applyDropout(p, dp, r * KB, dp, r * KB, cols, first);
          }
          weights = dropped;
        }
        product(true, false, cols, d, rows, 1, weights, 0, KB, dOut, qAt + r0 * width, width, 1, dv, kBlock, kvWidth);
        // Softmax backward, dS = P (dP - D) with D = rowsum(dO O) = rowsum(dP P).
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) dp[r * KB + c] = s[r * KB + c]! * (dp[r * KB + c]! - dsum[r]!);
        }
        // S = scale Q K^T: dQ += scale dS K, dK += scale dS^T Q (dk and dv sum the query heads of a group).
        product(false, false, rows, d, cols, scale, dp, 0, KB, k, kBlock, kvWidth, 1, dq, qAt + r0 * width, width);
        product(true, false, cols, d, rows, scale, dp, 0, KB, q, qAt + r0 * width, width, 1, dk, kBlock, kvWidth);
      }
    }
  }
}
