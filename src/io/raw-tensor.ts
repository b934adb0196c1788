// Tensor records independent of any tensor library: what the file readers return and the writers take.

/** The element types the library computes with; file readers convert every stored type to one of these. */
export type RawDType = 'float32' | 'int32';

/**
 * A dense, C-order tensor: `data.length` equals the product of `shape` (1 for a scalar, `[]`).
 * Readers give every tensor its own buffer, so callers may update `data` in place.
 */
export interface RawTensor {
  readonly dtype: RawDType;
  readonly shape: number[];
  readonly data: Float32Array | Int32Array;
}

/** Number of elements of a shape (1 for a scalar). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** A shape as the error messages print it: `[2,3]`. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/** True when `value` is a list of non-negative safe integers, as a shape must be. */
export function isValidShape(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((dim) => Number.isSafeInteger(dim) && dim >= 0);
}
