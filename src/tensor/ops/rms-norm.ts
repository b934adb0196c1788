// RMS normalisation over the last axis (transformers' LlamaRMSNorm, computed in float32), fused forward and backward.
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * x / sqrt(mean(x^2) + eps) * weight over the last axis. Shapes: x [..., H], weight [H]. The reciprocal root is kept
 * for backward ([rows] floats), not the normalised input.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  const cols = x.shape[x.rank - 1];
  if (cols === undefined || weight.rank !== 1 || weight.shape[0] !== cols) {
    throw new Error(`rmsNorm: weight ${formatShape(weight.shape)} does not match input ${formatShape(x.shape)}`);
  }
  if (!(eps >= 0)) throw new Error(`rmsNorm: eps ${eps} must be a number >= 0`);
  const rows = x.size / cols;
  const out = allocF32(x.size);
  const rstd = new Float32Array(rows);
  getBackend().rmsNorm(x.f32(), weight.f32(), rows, cols, eps, out, rstd);
  return Tensor.fromOp(out, x.shape, 'rmsNorm', [x, weight], (g) => {
    const dx = allocF32(x.size);
    const dweight = new Float32Array(cols);
    getBackend().rmsNormGrad(x.f32(), weight.f32(), rstd, g.f32(), rows, cols, dx, dweight);
    return [x.requiresGrad ? new Tensor(dx, x.shape) : null, weight.requiresGrad ? new Tensor(dweight, weight.shape) : null];
  });
}
