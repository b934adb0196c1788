// Tests for the stored-type conversions: float16 special values, bfloat16, int64 range, alignment and byte order.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FinetuneError } from '../errors.js';
import { convertStored, swapByteOrder } from './dtype-convert.js';

const bytesOf = (array: ArrayBufferView): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

test('float16 covers normals, subnormals, signed zero, infinities and NaN', () => {
  const half = Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555]);
  const out = convertStored(bytesOf(half), 'F16', half.length, 'x', true);
  assert.deepEqual(Array.from(out.subarray(0, 8)), [1, -2, 65504, 2 ** -24, 2 ** -14, -0, Infinity, -Infinity]);
  assert.ok(Object.is(out[5], -0));
  assert.ok(Number.isNaN(out[8]));
  assert.equal(out[9], Math.fround(0.333251953125));
});

test('bfloat16 is the upper half of a float32', () => {
  const values = [1.5, -3.25, 2 ** 100, 1 + 2 ** -7];
  const upper = Uint16Array.from(new Uint32Array(Float32Array.from(values).buffer), (bits) => bits >>> 16);
  assert.deepEqual(Array.from(convertStored(bytesOf(upper), 'BF16', 4, 'x', true)), values);
});

test('float64 narrows, small integer types widen to int32', () => {
  assert.deepEqual(Array.from(convertStored(bytesOf(Float64Array.from([0.1, -2])), 'F64', 2, 'x', true)), [Math.fround(0.1), -2]);
  assert.deepEqual(Array.from(convertStored(bytesOf(Int16Array.from([-300, 5])), 'I16', 2, 'x', true)), [-300, 5]);
  assert.deepEqual(Array.from(convertStored(bytesOf(Int8Array.from([-7])), 'I8', 1, 'x', true)), [-7]);
  assert.deepEqual(Array.from(convertStored(Uint8Array.from([255, 1]), 'U8', 2, 'x', true)), [255, 1]);
  assert.deepEqual(Array.from(convertStored(Uint8Array.from([1, 0]), 'BOOL', 2, 'x', true)), [1, 0]);
});

test('int64 converts within int32 and names the place of an out-of-range value', () => {
  const values = BigInt64Array.from([0n, -1n, 2147483647n, -2147483648n]);
  assert.deepEqual(Array.from(convertStored(bytesOf(values), 'I64', 4, 'x', true)), [0, -1, 2147483647, -2147483648]);
  for (const bad of [2147483648n, -2147483649n]) {
    assert.throws(
      () => convertStored(bytesOf(BigInt64Array.from([1n, bad])), 'I64', 2, "m.bin: tensor 'ids'", true),
      (error: unknown) => error instanceof FinetuneError && error.message === `m.bin: tensor 'ids': int64 value ${bad} at index 1 does not fit in int32`,
    );
  }
});

test('misaligned float32 bytes are copied; aligned ones viewed only when allowed', () => {
  const backing = new Uint8Array(13);
  backing.set(bytesOf(Float32Array.from([1, 2, 3])), 1);
  const misaligned = convertStored(backing.subarray(1), 'F32', 3, 'x', true);
  assert.deepEqual(Array.from(misaligned), [1, 2, 3]);
  const aligned = bytesOf(Int32Array.from([4, 5]));
  assert.equal(convertStored(aligned, 'I32', 2, 'x', true).buffer, aligned.buffer);
  assert.notEqual(convertStored(aligned, 'I32', 2, 'x', false).buffer, aligned.buffer);
  assert.throws(() => convertStored(aligned, 'I32', 3, 'w', true), /^FinetuneError: w: 8 bytes for 3 I32 elements$/);
});

test('swapByteOrder reverses each element', () => {
  const bytes = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  swapByteOrder(bytes, 4);
  assert.deepEqual(Array.from(bytes), [4, 3, 2, 1, 8, 7, 6, 5]);
  swapByteOrder(bytes, 1);
  assert.deepEqual(Array.from(bytes), [4, 3, 2, 1, 8, 7, 6, 5]);
});
