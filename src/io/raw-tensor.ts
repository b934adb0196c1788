// Tensor records independent of any tensor library: what the file readers return and the writers take.

import { FinetuneError } from '../errors.js';

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

/**
 * Fails naming `file`, the key and the index of the first NaN or infinite float, if any: weights
 * that are not finite make every loss NaN, which would otherwise be blamed on the learning rate.
 */
export function checkFiniteTensors(tensors: Iterable<readonly [string, RawTensor]>, file: string): void {
  for (const [key, tensor] of tensors) {
    if (tensor.dtype !== 'float32') continue;
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) {
      // x - x is 0 for every finite x, NaN for NaN and infinities: one test per element.
      if (data[i]! - data[i]! !== 0) {
        throw new FinetuneError(`${file}: tensor '${key}' holds ${data[i]} at index ${i}: the weights are damaged (not finite)`);
      }
    }
  }
}
