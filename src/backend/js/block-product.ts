// One product on views of larger arrays (the fused attention's blocks): float32, or with operands rounded to bfloat16.
import type { F32 } from '../backend.js';
import { gemm } from './gemm.js';
import { roundBf16 } from './gemm-bf16.js';

/** C [m, n] = alpha op(A) op(B) + beta C on views of larger arrays that start at the given offsets. */
export type BlockProduct = (
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aAt: number,
  lda: number,
  b: F32,
  bAt: number,
  ldb: number,
  beta: number,
  c: F32,
  cAt: number,
  ldc: number,
) => void;

/** The float32 block product. */
export const mm: BlockProduct = (ta, tb, m, n, k, alpha, a, aAt, lda, b, bAt, ldb, beta, c, cAt, ldc) =>
  gemm(ta, tb, 1, m, n, k, alpha, a.subarray(aAt), 0, lda, b.subarray(bAt), 0, ldb, beta, c.subarray(cAt), 0, ldc);

/** The `rows` x `cols` region of x from `at` (rows ld apart), each element rounded to bfloat16, packed densely. */
function roundedRegion(x: F32, at: number, ld: number, rows: number, cols: number): F32 {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = roundBf16(x[at + r * ld + c]!);
  return out;
}

/** mm with both operands rounded to bfloat16 first (Backend.gemmBf16's rule): a product of two is exact in float32. */
export const mmBf16: BlockProduct = (ta, tb, m, n, k, alpha, a, aAt, lda, b, bAt, ldb, beta, c, cAt, ldc) => {
  const [aRows, aCols] = ta ? [k, m] : [m, k];
  const [bRows, bCols] = tb ? [n, k] : [k, n];
  const roundedA = roundedRegion(a, aAt, lda, aRows, aCols);
  const roundedB = roundedRegion(b, bAt, ldb, bRows, bCols);
  mm(ta, tb, m, n, k, alpha, roundedA, 0, Math.max(1, aCols), roundedB, 0, Math.max(1, bCols), beta, c, cAt, ldc);
};
