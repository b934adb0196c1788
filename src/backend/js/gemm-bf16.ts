// Reference bf16 GEMM: operands rounded to bfloat16 (nearest even), then the float32 GEMM on the rounded values.
import type { F32, Gemm } from '../backend.js';
import { gemm } from './gemm.js';

const word = new Uint32Array(1);
const float = new Float32Array(word.buffer);

/** x rounded to the nearest bfloat16 (ties to even), as a float32; NaN stays NaN and infinities stay infinite. */
export function roundBf16(x: number): number {
  float[0] = x;
  const bits = word[0];
  if ((bits & 0x7fffffff) > 0x7f800000) return Number.NaN;
  word[0] = ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) << 16;
  return float[0];
}

/** A copy of `x` with every element rounded to bfloat16. */
export function roundArrayBf16(x: F32): F32 {
  const out = new Float32Array(x.length);
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < x.length; i++) {
    const u = bits[i];
    outBits[i] = (u & 0x7fffffff) > 0x7f800000 ? (u | 0x00400000) & 0xffff0000 : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) << 16;
  }
  return out;
}

/**
 * See Backend.gemmBf16. A product of two bf16 values is exact in float32, so rounding the operands and running the
 * reference gemm (which sums in float64) gives the bf16 result up to the order and width of the sums.
 */
export const gemmBf16: Gemm = (transA, transB, batch, m, n, k, alpha, a, strideA, lda, b, strideB, ldb, beta, c, strideC, ldc) =>
  gemm(transA, transB, batch, m, n, k, alpha, roundArrayBf16(a), strideA, lda, roundArrayBf16(b), strideB, ldb, beta, c, strideC, ldc);
