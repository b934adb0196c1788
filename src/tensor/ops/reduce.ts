// Reductions over axes (sum, mean, max, variance) and the broadcast-undoing sumTo used by gradients.
import { Reduce } from '../../backend/backend.js';
import { getBackend } from '../../backend/index.js';
import { formatShape, normalizeAxes, normalizeAxis, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expand } from './layout.js';
import { allocF32, zerosF32 } from '../memory.js';

/** Sums away each axis in `axes` (ascending) of x, returning the data and the keep-dims shape. */
function sumRaw(x: Float32Array, shape: Shape, axes: readonly number[]): { data: Float32Array; shape: number[] } {
  let data = x;
  const current = [...shape];
  // Reducing the highest axis first keeps the [outer, size, inner] views of the remaining axes valid.
  for (let i = axes.length - 1; i >= 0; i--) {
    const axis = axes[i]!;
    const size = current[axis]!;
    if (size === 1) continue;
    const outer = sizeOf(current.slice(0, axis));
    const inner = sizeOf(current.slice(axis + 1));
    const out = allocF32(outer * inner);
    getBackend().reduce(Reduce.Sum, data, outer, size, inner, out, null);
    data = out;
    current[axis] = 1;
  }
  if (data === x) data = x.slice();
  return { data, shape: current };
}

function dropAxes(keepDimsShape: Shape, axes: readonly number[]): number[] {
  return keepDimsShape.filter((_, i) => !axes.includes(i));
}

export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.rank, 'sum');
  const { data, shape: kept } = sumRaw(x.f32(), x.shape, list);
  const outShape = keepDims ? kept : dropAxes(kept, list);
  return Tensor.fromOp(data, outShape, 'sum', [x], (g) => [expand(g.reshape(kept), x.shape)]);
}

export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes(axes, x.rank, 'mean');
  const count = list.reduce((n, a) => n * x.shape[a]!, 1);
  return sum(x, list, keepDims).mul(1 / count);
}

/** Maximum along one axis (all elements when omitted); the gradient goes to the first maximum. */
export function max(x: Tensor, axis?: number, keepDims = false): Tensor {
  if (axis === undefined) {
    const overall = max(x.reshape([x.size]), 0);
    return keepDims ? overall.reshape(x.shape.map(() => 1)) : overall;
  }
  const a = normalizeAxis(axis, x.rank, 'max');
  const size = x.shape[a]!;
  if (size === 0) throw new Error(`max: axis ${axis} of shape ${formatShape(x.shape)} is empty`);
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const out = allocF32(outer * inner);
  const argmax = new Int32Array(outer * inner);
  getBackend().reduce(Reduce.Max, x.f32(), outer, size, inner, out, argmax);
  const kept = x.shape.map((d, i) => (i === a ? 1 : d));
  const outShape = keepDims ? kept : dropAxes(kept, [a]);
  return Tensor.fromOp(out, outShape, 'max', [x], (g) => {
    const dx = zerosF32(x.size);
    const gd = g.f32();
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const r = o * inner + i;
        dx[(o * size + argmax[r]!) * inner + i] = gd[r]!;
      }
    }
    return [new Tensor(dx, x.shape)];
  });
}

export interface VarianceOptions {
  /** Divide by n - 1 (Bessel's correction, PyTorch's default) instead of n. Default true. */
  readonly unbiased?: boolean;
  /** Keep reduced axes as size 1. Default false. */
  readonly keepDims?: boolean;
}

export function variance(x: Tensor, axes?: number | readonly number[], options: VarianceOptions = {}): Tensor {
  const list = normalizeAxes(axes, x.rank, 'variance');
  const count = list.reduce((n, a) => n * x.shape[a]!, 1);
  const divisor = options.unbiased === false ? count : count - 1;
  const centered = x.sub(mean(x, list, true));
  return sum(centered.mul(centered), list, options.keepDims ?? false).mul(1 / divisor);
}

/**
 * Sums a broadcast gradient back down to `shape` (the inverse of broadcasting): leading axes
 * and axes where `shape` has size 1 are summed away.
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const { data } = sumRaw(g.f32(), g.shape, axes);
  return new Tensor(data, shape);
}
