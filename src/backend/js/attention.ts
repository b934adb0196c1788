// Reference fused multi-head attention (see Backend.attention): per (batch, head) GEMMs on in-place head slices, causal and grouped-query.
import type { F32 } from '../backend.js';
import { dropoutKeep, dropoutThreshold } from './dropout.js';
import { gemm } from './gemm.js';

function check(name: string, what: string, need: number, have: number): void {
  if (have < need) throw new RangeError(`${name}: ${what} has ${have} elements, needs ${need}`);
}

function checkRate(name: string, dropout: number, seed: number): void {
  if (!(dropout >= 0 && dropout < 1)) throw new RangeError(`${name}: dropout ${dropout} must be in [0, 1)`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new RangeError(`${name}: seed ${seed} is not a 32-bit unsigned integer`);
}

/** C [m, n] = alpha op(A) op(B) on views that start at the given offsets. */
function mm(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aAt: number,
  lda: number,
  b: F32,
  bAt: number,
  ldb: number,
  c: F32,
  cAt: number,
  ldc: number,
): void {
  gemm(ta, tb, 1, m, n, k, alpha, a.subarray(aAt), 0, lda, b.subarray(bAt), 0, ldb, 0, c.subarray(cAt), 0, ldc);
}

/** C [m, n] += alpha op(A) op(B), as mm. */
function mmAcc(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aAt: number,
  lda: number,
  b: F32,
  bAt: number,
  ldb: number,
  c: F32,
  cAt: number,
  ldc: number,
): void {
  gemm(ta, tb, 1, m, n, k, alpha, a.subarray(aAt), 0, lda, b.subarray(bAt), 0, ldb, 1, c.subarray(cAt), 0, ldc);
}

/** Masks `x` into `out` (n values at flat probs index `first`) with the dropout rule. */
function applyDropout(x: F32, out: F32, n: number, first: number, seed: number, threshold: number, scale: number): void {
  for (let c = 0; c < n; c++) out[c] = dropoutKeep(seed, first + c, threshold) ? x[c]! * scale : 0;
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
  probs: F32,
  out: F32,
): void {
  const width = heads * headDim;
  const kvWidth = kvHeads * headDim;
  const group = groupSize('attention', heads, kvHeads);
  checkRate('attention', dropout, seed);
  check('attention', 'q', batch * tq * width, q.length);
  check('attention', 'k', batch * tk * kvWidth, k.length);
  check('attention', 'v', batch * tk * kvWidth, v.length);
  if (mask) check('attention', 'mask', batch * tk, mask.length);
  check('attention', 'probs', batch * heads * tq * tk, probs.length);
  check('attention', 'out', batch * tq * width, out.length);
  if (tk === 0) {
    out.fill(0, 0, batch * tq * width);
    return;
  }
  const threshold = dropoutThreshold(dropout);
  const keepScale = Math.fround(1 / (1 - dropout));
  const dropped = new Float32Array(tq * tk);
  for (let i = 0; i < batch * heads; i++) {
    const b = Math.floor(i / heads);
    const h = i % heads;
    const qAt = b * tq * width + h * headDim;
    const kvAt = b * tk * kvWidth + Math.floor(h / group) * headDim;
    const pAt = i * tq * tk;
    mm(false, true, tq, tk, headDim, scale, q, qAt, width, k, kvAt, kvWidth, probs, pAt, tk);
    for (let r = 0; r < tq; r++) {
      const seen = visibleKeys(causal, r, tq, tk);
      softmaxRow(probs, pAt + r * tk, seen, mask, b * tk);
      probs.fill(0, pAt + r * tk + seen, pAt + (r + 1) * tk);
    }
    let weights = probs.subarray(pAt, pAt + tq * tk);
    if (dropout > 0) {
      applyDropout(weights, dropped, tq * tk, pAt, seed, threshold, keepScale);
      weights = dropped;
    }
    mm(false, false, tq, headDim, tk, 1, weights, 0, tk, v, kvAt, kvWidth, out, qAt, width);
  }
}
/** Softmax of probs[at .. at + cols) in place after adding the mask row at maskAt; all -Infinity gives zeros. */
function softmaxRow(row: F32, at: number, cols: number, mask: F32 | null, maskAt: number): void {
  let max = -Infinity;
  for (let c = 0; c < cols; c++) {
    const value = mask ? row[at + c]! + mask[maskAt + c]! : row[at + c]!;
    row[at + c] = value;
    if (value > max) max = value;
  }
  if (max === -Infinity) {
    row.fill(0, at, at + cols);
    return;
  }
  let sum = 0;
  for (let c = 0; c < cols; c++) {
    const e = Math.exp(row[at + c]! - max);
    row[at + c] = e;
    sum += e;
  }
  const inv = 1 / sum;
  for (let c = 0; c < cols; c++) row[at + c] = row[at + c]! * inv;
}

/** See Backend.attentionGrad. Causal rows need no special case here: their masked probabilities are 0. */
export function attentionGrad(
  q: F32,
  k: F32,
  v: F32,
  probs: F32,
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
): void {
  void causal;
  const width = heads * headDim;
  const kvWidth = kvHeads * headDim;
  const group = groupSize('attentionGrad', heads, kvHeads);
  checkRate('attentionGrad', dropout, seed);
  const qSize = batch * tq * width;
  const kvSize = batch * tk * kvWidth;
  for (const [what, need, have] of [
    ['q', qSize, q.length],
    ['k', kvSize, k.length],
    ['v', kvSize, v.length],
    ['probs', batch * heads * tq * tk, probs.length],
    ['dOut', qSize, dOut.length],
    ['dq', qSize, dq.length],
    ['dk', kvSize, dk.length],
    ['dv', kvSize, dv.length],
  ] as const)
    check('attentionGrad', what, need, have);
  dk.fill(0, 0, kvSize);
  dv.fill(0, 0, kvSize);
  if (tq === 0 || tk === 0) {
    dq.fill(0, 0, qSize);
    return;
  }
  const threshold = dropoutThreshold(dropout);
  const keepScale = Math.fround(1 / (1 - dropout));
  const dropped = new Float32Array(tq * tk);
  const dScores = new Float32Array(tq * tk);
  for (let i = 0; i < batch * heads; i++) {
    const b = Math.floor(i / heads);
    const h = i % heads;
    const qAt = b * tq * width + h * headDim;
    const kvAt = b * tk * kvWidth + Math.floor(h / group) * headDim;
    const pAt = i * tq * tk;
    const p = probs.subarray(pAt, pAt + tq * tk);
    let weights = p;
    if (dropout > 0) {
      applyDropout(p, dropped, tq * tk, pAt, seed, threshold, keepScale);
      weights = dropped;
    }
    // dk and dv accumulate: the query heads of a group share one key/value head.
    mmAcc(true, false, tk, headDim, tq, 1, weights, 0, tk, dOut, qAt, width, dv, kvAt, kvWidth);
    mm(false, true, tq, tk, headDim, 1, dOut, qAt, width, v, kvAt, kvWidth, dScores, 0, tk);
    if (dropout > 0) applyDropout(dScores, dScores, tq * tk, pAt, seed, threshold, keepScale);
    for (let r = 0; r < tq; r++) {
      let dot = 0;
      for (let c = 0; c < tk; c++) dot += dScores[r * tk + c]! * p[r * tk + c]!;
      for (let c = 0; c < tk; c++) dScores[r * tk + c] = p[r * tk + c]! * (dScores[r * tk + c]! - dot);
    }
    mm(false, false, tq, headDim, tk, scale, dScores, 0, tk, k, kvAt, kvWidth, dq, qAt, width);
    mmAcc(true, false, tk, headDim, tq, scale, dScores, 0, tk, q, qAt, width, dk, kvAt, kvWidth);
  }
}
