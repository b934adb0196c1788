// Layer normalisation over the last axis, fused forward and backward.
import { getBackend } from '../../backend/index.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { allocF32 } from '../memory.js';

/**
 * (x - mean) / sqrt(var + eps) * gamma + beta over the last axis (biased variance, as PyTorch).
 * Shapes: x [..., C], gamma [C], beta [C].
 */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const cols = x.shape[x.rank - 1];
  if (cols === undefined || gamma.rank !== 1 || beta.rank !== 1 || gamma.shape[0] !== cols || beta.shape[0] !== cols) {
    throw new Error(`layerNorm: weight ${formatShape(gamma.shape)} and bias ${formatShape(beta.shape)} do not match input ${formatShape(x.shape)}`);
  }
  const rows = x.size / cols;
  const out = allocF32(x.size);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  getBackend().layerNorm(x.f32(), gamma.f32(), beta.f32(), rows, cols, eps, out, mean, rstd);
  return Tensor.fromOp(out, x.shape, 'layerNorm', [x, gamma, beta], (g) => {
    const dx = allocF32(x.size);
    const dgamma = new Float32Array(cols);
    const dbeta = new Float32Array(cols);
    getBackend().layerNormGrad(x.f32(), gamma.f32(), mean, rstd, g.f32(), rows, cols, dx, dgamma, dbeta);
    return [
      x.requiresGrad ? new Tensor(dx, x.shape) : null,
      gamma.requiresGrad ? new Tensor(dgamma, gamma.shape) : null,
      beta.requiresGrad ? new Tensor(dbeta, beta.shape) : null,
    ];
  });
}
