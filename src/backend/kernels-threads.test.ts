// The pool's parts and claimed chunks: products and reductions give the same results on 1 to 5 threads, on every backend.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend } from './backend.js';
import { gemmLibrary } from './index.js';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

const THREAD_COUNTS = [1, 2, 3, 5];

/** What `run` returns on each thread count, the backend's own count restored afterwards. */
function onEachThreadCount<T>(be: Backend, run: () => T): T[] {
  const before = be.getThreads();
  try {
    return THREAD_COUNTS.map((threads) => {
      be.setThreads(threads);
      return run();
    });
  } finally {
    be.setThreads(before);
  }
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`thread counts on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    // Rows split one part a thread, rows in chunks claimed one by one (200 strips: an mc block or more each, up to 5
    // threads), few rows (column parts), wide n (several B blocks).
    for (const [m, k, n] of [
      [700, 300, 200],
      [2400, 128, 96],
      [40, 500, 2000],
      [260, 128, 3300],
    ] as const) {
      for (const [transA, transB] of [
        [false, false],
        [true, true],
      ] as const) {
        test(`gemm ${m}x${k}x${n}${transA ? ' TT' : ' NN'}: every element the same on ${THREAD_COUNTS.join(', ')} threads`, () => {
          const a = randomF32(m * k, 11);
          const b = randomF32(k * n, 12);
          const [first, ...others] = onEachThreadCount(be, () => {
            const c = new Float32Array(m * n).fill(Number.NaN);
            be.gemm(transA, transB, 1, m, n, k, 1, a, 0, transA ? m : k, b, 0, transB ? k : n, 0, c, 0, n);
            return c;
          });
          // The built-in kernels sum each element's k products in the same order whichever thread computes it; a BLAS
          // library may pick other kernels for a strip's edge.
          for (const other of others) {
            if (gemmLibrary(be) === 'builtin' || gemmLibrary(be) === 'js') assert.deepEqual(other, first);
            else assertClose(other, first!, 'product', 1e-5, 1e-6 * k);
          }
        });
      }
    }

    test('gemmBf16: every element the same on each thread count', () => {
      const [m, k, n] = [300, 256, 700];
      const a = randomF32(m * k, 13);
      const b = randomF32(k * n, 14);
      const [first, ...others] = onEachThreadCount(be, () => {
        const c = new Float32Array(m * n).fill(Number.NaN);
        be.gemmBf16(false, true, 1, m, n, k, 1, a, 0, k, b, 0, k, 0, c, 0, n);
        return c;
      });
      for (const other of others) assert.deepEqual(other, first);
    });

    test('layer norm gradients (per-part partial sums) agree across thread counts', () => {
      const [rows, cols] = [4096, 96];
      const x = randomF32(rows * cols, 15);
      const dy = randomF32(rows * cols, 16);
      const gamma = randomF32(cols, 17);
      const results = onEachThreadCount(be, () => {
        const y = new Float32Array(rows * cols);
        const mean = new Float32Array(rows);
        const rstd = new Float32Array(rows);
        be.layerNorm(x, gamma, randomF32(cols, 18), rows, cols, 1e-5, y, mean, rstd);
        const dx = new Float32Array(rows * cols);
        const dgamma = new Float32Array(cols);
        const dbeta = new Float32Array(cols);
        be.layerNormGrad(x, gamma, mean, rstd, dy, rows, cols, dx, dgamma, dbeta);
        return [dx, dgamma, dbeta];
      });
      for (const other of results.slice(1)) {
        for (let i = 0; i < 3; i++) assertClose(other[i]!, results[0]![i]!, `output ${i}`, 1e-5, 1e-5);
      }
    });
  });
}
