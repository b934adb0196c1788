// Reference row-wise normalisations: masked softmax / log-softmax and layer norm, forward and backward.
import type { F32 } from '../backend.js';

/** See Backend.softmax. `out` may be `x`: each entry is read before it is written. */
export function softmax(x: F32, rows: number, cols: number, mask: F32 | null, group: number, log: boolean, out: F32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const maskBase = mask ? Math.floor(r / group) * cols : 0;
    let max = -Infinity;
    for (let c = 0; c < cols; c++) {
      const v = mask ? x[base + c] + mask[maskBase + c] : x[base + c];
      if (v > max) max = v;
    }
    if (max === -Infinity) {
      out.fill(0, base, base + cols);
      continue;
    }
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const v = mask ? x[base + c] + mask[maskBase + c] : x[base + c];
      const e = Math.exp(v - max);
      sum += e;
      if (!log) out[base + c] = e;
    }
    if (log) {
      const shift = max + Math.log(sum);
      for (let c = 0; c < cols; c++) {
        const v = mask ? x[base + c] + mask[maskBase + c] : x[base + c];
        out[base + c] = v - shift;
      }
    } else {
      const inv = 1 / sum;
      for (let c = 0; c < cols; c++) out[base + c] *= inv;
    }
  }
}

/** See Backend.softmaxGrad. */
export function softmaxGrad(y: F32, dy: F32, rows: number, cols: number, log: boolean, dx: F32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    if (log) {
      for (let c = 0; c < cols; c++) sum += dy[base + c];
      for (let c = 0; c < cols; c++) dx[base + c] = dy[base + c] - Math.exp(y[base + c]) * sum;
    } else {
      for (let c = 0; c < cols; c++) sum += dy[base + c] * y[base + c];
      for (let c = 0; c < cols; c++) dx[base + c] = y[base + c] * (dy[base + c] - sum);
    }
  }
}

/** See Backend.layerNorm. Mean and variance are taken in two passes in float64. */
export function layerNorm(x: F32, gamma: F32, beta: F32, rows: number, cols: number, eps: number, out: F32, mean: F32, rstd: F32): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += x[base + c];
    const mu = sum / cols;
    let squares = 0;
    for (let c = 0; c < cols; c++) {
      const d = x[base + c] - mu;
      squares += d * d;
    }
    const rs = 1 / Math.sqrt(squares / cols + eps);
    for (let c = 0; c < cols; c++) out[base + c] = (x[base + c] - mu) * rs * gamma[c] + beta[c];
    mean[r] = mu;
    rstd[r] = rs;
  }
}

/** See Backend.layerNormGrad: dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy * gamma. */
export function layerNormGrad(x: F32, gamma: F32, mean: F32, rstd: F32, dy: F32, rows: number, cols: number, dx: F32, dgamma: F32, dbeta: F32): void {
  const dgammaSum = new Float64Array(cols);
  const dbetaSum = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    let gSum = 0;
    let gxSum = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mu) * rs;
      const d = dy[base + c];
      const g = d * gamma[c];
      gSum += g;
      gxSum += g * xhat;
      dgammaSum[c] += d * xhat;
      dbetaSum[c] += d;
    }
    const gMean = gSum / cols;
    const gxMean = gxSum / cols;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mu) * rs;
      dx[base + c] = rs * (dy[base + c] * gamma[c] - gMean - xhat * gxMean);
    }
  }
  for (let c = 0; c < cols; c++) {
    dgamma[c] = dgammaSum[c];
    dbeta[c] = dbetaSum[c];
  }
}
