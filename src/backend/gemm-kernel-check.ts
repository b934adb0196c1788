// Child process for index.test.ts: checks a native gemm against js under the engine / micro-kernel that
// FINETUNE_GEMM and FINETUNE_GEMM_KERNEL force; FINETUNE_CHECK_VARIANT picks the addon (default builtin).
import { createJsBackend } from './js/index.js';
import { loadNativeBackend } from './native/index.js';

const native = loadNativeBackend(process.env.FINETUNE_CHECK_VARIANT === 'blas' ? 'blas' : 'builtin');
native.setThreads(2);
const js = createJsBackend();
let state = 7;
const random = (n: number): Float32Array =>
  Float32Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296 - 0.5;
  });
let worst = 0;
// Small products, then ones large enough for the threaded path with shared packed operands: split by rows with
// tails over two kc blocks (203 rows, k 1000), by column panels (197 rows, 2 panels), over two nc blocks (1600
// columns), and the few-rows path (A packed whole, B panel by panel) with one and two kc blocks.
const shapes = [
  [37, 45, 300],
  [130, 70, 20],
  [5, 3, 1],
  [203, 90, 1000],
  [197, 64, 300],
  [200, 1600, 20],
  [25, 700, 300],
  [30, 100, 800],
] as const;
for (const threads of [1, 2]) {
  native.setThreads(threads);
  for (const [m, n, k] of shapes) {
    for (const [tA, tB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      // Leading dimensions wider than the rows they hold (by 3), so strides are exercised as well.
      const lda = (tA ? m : k) + 3;
      const ldb = (tB ? k : n) + 3;
      const ldc = n + 3;
      const a = random((tA ? k : m) * lda);
      const b = random((tB ? n : k) * ldb);
      const c0 = random(m * ldc);
      // beta 2 accumulates onto C; beta 0 overwrites it (NaN in C must not leak through; the gap columns keep it).
      for (const beta of [2, 0]) {
        const ours = beta === 0 ? new Float32Array(m * ldc).fill(Number.NaN) : Float32Array.from(c0);
        const reference = Float32Array.from(ours);
        native.gemm(tA, tB, 1, m, n, k, 0.5, a, 0, lda, b, 0, ldb, beta, ours, 0, ldc);
        js.gemm(tA, tB, 1, m, n, k, 0.5, a, 0, lda, b, 0, ldb, beta, reference, 0, ldc);
        for (let i = 0; i < ours.length; i++) {
          if (i % ldc >= n) continue;
          worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!) / (1 + Math.abs(reference[i]!)));
          if (Number.isNaN(ours[i]!)) worst = Number.POSITIVE_INFINITY;
        }
      }
    }
  }
}
native.setThreads(2);
// Batched, B broadcast with stride 0, enough matrices to take the batch-parallel path.
const [batch, m, n, k] = [9, 24, 40, 33];
const a = random(batch * m * k);
const b = random(k * n);
const ours = new Float32Array(batch * m * n);
const reference = new Float32Array(batch * m * n);
native.gemm(false, true, batch, m, n, k, 1, a, m * k, k, b, 0, k, 0, ours, m * n, n);
js.gemm(false, true, batch, m, n, k, 1, a, m * k, k, b, 0, k, 0, reference, m * n, n);
for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!));
if (worst > 1e-4) {
  console.log(`mismatch ${worst} with ${native.gemmEngine} kernel ${native.gemmKernel}`);
  process.exit(1);
}
console.log(`ok ${native.gemmEngine} ${native.gemmKernel} max difference ${worst}`);
