// Layout ops: reshape (a view), permute/transpose, slice, concat, stack, expand and masked fill.
import { getBackend } from '../../backend/index.js';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, inferShape, normalizeAxis, sizeOf, type Shape } from '../shape.js';
import { Tensor, type TensorData } from '../tensor.js';
import { sumTo } from './reduce.js';
import { where } from './elementwise.js';
import { allocF32, zerosF32 } from '../memory.js';

function allocLike(x: Tensor, size: number): TensorData {
  return x.dtype === 'int32' ? new Int32Array(size) : allocF32(size);
}

/** The same data under a new shape (one entry may be -1); no copy. */
export function reshape(x: Tensor, shape: Shape): Tensor {
  const resolved = inferShape(shape, x.size, 'reshape');
  if (x.dtype === 'int32') return new Tensor(x.data, resolved);
  return Tensor.fromOp(x.data, resolved, 'reshape', [x], (g) => [new Tensor(g.data, x.shape)]);
}

/** Reorders axes: output axis i is input axis dims[i]. Copies into a contiguous buffer. */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.rank) throw new Error(`permute: ${dims.length} axes given for a tensor of rank ${x.rank}`);
  const axes = dims.map((d) => normalizeAxis(d, x.rank, 'permute'));
  if (new Set(axes).size !== axes.length) throw new Error(`permute: repeated axis in [${dims.join(', ')}]`);
  const strides = contiguousStrides(x.shape);
  const shape = axes.map((a) => x.shape[a]!);
  const out = allocLike(x, x.size);
  getBackend().copyStrided(Int32Array.from(shape), x.data, 0, Int32Array.from(axes.map((a) => strides[a]!)), out, 0);
  const inverse = new Array<number>(axes.length);
  axes.forEach((a, i) => (inverse[a] = i));
  return Tensor.fromOp(out, shape, 'permute', [x], (g) => [permute(g, inverse)]);
}

export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normalizeAxis(dim0, x.rank, 'transpose');
  const b = normalizeAxis(dim1, x.rank, 'transpose');
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** x[..., start:end, ...] along one axis (a contiguous copy). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normalizeAxis(axis, x.rank, 'slice');
  const size = x.shape[a]!;
  const s = start < 0 ? start + size : start;
  const e = end < 0 ? end + size : Math.min(end, size);
  if (s < 0 || s > e || e > size) throw new Error(`slice: range ${start}:${end} is out of bounds for axis ${axis} of ${formatShape(x.shape)}`);
  const shape = x.shape.map((d, i) => (i === a ? e - s : d));
  const out = allocLike(x, sizeOf(shape));
  getBackend().copyStrided(Int32Array.from(shape), x.data, s * (contiguousStrides(x.shape)[a] ?? 1), Int32Array.from(contiguousStrides(x.shape)), out, 0);
  return Tensor.fromOp(out, shape, 'slice', [x], (g) => {
    const dx = zerosF32(x.size);
    placeBlock(g.f32(), dx, x.shape, a, s);
    return [new Tensor(dx, x.shape)];
  });
}

/** Writes `block` (x's shape except a smaller `axis`) into `target` (shape `full`) at offset `start` along `axis`. */
function placeBlock(block: TensorData, target: TensorData, full: Shape, axis: number, start: number): void {
  const outer = sizeOf(full.slice(0, axis));
  const inner = sizeOf(full.slice(axis + 1));
  const fullRow = full[axis]! * inner;
  const blockRow = block.length / Math.max(outer, 1);
  for (let o = 0; o < outer; o++) {
    target.set(block.subarray(o * blockRow, (o + 1) * blockRow), o * fullRow + start * inner);
  }
}

/** Joins tensors along an existing axis; all other axes must agree. */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new Error('concat: no tensors given');
  const a = normalizeAxis(axis, first.rank, 'concat');
  for (const t of tensors) {
    if (t.rank !== first.rank || t.dtype !== first.dtype || t.shape.some((d, i) => i !== a && d !== first.shape[i])) {
      throw new Error(`concat: shape ${formatShape(t.shape)} (${t.dtype}) does not match ${formatShape(first.shape)} (${first.dtype}) outside axis ${axis}`);
    }
  }
  const total = tensors.reduce((n, t) => n + t.shape[a]!, 0);
  const shape = first.shape.map((d, i) => (i === a ? total : d));
  const out = allocLike(first, sizeOf(shape));
  const offsets: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    offsets.push(offset);
    placeBlock(t.data, out, shape, a, offset);
    offset += t.shape[a]!;
  }
  return Tensor.fromOp(out, shape, 'concat', tensors, (g) =>
    tensors.map((t, i) => (t.requiresGrad ? slice(g, a, offsets[i]!, offsets[i]! + t.shape[a]!) : null)),
  );
}

/** Joins same-shaped tensors along a new axis. */
export function stack(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new Error('stack: no tensors given');
  const a = normalizeAxis(axis, first.rank + 1, 'stack');
  const withAxis = (t: Tensor): Tensor => {
    if (t.shape.length !== first.rank || t.shape.some((d, i) => d !== first.shape[i])) {
      throw new Error(`stack: shape ${formatShape(t.shape)} does not match ${formatShape(first.shape)}`);
    }
    const shape = [...t.shape];
    shape.splice(a, 0, 1);
    return reshape(t, shape);
  };
  return concat(tensors.map(withAxis), a);
}

/** Broadcasts x to `shape` (a contiguous copy); the gradient is summed back. */
export function expand(x: Tensor, shape: Shape): Tensor {
  const target = broadcastShapes(x.shape, shape, 'expand');
  if (target.length !== shape.length || target.some((d, i) => d !== shape[i])) {
    throw new Error(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  }
  const out = allocLike(x, sizeOf(shape));
  getBackend().copyStrided(Int32Array.from(shape), x.data, 0, broadcastStrides(x.shape, shape), out, 0);
  return Tensor.fromOp(out, shape, 'expand', [x], (g) => [sumTo(g, x.shape)]);
}

/** value where mask != 0, else x (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}

/** Inserts a size-1 axis at `axis`. */
export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes a size-1 axis. */
export function squeeze(x: Tensor, axis: number): Tensor {
  const a = normalizeAxis(axis, x.rank, 'squeeze');
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} of ${formatShape(x.shape)} has size ${x.shape[a]}, not 1`);
  return reshape(
    x,
    x.shape.filter((_, i) => i !== a),
  );
}
