// GEMM with op(B) packed once: here the packing is [k, n] (a header) and op(B) copied row-major, the product the reference gemm.
import type { F32 } from '../backend.js';
import { checkLength } from './check-length.js';
import { gemm } from './gemm.js';

const HEADER = 2;

/** Elements a row-major [rows, cols] matrix with leading dimension ld spans. */
function span(rows: number, cols: number, ld: number): number {
  return rows > 0 && cols > 0 ? (rows - 1) * ld + cols : 0;
}

/** See Backend.gemmPackedSize. */
export function gemmPackedSize(k: number, n: number): number {
  return HEADER + k * n;
}

/** See Backend.gemmPackB. */
export function gemmPackB(transB: boolean, k: number, n: number, b: F32, ldb: number, out: F32): void {
  const [rows, cols] = transB ? [n, k] : [k, n];
  if (rows > 0 && cols > 0 && ldb < cols) throw new RangeError(`gemmPackB: leading dimension too small (ldb ${ldb} for ${cols} columns)`);
  checkLength('gemmPackB', 'B', b, span(rows, cols, ldb));
  checkLength('gemmPackB', 'out', out, gemmPackedSize(k, n));
  out[0] = k;
  out[1] = n;
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[HEADER + p * n + j] = transB ? b[j * ldb + p]! : b[p * ldb + j]!;
}

/** See Backend.gemmPacked. */
export function gemmPacked(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  lda: number,
  packedB: F32,
  bias: F32 | null,
  beta: number,
  c: F32,
  ldc: number,
): void {
  if (packedB.length !== gemmPackedSize(k, n) || packedB[0] !== k || packedB[1] !== n) {
    throw new RangeError(`gemmPacked: packedB (${packedB.length} floats) is not gemmPackB's packing of a [${k}, ${n}] operand`);
  }
  const [rows, cols] = transA ? [k, m] : [m, k];
  if ((rows > 0 && cols > 0 && lda < cols) || ldc < n) {
    throw new RangeError(`gemmPacked: leading dimension too small (lda ${lda} for ${cols} columns, ldc ${ldc} for ${n})`);
  }
  checkLength('gemmPacked', 'A', a, span(rows, cols, lda));
  checkLength('gemmPacked', 'C', c, span(m, n, ldc));
  if (bias !== null) {
    if (beta !== 0) throw new RangeError(`gemmPacked: a bias goes with beta 0, not ${beta}`);
    checkLength('gemmPacked', 'bias', bias, n);
    for (let i = 0; i < m; i++) c.set(bias.subarray(0, n), i * ldc);
  }
  gemm(transA, false, 1, m, n, k, alpha, a, 0, lda, packedB.subarray(HEADER), 0, n, bias !== null ? 1 : beta, c, 0, ldc);
}
