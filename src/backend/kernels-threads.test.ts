// The pool's parts and claimed chunks: products and reductions give the same results on 1 to 5 threads, on every backend.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Binary, type Backend } from './backend.js';
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

    // Threads pack ranges of panels (transposed operands a depth pair at a time across their range): at this size the
    // ranges of 2 and 3 threads end inside A's panels and inside B's. One thread in js, which would only repeat itself.
    for (const [transA, transB] of [
      [false, true],
      [false, false],
      [true, false],
      [true, true],
    ] as const) {
      const label = `gemmBf16 ${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}: every element the same on each thread count`;
      test(label, { skip: name === 'js' ? 'the js backend runs on one thread' : false }, () => {
        const [m, k, n] = [601, 511, 401];
        const a = randomF32(m * k, 13);
        const b = randomF32(k * n, 14);
        const other = randomF32(Math.max(m, n) * k, 15);
        const product = (left: Float32Array, right: Float32Array) => {
          const c = new Float32Array(m * n).fill(Number.NaN);
          be.gemmBf16(transA, transB, 1, m, n, k, 1, left, 0, transA ? m : k, right, 0, transB ? k : n, 0, c, 0, n);
          return c;
        };
        const before = be.getThreads();
        try {
          be.setThreads(1);
          const expected = product(a, b);
          assert.ok(expected.every(Number.isFinite));
          for (const threads of THREAD_COUNTS) {
            // The packing space is reused: one thread fills all of it with other values, so a panel the threads
            // leave unpacked shows.
            be.setThreads(1);
            product(other, other);
            be.setThreads(threads);
            assert.deepEqual(product(a, b), expected, `${threads} threads`);
          }
        } finally {
          be.setThreads(before);
        }
      });
    }

    // Rows of 16,384 elements or more are cut into runs (a contiguous op is one row once its axes merge): runs that
    // start mid-row, strided and broadcast operands, an offset source.
    test('binary, where and copyStrided over long rows: the right values on every thread count', () => {
      const [rows, cols] = [3, 20000];
      const n = rows * cols;
      const a = randomF32(n, 19);
      const b = randomF32(cols, 20);
      const shape = Int32Array.of(rows, cols);
      const flat = Int32Array.of(n);
      const expectSum = Float32Array.from({ length: n }, (_, i) => a[i]! + b[i % cols]!);
      // a read as its transpose: element (r, c) of a [cols, rows] matrix stored row-major.
      const expectTransposed = Float32Array.from({ length: n }, (_, i) => a[(i % cols) * rows + Math.floor(i / cols)]! * 2);
      const positive = Float32Array.from(a, (v) => (v > 0 ? 1 : 0));
      const expectWhere = Float32Array.from({ length: n }, (_, i) => (positive[i] ? a[i]! : b[i % cols]!));
      const source = randomF32(rows * (cols + 10) + 5, 21);
      const expectCopy = Float32Array.from({ length: n }, (_, i) => source[5 + Math.floor(i / cols) * (cols + 10) + (i % cols)]!);
      const results = onEachThreadCount(be, () => {
        const out = [0, 1, 2, 3, 4].map(() => new Float32Array(n).fill(Number.NaN));
        be.binary(Binary.Add, shape, a, Int32Array.of(cols, 1), b, Int32Array.of(0, 1), out[0]!);
        be.binary(Binary.Mul, shape, a, Int32Array.of(1, rows), Float32Array.of(2), Int32Array.of(0, 0), out[1]!);
        be.where(shape, positive, Int32Array.of(cols, 1), a, Int32Array.of(cols, 1), b, Int32Array.of(0, 1), out[2]!);
        be.copyStrided(shape, source, 5, Int32Array.of(cols + 10, 1), out[3]!, 0);
        be.binary(Binary.Sub, flat, a, Int32Array.of(1), a, Int32Array.of(1), out[4]!);
        return out;
      });
      for (const [threads, out] of results.map((r, i) => [THREAD_COUNTS[i], r] as const)) {
        assertClose(out[0]!, expectSum, `add, ${threads} threads`, 0, 0);
        assertClose(out[1]!, expectTransposed, `strided mul, ${threads} threads`, 0, 0);
        assertClose(out[2]!, expectWhere, `where, ${threads} threads`, 0, 0);
        assertClose(out[3]!, expectCopy, `copyStrided, ${threads} threads`, 0, 0);
        assert.ok(
          out[4]!.every((v) => v === 0),
          `sub, ${threads} threads`,
        );
      }
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
