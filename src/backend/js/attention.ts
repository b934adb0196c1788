// Reference fused multi-head attention (see Backend.attention): per (batch, head) GEMMs on in-place head slices.
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
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number,
  a: F32, aAt: number, lda: number, b: F32, bAt: number, ldb: number, c: F32, cAt: number, ldc: number,
): void {
  gemm(ta, tb, 1, m, n, k, alpha, a.subarray(aAt), 0, lda, b.subarray(bAt), 0, ldb, 0, c.subarray(cAt), 0, ldc);
}

/** Masks `x` into `out` (n values at flat probs index `first`) with the dropout rule. */
function applyDropout(x: F32, out: F32, n: number, first: number, seed: number, threshold: number, scale: number): void {
  for (let c = 0; c < n; c++) out[c] = dropoutKeep(seed, first + c, threshold) ? x[c]! * scale : 0;
}

/** See Backend.attention. */
export function attention(
  q: F32, k: F32, v: F32, mask: F32 | null, batch: number, heads: number, tq: number, tk: number, headDim: number,
  scale: number, dropout: number, seed: number, probs: F32, out: F32,
): void {
  const width = heads * headDim;
  checkRate('attention', dropout, seed);
  check('attention', 'q', batch * tq * width, q.length);
  check('attention', 'k', batch * tk * width, k.length);
  check('attention', 'v', batch * tk * width, v.length);
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
    const kvAt = b * tk * width + h * headDim;
    const pAt = i * tq * tk;
    mm(false, true, tq, tk, headDim, scale, q, qAt, width, k, kvAt, width, probs, pAt, tk);
    for (let r = 0; r < tq; r++) softmaxRow(probs, pAt + r * tk, tk, mask, b * tk);
    let weights = probs.subarray(pAt, pAt + tq * tk);
    if (dropout > 0) {
      applyDropout(weights, dropped, tq * tk, pAt, seed, threshold, keepScale);
      weights = dropped;
    }
    mm(false, false, tq, headDim, tk, 1, weights, 0, tk, v, kvAt, width, out, qAt, width);
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

/** See Backend.attentionGrad. */
export function attentionGrad(
  q: F32, k: F32, v: F32, probs: F32, dOut: F32, batch: number, heads: number, tq: number, tk: number,
  headDim: number, scale: number, dropout: number, seed: number, dq: F32, dk: F32, dv: F32,
): void {
  const width = heads * headDim;
  checkRate('attentionGrad', dropout, seed);
  const qSize = batch * tq * width;
  const kvSize = batch * tk * width;
  for (const [what, need, have] of [['q', qSize, q.length], ['k', kvSize, k.length], ['v', kvSize, v.length],
    ['probs', batch * heads * tq * tk, probs.length], ['dOut', qSize, dOut.length], ['dq', qSize, dq.length],
    ['dk', kvSize, dk.length], ['dv', kvSize, dv.length]] as const) check('attentionGrad', what, need, have);
  if (tq === 0 || tk === 0) {
    dq.fill(0, 0, qSize);
    dk.fill(0, 0, kvSize);
    dv.fill(0, 0, kvSize);
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
    const kvAt = b * tk * width + h * headDim;
    const pAt = i * tq * tk;
    const p = probs.subarray(pAt, pAt + tq * tk);
    let weights = p;
    if (dropout > 0) {
      applyDropout(p, dropped, tq * tk, pAt, seed, threshold, keepScale);
      weights = dropped;
    }
    mm(true, false, tk, headDim, tq, 1, weights, 0, tk, dOut, qAt, width, dv, kvAt, width);
    mm(false, true, tq, tk, headDim, 1, dOut, qAt, width, v, kvAt, width, dScores, 0, tk);
    if (dropout > 0) applyDropout(dScores, dScores, tq * tk, pAt, seed, threshold, keepScale);
    for (let r = 0; r < tq; r++) {
      let dot = 0;
      for (let c = 0; c < tk; c++) dot += dScores[r * tk + c]! * p[r * tk + c]!;
      for (let c = 0; c < tk; c++) dScores[r * tk + c] = p[r * tk + c]! * (dScores[r * tk + c]! - dot);
    }
    mm(false, false, tq, headDim, tk, scale, dScores, 0, tk, k, kvAt, width, dq, qAt, width);
    mm(true, false, tk, headDim, tq, scale, dScores, 0, tk, q, qAt, width, dk, kvAt, width);
  }
}
