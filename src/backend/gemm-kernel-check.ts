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
for (const [m, n, k] of [
  [37, 45, 300],
  [130, 70, 20],
  [5, 3, 1],
] as const) {
  for (const [tA, tB] of [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const) {
    const a = random(m * k);
    const b = random(k * n);
    const c0 = random(m * n);
    const ours = Float32Array.from(c0);
    const reference = Float32Array.from(c0);
    native.gemm(tA, tB, 1, m, n, k, 0.5, a, 0, tA ? m : k, b, 0, tB ? k : n, 2, ours, 0, n);
    js.gemm(tA, tB, 1, m, n, k, 0.5, a, 0, tA ? m : k, b, 0, tB ? k : n, 2, reference, 0, n);
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - reference[i]!));
  }
}
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
