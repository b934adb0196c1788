// Shape arithmetic: element counts, C-order strides, broadcasting and axis normalisation.

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** C-order (row-major) strides of a contiguous tensor. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** The NumPy broadcast of two shapes, or an error naming both. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a contiguous tensor of shape `from` as if it had the (broadcast) shape `to`:
 * size-1 and missing leading axes get stride 0.
 */
export function broadcastStrides(from: Shape, to: Shape): Int32Array {
  const strides = new Int32Array(to.length);
  const own = contiguousStrides(from);
  const offset = to.length - from.length;
  for (let i = 0; i < from.length; i++) {
    strides[i + offset] = from[i] === 1 ? 0 : own[i]!;
  }
  return strides;
}

/** Resolves a possibly negative axis against a rank. */
export function normalizeAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) {
    throw new Error(`${op}: axis ${axis} is out of range for a tensor of rank ${rank}`);
  }
  return a;
}

/** Sorted, de-duplicated, non-negative axes; all axes when `axes` is undefined. */
export function normalizeAxes(axes: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const set = new Set(list.map((a) => normalizeAxis(a, rank, op)));
  return [...set].sort((x, y) => x - y);
}

/** Replaces a single -1 entry by the size that keeps the element count. */
export function inferShape(shape: Shape, size: number, op: string): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown >= 0) {
    const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new Error(`${op}: cannot reshape ${size} elements into ${formatShape(shape)}`);
    }
    out[unknown] = size / known;
  }
  if (sizeOf(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`${op}: cannot reshape ${size} elements into ${formatShape(shape)}`);
  }
  return out;
}
