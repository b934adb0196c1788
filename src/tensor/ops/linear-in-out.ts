// The affine map of GPT-2's Conv1D, whose weight is stored [in, out] (transposed from Linear's): one GEMM each way.
import { Reduce } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { linearGemm, bf16Enabled } from '../autocast.js';
import { allocF32 } from '../memory.js';
import { formatShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * x W + b over the last axis, W stored [in, out] (transformers' Conv1D, PEFT's fan_in_fan_out). Shapes: x [..., in],
 * weight [in, out], bias [out] or null -> [..., out]. Backward: dx = g W^T, dW = x^T g, db = column sums of g.
 */
export function linearInOut(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const k = x.shape[x.rank - 1];
  if (x.rank < 1 || weight.rank !== 2 || weight.shape[0] !== k || (bias !== null && (bias.rank !== 1 || bias.shape[0] !== weight.shape[1]))) {
    throw new Error(
      `linearInOut: input ${formatShape(x.shape)}, weight ${formatShape(weight.shape)} and bias ${bias ? formatShape(bias.shape) : 'none'} do not fit [..., in], [in, out], [out]`,
    );
  }
  const n = weight.shape[1]!;
  const rows = sizeOf(x.shape.slice(0, -1));
  const backend = getBackend();
  // Under autocast the GEMMs run in bf16, backward included (decided here, at forward time).
  const mixed = bf16Enabled();
  const out = allocF32(rows * n);
  if (bias !== null) backend.copyStrided(Int32Array.of(rows, n), bias.f32(), 0, Int32Array.of(0, 1), out, 0);
  linearGemm(backend, mixed)(false, false, 1, rows, n, k, 1, x.f32(), 0, k, weight.f32(), 0, n, bias !== null ? 1 : 0, out, 0, n);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(out, [...x.shape.slice(0, -1), n], 'linearInOut', inputs, (g) => {
    const be = getBackend();
    const gd = g.f32();
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const data = allocF32(x.size);
      linearGemm(be, mixed)(false, true, 1, rows, k, n, 1, gd, 0, n, weight.f32(), 0, n, 0, data, 0, k);
      dx = new Tensor(data, x.shape);
    }
    let dw: Tensor | null = null;
    if (weight.requiresGrad) {
      const data = allocF32(weight.size);
      linearGemm(be, mixed)(true, false, 1, k, n, rows, 1, x.f32(), 0, k, gd, 0, n, 0, data, 0, n);
      dw = new Tensor(data, weight.shape);
    }
    let db: Tensor | null = null;
    if (bias?.requiresGrad) {
      const data = allocF32(n);
      be.reduce(Reduce.Sum, gd, 1, rows, n, data, null);
      db = new Tensor(data, bias.shape);
    }
    return bias === null ? [dx, dw] : [dx, dw, db];
  });
}
