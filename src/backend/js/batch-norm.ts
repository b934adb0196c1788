// Reference batch-norm kernels over [N, C, S] (S = H * W): per-channel statistics, normalisation and its gradient.
import type { F32 } from '../backend.js';
import { checkLength } from './check-length.js';

export function batchNormStats(x: F32, batch: number, channels: number, spatial: number, mean: F32, variance: F32): void {
  checkLength('batchNormStats', 'x', x, batch * channels * spatial);
  checkLength('batchNormStats', 'mean', mean, channels);
  checkLength('batchNormStats', 'variance', variance, channels);
  const count = batch * spatial;
  for (let c = 0; c < channels; c++) {
    let s = 0;
    for (let n = 0; n < batch; n++) for (let i = 0; i < spatial; i++) s += x[(n * channels + c) * spatial + i]!;
    const mu = s / count;
    let sq = 0;
    for (let n = 0; n < batch; n++) for (let i = 0; i < spatial; i++) sq += (x[(n * channels + c) * spatial + i]! - mu) ** 2;
    mean[c] = mu;
    variance[c] = sq / count;
  }
}

export function batchNorm(
  x: F32,
  mean: F32,
  variance: F32,
  weight: F32 | null,
  bias: F32 | null,
  batch: number,
  channels: number,
  spatial: number,
  eps: number,
  out: F32,
): void {
  checkLength('batchNorm', 'x', x, batch * channels * spatial);
  checkLength('batchNorm', 'out', out, batch * channels * spatial);
  for (const [what, a] of [
    ['mean', mean],
    ['variance', variance],
    ['weight', weight],
    ['bias', bias],
  ] as const) {
    if (a) checkLength('batchNorm', what, a, channels);
  }
  for (let c = 0; c < channels; c++) {
    const rstd = 1 / Math.sqrt(variance[c]! + eps);
    const scale = (weight ? weight[c]! : 1) * rstd;
    const shift = (bias ? bias[c]! : 0) - mean[c]! * scale;
    for (let n = 0; n < batch; n++) {
      const base = (n * channels + c) * spatial;
      for (let i = 0; i < spatial; i++) out[base + i] = x[base + i]! * scale + shift;
    }
  }
}

export function batchNormGrad(
  x: F32,
  dy: F32,
  mean: F32,
  variance: F32,
  weight: F32 | null,
  batch: number,
  channels: number,
  spatial: number,
  eps: number,
  batchStats: boolean,
  dx: F32,
  dweight: F32,
  dbias: F32,
): void {
  const n = batch * channels * spatial;
  checkLength('batchNormGrad', 'x', x, n);
  checkLength('batchNormGrad', 'dy', dy, n);
  checkLength('batchNormGrad', 'dx', dx, n);
  for (const [what, a] of [
    ['mean', mean],
    ['variance', variance],
    ['weight', weight],
    ['dweight', dweight],
    ['dbias', dbias],
  ] as const) {
    if (a) checkLength('batchNormGrad', what, a, channels);
  }
  const count = batch * spatial;
  for (let c = 0; c < channels; c++) {
    const mu = mean[c]!;
    const rstd = 1 / Math.sqrt(variance[c]! + eps);
    let sumDy = 0;
    let sumDyXhat = 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = 0; i < spatial; i++) {
        sumDy += dy[base + i]!;
        sumDyXhat += dy[base + i]! * (x[base + i]! - mu) * rstd;
      }
    }
    dweight[c] = sumDyXhat;
    dbias[c] = sumDy;
    const scale = (weight ? weight[c]! : 1) * rstd;
    const meanDy = batchStats ? sumDy / count : 0;
    const meanDyXhat = batchStats ? sumDyXhat / count : 0;
    for (let b = 0; b < batch; b++) {
      const base = (b * channels + c) * spatial;
      for (let i = 0; i < spatial; i++) {
        const xhat = (x[base + i]! - mu) * rstd;
        dx[base + i] = scale * (dy[base + i]! - meanDy - xhat * meanDyXhat);
      }
    }
  }
}
