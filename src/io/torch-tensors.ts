// Turns torch's tensor descriptions (storage, offset, size, stride) into dense float32/int32 tensors.

import { FinetuneError } from '../errors.js';
import { STORED_DTYPE_BYTES, convertStored, isFloatDType, swapByteOrder } from './dtype-convert.js';
import { elementCount, formatShape, type RawTensor } from './raw-tensor.js';
import type { StorageRef, TensorRef } from './torch-pickle.js';

/** The most elements a tensor may have beyond its storage's (through zero strides). */
const MAX_EXPANDED_ELEMENTS = 1 << 24;

function isContiguous(size: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let dim = size.length - 1; dim >= 0; dim--) {
    // A dimension of extent 1 is never stepped over, so its stride does not matter.
    if (size[dim]! !== 1 && stride[dim]! !== expected) return false;
    expected *= size[dim]!;
  }
  return true;
}

/** Copies a strided window of `source` into a new dense C-order array. */
function gather<T extends Float32Array | Int32Array>(source: T, offset: number, size: readonly number[], stride: readonly number[]): T {
  const count = elementCount(size);
  const out = new (source.constructor as new (length: number) => T)(count);
  if (count === 0) return out;
  const rank = size.length;
  const index = new Array<number>(rank).fill(0);
  const innerSize = size[rank - 1]!;
  const innerStride = stride[rank - 1]!;
  let base = offset;
  for (let written = 0; written < count; ) {
    for (let i = 0; i < innerSize; i++) out[written++] = source[base + i * innerStride]!;
    // Advance the outer index like an odometer.
    let dim = rank - 2;
    while (dim >= 0) {
      index[dim]!++;
      base += stride[dim]!;
      if (index[dim]! < size[dim]!) break;
      base -= stride[dim]! * size[dim]!;
      index[dim] = 0;
      dim--;
    }
  }
  return out;
}

/**
 * Builds every tensor, loading and converting each storage once (`loadStorage` returns its raw
 * bytes, or throws `wrongSize(n)` when it can tell the stored size is wrong before reading it) and releasing it after its last tensor. A tensor that is a storage's only user and covers
 * it exactly keeps the converted buffer; every other tensor gets a copy, so no two share memory.
 */
export function materializeTensors(
  refs: ReadonlyArray<readonly [string, TensorRef]>,
  loadStorage: (storage: StorageRef, wrongSize: (bytes: number) => FinetuneError) => Uint8Array,
  bigEndian: boolean,
  name: string,
): Map<string, RawTensor> {
  const users = new Map<string, number>();
  for (const [, ref] of refs) users.set(ref.storage.key, (users.get(ref.storage.key) ?? 0) + 1);
  const uses = new Map(users);
  const converted = new Map<string, Float32Array | Int32Array>();
  const tensors = new Map<string, RawTensor>();
  for (const [key, ref] of refs) {
    const { storage } = ref;
    const where = `${name}: tensor '${key}'`;
    let data = converted.get(storage.key);
    if (!data) {
      const expected = storage.numel * STORED_DTYPE_BYTES[storage.dtype];
      const wrongSize = (bytes: number): FinetuneError =>
        new FinetuneError(`${where}: storage '${storage.key}' has ${bytes} bytes, expected ${expected} (${storage.numel} ${storage.dtype})`);
      const bytes = loadStorage(storage, wrongSize);
      if (bytes.byteLength !== expected) throw wrongSize(bytes.byteLength);
      if (bigEndian) swapByteOrder(bytes, STORED_DTYPE_BYTES[storage.dtype]);
      data = convertStored(bytes, storage.dtype, storage.numel, where, true);
      converted.set(storage.key, data);
    }
    const count = elementCount(ref.size);
    // A stride of 0 repeats elements; a view many times larger than its storage is a hostile file, not a checkpoint.
    if (count > Math.max(data.length, MAX_EXPANDED_ELEMENTS)) {
      throw new FinetuneError(`${where}: shape ${formatShape(ref.size)} has ${count} elements, far more than its storage (${data.length})`);
    }
    if (count > 0) {
      let last = ref.offset;
      for (let dim = 0; dim < ref.size.length; dim++) last += (ref.size[dim]! - 1) * ref.stride[dim]!;
      if (last >= data.length) {
        throw new FinetuneError(`${where}: shape ${formatShape(ref.size)} at offset ${ref.offset} reaches past its storage (${data.length} elements)`);
      }
    }
    const remaining = uses.get(storage.key)! - 1;
    uses.set(storage.key, remaining);
    const sole = users.get(storage.key) === 1;
    let tensorData: Float32Array | Int32Array;
    if (isContiguous(ref.size, ref.stride)) {
      tensorData = sole && ref.offset === 0 && count === data.length ? data : data.slice(ref.offset, ref.offset + count);
    } else {
      tensorData = gather(data, ref.offset, ref.size, ref.stride);
    }
    if (remaining === 0) converted.delete(storage.key);
    tensors.set(key, { dtype: isFloatDType(storage.dtype) ? 'float32' : 'int32', shape: [...ref.size], data: tensorData });
  }
  return tensors;
}
