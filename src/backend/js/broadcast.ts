// Reference strided kernels: broadcasting binary ops, where, strided copy, axpy and fill.
import { Binary, type F32, type I32 } from '../backend.js';
import { coalesce, forEachRow } from './strided.js';

/** See Backend.binary. */
export function binary(op: Binary, shape: I32, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32): void {
  const loop = coalesce(shape, [aStrides, bStrides]);
  const aStep = loop.strides[0]![loop.shape.length - 1]!;
  const bStep = loop.strides[1]![loop.shape.length - 1]!;
  forEachRow(loop, [0, 0], (o, offsets, count) => {
    let ai = offsets[0]!;
    let bi = offsets[1]!;
    const end = o + count;
    switch (op) {
      case Binary.Add:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] + b[bi];
        return;
      case Binary.Sub:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] - b[bi];
        return;
      case Binary.Mul:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] * b[bi];
        return;
      case Binary.Div:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] / b[bi];
        return;
      case Binary.Equal:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] === b[bi] ? 1 : 0;
        return;
      case Binary.Greater:
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) out[i] = a[ai] > b[bi] ? 1 : 0;
        return;
      case Binary.Maximum:
        // NaN in either operand propagates, as in torch.maximum.
        for (let i = o; i < end; i++, ai += aStep, bi += bStep) {
          const x = a[ai];
          const y = b[bi];
          // biome-ignore lint/suspicious/noSelfCompare: x !== x is the NaN test (PyTorch's maximum propagates NaN), kept inline in this loop.
          out[i] = x > y || x !== x ? x : y;
        }
        return;
      default:
        throw new RangeError(`binary: unknown op ${String(op)}`);
    }
  });
}

/** See Backend.where. */
export function where(shape: I32, cond: F32, cStrides: I32, a: F32, aStrides: I32, b: F32, bStrides: I32, out: F32): void {
  const loop = coalesce(shape, [cStrides, aStrides, bStrides]);
  const last = loop.shape.length - 1;
  const cStep = loop.strides[0]![last]!;
  const aStep = loop.strides[1]![last]!;
  const bStep = loop.strides[2]![last]!;
  forEachRow(loop, [0, 0, 0], (o, offsets, count) => {
    let ci = offsets[0]!;
    let ai = offsets[1]!;
    let bi = offsets[2]!;
    for (let i = o; i < o + count; i++, ci += cStep, ai += aStep, bi += bStep) out[i] = cond[ci] !== 0 ? a[ai] : b[bi];
  });
}

/** See Backend.copyStrided: copies through int32 views so float bit patterns (NaN payloads) survive. */
export function copyStrided(shape: I32, src: F32 | I32, srcOffset: number, srcStrides: I32, dst: F32 | I32, dstOffset: number): void {
  const from = src instanceof Int32Array ? src : new Int32Array(src.buffer, src.byteOffset, src.length);
  const to = dst instanceof Int32Array ? dst : new Int32Array(dst.buffer, dst.byteOffset, dst.length);
  const loop = coalesce(shape, [srcStrides]);
  const step = loop.strides[0]![loop.shape.length - 1]!;
  forEachRow(loop, [srcOffset], (o, offsets, count) => {
    let si = offsets[0]!;
    const start = dstOffset + o;
    if (step === 1) {
      to.set(from.subarray(si, si + count), start);
      return;
    }
    for (let i = start; i < start + count; i++, si += step) to[i] = from[si];
  });
}

/** See Backend.axpy. */
export function axpy(alpha: number, x: F32, y: F32): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

/** See Backend.fill. */
export function fill(x: F32, value: number): void {
  x.fill(value);
}
