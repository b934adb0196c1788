// SiLU and the fused SwiGLU gate of Llama-family MLPs (down(silu(gate(x)) * up(x))), forward and backward.
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** silu(x) = x * sigmoid(x) (PyTorch's F.silu), element-wise. */
export function silu(x: Tensor): Tensor {
  const out = allocF32(x.size);
  getBackend().swiglu(x.f32(), null, out);
  return Tensor.fromOp(out, x.shape, 'silu', [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().swigluGrad(x.f32(), null, g.f32(), dx, null);
    return [new Tensor(dx, x.shape)];
  });
}

/** silu(gate) * up, element-wise; gate and up have the same shape (no broadcasting). */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  if (gate.rank !== up.rank || gate.shape.some((d, i) => d !== up.shape[i])) {
    throw new Error(`swiglu: gate ${formatShape(gate.shape)} and up ${formatShape(up.shape)} must have the same shape`);
  }
  const out = allocF32(gate.size);
  getBackend().swiglu(gate.f32(), up.f32(), out);
  return Tensor.fromOp(out, gate.shape, 'swiglu', [gate, up], (g) => {
    const dgate = allocF32(gate.size);
    const dup = allocF32(up.size);
    getBackend().swigluGrad(gate.f32(), up.f32(), g.f32(), dgate, dup);
    return [gate.requiresGrad ? new Tensor(dgate, gate.shape) : null, up.requiresGrad ? new Tensor(dup, up.shape) : null];
  });
}
