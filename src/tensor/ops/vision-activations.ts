// Activations of vision models (relu6, hardswish, hardsigmoid; silu is in swiglu.ts) and channel-wise dropout (dropout2d).
import { Activation } from '../../backend/vision-kernels.js';
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { mul } from './elementwise.js';

function activationOp(name: string, op: Activation, x: Tensor): Tensor {
  if (x.dtype !== 'float32') throw new Error(`${name}: expected a float32 tensor, got int32 of shape ${formatShape(x.shape)}`);
  const y = allocF32(x.size);
  getBackend().activation(op, x.f32(), y);
  return Tensor.fromOp(y, x.shape, name, [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().activationGrad(op, x.f32(), g.f32(), dx);
    return [new Tensor(dx, x.shape)];
  });
}

/** min(max(x, 0), 6). */
export function relu6(x: Tensor): Tensor {
  return activationOp('relu6', Activation.Relu6, x);
}
/** x * relu6(x + 3) / 6 (MobileNetV3). */
export function hardswish(x: Tensor): Tensor {
  return activationOp('hardswish', Activation.Hardswish, x);
}
/** relu6(x + 3) / 6. */
export function hardsigmoid(x: Tensor): Tensor {
  return activationOp('hardsigmoid', Activation.Hardsigmoid, x);
}

export interface Dropout2dOptions {
  /** Probability of zeroing a whole channel. */
  readonly p: number;
  /** Acts only in training; in evaluation it is the identity. */
  readonly training: boolean;
  /** Generator for the mask (default: the global seeded one). */
  readonly rng?: Random;
}

/**
 * Zeroes whole channels of x [N, C, H, W] with probability p and scales the rest by 1 / (1 - p). Only 4-D input:
 * PyTorch reads a 3-D one as [N, C, L], not as one unbatched image, so an image goes in as [1, C, H, W]. The mask
 * [N, C] is Backend.dropout applied to ones (one seed from the generator), so it follows dropout's rule with the
 * channel's flat index n C + c; backward multiplies by the same mask.
 */
export function dropout2d(x: Tensor, options: Dropout2dOptions): Tensor {
  const { p, training } = options;
  if (!(p >= 0 && p < 1)) throw new Error(`dropout2d: probability ${p} must be in [0, 1)`);
  if (x.rank !== 4) throw new Error(`dropout2d: input ${formatShape(x.shape)} must be [N, C, H, W]`);
  if (!training || p === 0) return x;
  const seed = (options.rng ?? defaultRandom()).nextUint32();
  const [n, c] = x.shape as [number, number];
  const mask = new Float32Array(n * c);
  const be = getBackend();
  be.fill(mask, 1);
  be.dropout(mask, p, seed, mask);
  return mul(x, new Tensor(mask, [n, c, 1, 1]));
}
