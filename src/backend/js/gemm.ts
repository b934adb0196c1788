// Reference batched GEMM: i-k-j loops over row pointers with a float64 row accumulator.
import type { F32 } from '../backend.js';

/** See Backend.gemm. With beta = 0, C is overwritten (NaN or garbage in C does not leak through). */
export function gemm(
  transA: boolean,
  transB: boolean,
  batch: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  strideA: number,
  lda: number,
  b: F32,
  strideB: number,
  ldb: number,
  beta: number,
  c: F32,
  strideC: number,
  ldc: number,
): void {
  const acc = new Float64Array(transB && transA ? m : n);
  for (let batchIndex = 0; batchIndex < batch; batchIndex++) {
    const aOff = batchIndex * strideA;
    const bOff = batchIndex * strideB;
    const cOff = batchIndex * strideC;
    if (!transB) gemmRowsOfB(transA, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, acc);
    else if (!transA) gemmDots(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    else gemmBothTransposed(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, acc);
  }
}

function store(c: F32, at: number, alpha: number, sum: number, beta: number): void {
  c[at] = beta === 0 ? alpha * sum : alpha * sum + beta * c[at];
}

/** op(B) = B: C[i, :] = sum_p op(A)[i, p] * B[p, :], streaming contiguous rows of B. */
function gemmRowsOfB(
  transA: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aOff: number,
  lda: number,
  b: F32,
  bOff: number,
  ldb: number,
  beta: number,
  c: F32,
  cOff: number,
  ldc: number,
  acc: Float64Array,
): void {
  // op(A)[i, p] lives at a[aOff + i * rowStep + p * colStep].
  const rowStep = transA ? 1 : lda;
  const colStep = transA ? lda : 1;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    let p = 0;
    // Four rows of B per sweep: a quarter of the accumulator traffic.
    for (; p + 4 <= k; p += 4) {
      const at = aOff + i * rowStep + p * colStep;
      const a0 = a[at],
        a1 = a[at + colStep],
        a2 = a[at + 2 * colStep],
        a3 = a[at + 3 * colStep];
      const b0 = bOff + p * ldb,
        b1 = b0 + ldb,
        b2 = b1 + ldb,
        b3 = b2 + ldb;
      for (let j = 0; j < n; j++) acc[j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
    }
    for (; p < k; p++) {
      const aip = a[aOff + i * rowStep + p * colStep];
      const bRow = bOff + p * ldb;
      for (let j = 0; j < n; j++) acc[j] += aip * b[bRow + j];
    }
    const cRow = cOff + i * ldc;
    for (let j = 0; j < n; j++) store(c, cRow + j, alpha, acc[j], beta);
  }
}

/** A as stored, B transposed: every C[i, j] is a dot product of two contiguous rows. */
function gemmDots(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aOff: number,
  lda: number,
  b: F32,
  bOff: number,
  ldb: number,
  beta: number,
  c: F32,
  cOff: number,
  ldc: number,
): void {
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * lda;
    const cRow = cOff + i * ldc;
    for (let j = 0; j < n; j++) {
      const bRow = bOff + j * ldb;
      // Independent partial sums keep the floating-point pipeline busy.
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let p = 0;
      for (; p + 4 <= k; p += 4) {
        s0 += a[aRow + p] * b[bRow + p];
        s1 += a[aRow + p + 1] * b[bRow + p + 1];
        s2 += a[aRow + p + 2] * b[bRow + p + 2];
        s3 += a[aRow + p + 3] * b[bRow + p + 3];
      }
      for (; p < k; p++) s0 += a[aRow + p] * b[bRow + p];
      store(c, cRow + j, alpha, s0 + s1 + s2 + s3, beta);
    }
  }
}

/**
 * Both transposed: column j of C is sum_p B[j, p] * A[p, :] (rows of A as stored are contiguous),
 * gathered in a buffer and then written down the column.
 */
function gemmBothTransposed(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: F32,
  aOff: number,
  lda: number,
  b: F32,
  bOff: number,
  ldb: number,
  beta: number,
  c: F32,
  cOff: number,
  ldc: number,
  acc: Float64Array,
): void {
  for (let j = 0; j < n; j++) {
    acc.fill(0, 0, m);
    const bRow = bOff + j * ldb;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const b0 = b[bRow + p],
        b1 = b[bRow + p + 1],
        b2 = b[bRow + p + 2],
        b3 = b[bRow + p + 3];
      const a0 = aOff + p * lda,
        a1 = a0 + lda,
        a2 = a1 + lda,
        a3 = a2 + lda;
      for (let i = 0; i < m; i++) acc[i] += b0 * a[a0 + i] + b1 * a[a1 + i] + b2 * a[a2 + i] + b3 * a[a3 + i];
    }
    for (; p < k; p++) {
      const bjp = b[bRow + p];
      const aRow = aOff + p * lda;
      for (let i = 0; i < m; i++) acc[i] += bjp * a[aRow + i];
    }
    for (let i = 0; i < m; i++) store(c, cOff + i * ldc + j, alpha, acc[i], beta);
  }
}
