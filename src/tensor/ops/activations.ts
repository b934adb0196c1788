// Softmax and log-softmax over the last axis (with a fused additive mask), and seeded dropout.
import { getBackend } from '../../backend/index.js';
import { defaultRandom, type Random } from '../random.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { allocF32 } from '../memory.js';
import { add } from './elementwise.js';

export interface SoftmaxOptions {
  /**
   * An additive mask (0 to keep, a large negative number or -Infinity to drop) broadcast against
   * the input, e.g. [B, 1, 1, Tk] against attention scores [B, H, Tq, Tk]. It gets no gradient.
   */
  readonly mask?: Tensor;
}

/**
 * How many consecutive rows of x share one mask row, when the mask is x's leading axes followed by
 * size-1 axes and the last axis (the attention-mask layout the kernel fuses); null otherwise.
 */
function fusedMaskGroup(x: Tensor, mask: Tensor): number | null {
  const cols = x.shape[x.rank - 1]!;
  if (mask.rank !== x.rank || mask.shape[mask.rank - 1] !== cols) return null;
  let i = 0;
  while (i < x.rank - 1 && mask.shape[i] === x.shape[i]) i++;
  let group = 1;
  for (let j = i; j < x.rank - 1; j++) {
    if (mask.shape[j] !== 1) return null;
    group *= x.shape[j]!;
  }
  return group;
}

function softmaxOp(x: Tensor, options: SoftmaxOptions, log: boolean): Tensor {
  const name = log ? 'logSoftmax' : 'softmax';
  if (x.rank === 0) throw new Error(`${name}: needs at least one axis`);
  let input = x;
  let mask: Float32Array | null = null;
  let group = 1;
  if (options.mask !== undefined) {
    const fused = fusedMaskGroup(x, options.mask);
    if (fused === null) {
      // Any other broadcastable mask: add it first (it carries no gradient).
      input = add(x, options.mask.detach());
    } else {
      mask = options.mask.f32();
      group = fused;
    }
  }
  const cols = x.shape[x.rank - 1]!;
  if (cols === 0) throw new Error(`${name}: empty last axis in ${formatShape(x.shape)}`);
  const rows = input.size / cols;
  const y = allocF32(input.size);
  getBackend().softmax(input.f32(), rows, cols, mask, group, log, y);
  return Tensor.fromOp(y, input.shape, name, [input], (g) => {
    const dx = allocF32(y.length);
    getBackend().softmaxGrad(y, g.f32(), rows, cols, log, dx);
    return [new Tensor(dx, input.shape)];
  });
}

export function softmax(x: Tensor, options: SoftmaxOptions = {}): Tensor {
  return softmaxOp(x, options, false);
}

export function logSoftmax(x: Tensor, options: SoftmaxOptions = {}): Tensor {
  return softmaxOp(x, options, true);
}

export interface DropoutOptions {
  /** Probability of zeroing an element. */
  readonly p: number;
  /** Dropout acts only in training; in evaluation it is the identity. */
  readonly training: boolean;
  /** Generator for the mask (default: the global seeded one). */
  readonly rng?: Random;
}

/**
 * Zeroes each element with probability p and scales the rest by 1 / (1 - p) (inverted dropout). The mask
 * is a function of one seed drawn from the generator and the element index (see Backend.dropout), so
 * backward regenerates it instead of keeping it.
 */
export function dropout(x: Tensor, options: DropoutOptions): Tensor {
  const { p, training } = options;
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: probability ${p} must be in [0, 1)`);
  if (!training || p === 0) return x;
  const seed = (options.rng ?? defaultRandom()).nextUint32();
  const y = allocF32(x.size);
  getBackend().dropout(x.f32(), p, seed, y);
  return Tensor.fromOp(y, x.shape, 'dropout', [x], (g) => {
    const dx = allocF32(g.size);
    getBackend().dropout(g.f32(), p, seed, dx);
    return [new Tensor(dx, x.shape)];
  });
}
