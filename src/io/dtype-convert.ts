// Conversions from the element types found in checkpoint files to float32 / int32 (little-endian bytes in).

import { FinetuneError } from '../errors.js';

/** Stored element types this library reads, with their sizes in bytes. */
export const STORED_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
} as const;

export type StoredDType = keyof typeof STORED_DTYPE_BYTES;

export function isStoredDType(name: unknown): name is StoredDType {
  return typeof name === 'string' && Object.hasOwn(STORED_DTYPE_BYTES, name);
}

/** Whether a stored type becomes float32 (otherwise int32). */
export function isFloatDType(dtype: StoredDType): boolean {
  return dtype === 'F64' || dtype === 'F32' || dtype === 'F16' || dtype === 'BF16';
}

// float16 has only 65536 values, so a table makes the conversion one load per element.
let halfTable: Float32Array | undefined;
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 31) table[h] = mantissa ? NaN : sign * Infinity;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  halfTable = table;
  return table;
}

/** A typed-array view of `bytes` when its offset is aligned for the element size, else an aligned copy. */
function alignedBuffer(bytes: Uint8Array, elementBytes: number): { buffer: ArrayBuffer; byteOffset: number } {
  if (bytes.byteOffset % elementBytes === 0) return { buffer: bytes.buffer as ArrayBuffer, byteOffset: bytes.byteOffset };
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return { buffer: copy.buffer, byteOffset: 0 };
}

/**
 * Converts `bytes` (little-endian, `count` elements of `dtype`) to float32 or int32.
 * F32 and I32 input is returned as a view when aligned and `mayView` is set, so no copy is made.
 * `where` prefixes the error for an int64 value that does not fit int32, e.g. `model.safetensors: tensor 'ids'`.
 */
export function convertStored(bytes: Uint8Array, dtype: StoredDType, count: number, where: string, mayView: boolean): Float32Array | Int32Array {
  const size = STORED_DTYPE_BYTES[dtype];
  if (bytes.byteLength !== count * size) {
    throw new FinetuneError(`${where}: ${bytes.byteLength} bytes for ${count} ${dtype} elements`);
  }
  const { buffer, byteOffset } = alignedBuffer(bytes, size);
  switch (dtype) {
    case 'F32': {
      const view = new Float32Array(buffer, byteOffset, count);
      return mayView ? view : view.slice();
    }
    case 'I32': {
      const view = new Int32Array(buffer, byteOffset, count);
      return mayView ? view : view.slice();
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, byteOffset, count));
    case 'F16': {
      const table = halfToFloatTable();
      const source = new Uint16Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[source[i]!]!;
      return out;
    }
    case 'BF16': {
      // bfloat16 is the upper half of a float32, so shifting the bits back is exact.
      const source = new Uint16Array(buffer, byteOffset, count);
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = source[i]! << 16;
      return out;
    }
    case 'I64': {
      const words = new Int32Array(buffer, byteOffset, count * 2);
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const low = words[2 * i]!;
        // The value fits int32 exactly when the high word is the sign extension of the low word.
        if (words[2 * i + 1]! !== low >> 31) {
          const value = new BigInt64Array(buffer, byteOffset + 8 * i, 1)[0]!;
          throw new FinetuneError(`${where}: int64 value ${value} at index ${i} does not fit in int32`);
        }
        out[i] = low;
      }
      return out;
    }
    case 'I16':
      return Int32Array.from(new Int16Array(buffer, byteOffset, count));
    case 'I8':
      return Int32Array.from(new Int8Array(buffer, byteOffset, count));
    case 'U8':
    case 'BOOL':
      return Int32Array.from(new Uint8Array(buffer, byteOffset, count));
  }
}

/** Reverses the byte order of each `elementBytes`-wide element in place (big-endian files). */
export function swapByteOrder(bytes: Uint8Array, elementBytes: number): void {
  if (elementBytes === 1) return;
  for (let start = 0; start + elementBytes <= bytes.length; start += elementBytes) {
    for (let a = start, b = start + elementBytes - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}
