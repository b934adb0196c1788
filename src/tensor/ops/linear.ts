// The affine map of a Linear layer as one op: bias rows written first, then one GEMM adds x W^T on top (no separate bias pass).
import { Reduce } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { linearGemm, bf16Enabled } from '../autocast.js';
import { allocF32 } from '../memory.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * x W^T + b over the last axis, W stored [out, in] as PyTorch does. Shapes: x [..., in], weight
 * [out, in], bias [out] or null -> [..., out]. Backward: dx = g W, dW = g^T x (one GEMM over all
 * rows), db = column sums of g; gradients are only computed for inputs that need them.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const inFeatures = x.shape[x.rank - 1];
  if (x.rank < 1 || weight.rank !== 2 || weight.shape[1] !== inFeatures || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]))) {
    throw new Error(
      `linear: input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)} and bias ${bias ? formatShape(bias.shape) : 'none'} do not fit [..., in], [out, in], [out]`,
    );
  }
  const [outFeatures, k] = weight.shape as [number, number];
  const rows = sizeOf(x.shape.slice(0, -1));
  const backend = getBackend();
  // Under autocast the GEMMs run in bf16, backward included (decided here, at forward time).
  const mixed = bf16Enabled();
  const out = allocF32(rows * outFeatures);
  if (bias !== null) {
    // Every row starts as the bias; the GEMM then accumulates onto it (beta = 1).
    backend.copyStrided(Int32Array.of(rows, outFeatures), bias.f32(), 0, Int32Array.of(0, 1), out, 0);
  }
  linearGemm(backend, mixed)(false, true, 1, rows, outFeatures, k, 1, x.f32(), 0, k, weight.f32(), 0, k, bias !== null ? 1 : 0, out, 0, outFeatures);
  const shape = [...x.shape.slice(0, -1), outFeatures];
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(out, shape, 'linear', inputs, (g) => {
    const be = getBackend();
    const gd = g.f32();
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const data = allocF32(x.size);
      linearGemm(be, mixed)(false, false, 1, rows, k, outFeatures, 1, gd, 0, outFeatures, weight.f32(), 0, k, 0, data, 0, k);
      dx = new Tensor(data, x.shape);
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      const data = allocF32(weight.size);
      linearGemm(be, mixed)(true, false, 1, outFeatures, k, rows, 1, gd, 0, outFeatures, x.f32(), 0, k, 0, data, 0, k);
      dw = new Tensor(data, weight.shape);
    }
    let db: Tensor | null = null;
    if (bias?.requiresGrad) {
      const data = allocF32(outFeatures);
      be.reduce(Reduce.Sum, gd, 1, rows, outFeatures, data, null);
      db = new Tensor(data, bias.shape);
    }
    return bias === null ? [dx, dw] : [dx, dw, db];
  });
}
