// Reference cross-entropy (class weights, ignore index, label smoothing) and embedding lookup / scatter-add.
import type { F32, I32 } from '../backend.js';

/** See Backend.crossEntropy. Targets are checked first, so a bad target leaves every output untouched. */
export function crossEntropy(
  logits: F32,
  targets: I32,
  rows: number,
  cols: number,
  classWeights: F32 | null,
  ignoreIndex: number,
  smoothing: number,
  probs: F32,
  rowLoss: F32,
  rowWeight: F32,
): number {
  for (let r = 0; r < rows; r++) {
    const t = targets[r];
    if (t !== ignoreIndex && (t < 0 || t >= cols)) return r;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) if (logits[base + c] > max) max = logits[base + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(logits[base + c] - max);
    const logSumExp = max + Math.log(sum);
    for (let c = 0; c < cols; c++) probs[base + c] = Math.exp(logits[base + c] - logSumExp);
    const t = targets[r];
    if (t === ignoreIndex) {
      rowLoss[r] = 0;
      rowWeight[r] = 0;
      continue;
    }
    const wt = classWeights ? classWeights[t] : 1;
    let loss = (1 - smoothing) * wt * (logSumExp - logits[base + t]);
    if (smoothing !== 0) {
      let smooth = 0;
      for (let c = 0; c < cols; c++) smooth += (classWeights ? classWeights[c] : 1) * (logSumExp - logits[base + c]);
      loss += (smoothing / cols) * smooth;
    }
    rowLoss[r] = loss;
    rowWeight[r] = wt;
  }
  return -1;
}

/** See Backend.crossEntropyGrad. Rows with an out-of-range target are treated as ignored (zero gradient). */
export function crossEntropyGrad(
  probs: F32,
  targets: I32,
  rows: number,
  cols: number,
  classWeights: F32 | null,
  ignoreIndex: number,
  smoothing: number,
  scale: number,
  dlogits: F32,
): void {
  let weightSum = cols;
  if (classWeights) {
    weightSum = 0;
    for (let c = 0; c < cols; c++) weightSum += classWeights[c];
  }
  const smoothPerClass = smoothing / cols;
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const t = targets[r];
    if (t === ignoreIndex || t < 0 || t >= cols) {
      dlogits.fill(0, base, base + cols);
      continue;
    }
    const hard = (1 - smoothing) * (classWeights ? classWeights[t] : 1);
    for (let c = 0; c < cols; c++) {
      const p = probs[base + c];
      const w = classWeights ? classWeights[c] : 1;
      let g = hard * p + smoothPerClass * (weightSum * p - w);
      if (c === t) g -= hard;
      dlogits[base + c] = scale * g;
    }
  }
}

/** See Backend.embedding. */
export function embedding(table: F32, vocab: number, dim: number, ids: I32, out: F32): number {
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (id < 0 || id >= vocab) return n;
    out.set(table.subarray(id * dim, id * dim + dim), n * dim);
  }
  return -1;
}

/** See Backend.embeddingGrad. Ids outside the table are skipped (the forward pass has already reported them). */
export function embeddingGrad(ids: I32, dy: F32, dim: number, dTable: F32): void {
  const vocab = Math.floor(dTable.length / dim);
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n];
    if (id < 0 || id >= vocab) continue;
    const row = id * dim;
    const from = n * dim;
    for (let d = 0; d < dim; d++) dTable[row + d] += dy[from + d];
  }
}
