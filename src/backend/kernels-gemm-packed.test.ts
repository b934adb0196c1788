// Backend.gemmPackB / gemmPacked on every backend: the products gemm computes (bias included), for every blocking path, and refusals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Backend } from './backend.js';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

/** op(B) [k, n] of a weight stored [n, k] (transB) or [k, n], packed by `be`. */
function pack(be: Backend, transB: boolean, k: number, n: number, b: Float32Array): Float32Array {
  const packed = new Float32Array(be.gemmPackedSize(k, n));
  be.gemmPackB(transB, k, n, b, transB ? k : n, packed);
  return packed;
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`gemmPacked on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    // Few rows (A packed whole), many rows (A in blocks, threads on row strips), k over one kc block, n over one nc block.
    for (const [m, k, n] of [
      [1, 7, 5],
      [13, 37, 35],
      [128, 256, 96],
      [300, 800, 70],
      [200, 40, 1600],
    ] as const) {
      for (const transA of [false, true]) {
        for (const transB of [true, false]) {
          test(`${m}x${k}x${n}, A ${transA ? 'transposed' : 'plain'}, B ${transB ? '[n, k]' : '[k, n]'}: gemm's result, beta 0 and 1`, () => {
            const a = randomF32(m * k, 1);
            const b = randomF32(k * n, 2);
            const packed = pack(be, transB, k, n, b);
            const lda = transA ? m : k;
            const expected = randomF32(m * n, 3);
            const actual = Float32Array.from(expected);
            // Sums of k products of numbers in [-1, 1] cancel: the tolerance grows with k (float32 sums in another order).
            be.gemm(transA, transB, 1, m, n, k, 0.5, a, 0, lda, b, 0, transB ? k : n, 1, expected, 0, n);
            be.gemmPacked(transA, m, n, k, 0.5, a, lda, packed, null, 1, actual, n);
            assertClose(actual, expected, 'beta 1', 1e-5, 2e-7 * k);
            const overwritten = new Float32Array(m * n).fill(Number.NaN);
            be.gemm(transA, transB, 1, m, n, k, 1, a, 0, lda, b, 0, transB ? k : n, 0, expected, 0, n);
            be.gemmPacked(transA, m, n, k, 1, a, lda, packed, null, 0, overwritten, n);
            assertClose(overwritten, expected, 'beta 0', 1e-5, 2e-7 * k);
            // With a bias: gemm onto bias rows (beta 1) is what gemmPacked writes in one go.
            const bias = randomF32(n, 8);
            const withBias = new Float32Array(m * n).fill(Number.NaN);
            for (let i = 0; i < m; i++) expected.set(bias, i * n);
            be.gemm(transA, transB, 1, m, n, k, 1, a, 0, lda, b, 0, transB ? k : n, 1, expected, 0, n);
            be.gemmPacked(transA, m, n, k, 1, a, lda, packed, bias, 0, withBias, n);
            assertClose(withBias, expected, 'bias', 1e-5, 2e-7 * k);
          });
        }
      }
    }

    test('a copy of the packed array (another address) gives the same product', () => {
      const [m, k, n] = [24, 64, 40];
      const a = randomF32(m * k, 4);
      const packed = pack(be, true, k, n, randomF32(n * k, 5));
      const first = new Float32Array(m * n);
      be.gemmPacked(false, m, n, k, 1, a, k, packed, null, 0, first, n);
      // One float further into a larger buffer: the data's alignment changes.
      const moved = new Float32Array(new ArrayBuffer((packed.length + 1) * 4), 4, packed.length);
      moved.set(packed);
      const second = new Float32Array(m * n);
      be.gemmPacked(false, m, n, k, 1, a, k, moved, null, 0, second, n);
      assert.deepEqual(second, first);
    });

    test('a packing of another shape, or a plain array, is refused', () => {
      const packed = pack(be, true, 16, 8, randomF32(128, 6));
      const c = new Float32Array(4 * 9);
      assert.throws(() => be.gemmPacked(false, 4, 9, 16, 1, randomF32(64, 7), 16, packed, null, 0, c, 9), /packedB/);
      assert.throws(() => be.gemmPacked(false, 4, 8, 17, 1, randomF32(68, 7), 17, packed, null, 0, c, 8), /packedB/);
      assert.throws(() => be.gemmPacked(false, 4, 8, 16, 1, randomF32(63, 7), 16, packed, null, 0, c, 8), /A/);
      assert.throws(() => be.gemmPacked(false, 4, 8, 16, 1, randomF32(64, 7), 16, packed, randomF32(8, 9), 1, c, 8), /bias goes with beta 0/);
      assert.throws(() => be.gemmPacked(false, 4, 8, 16, 1, randomF32(64, 7), 16, packed, randomF32(7, 9), 0, c, 8), /bias/);
      assert.throws(() => be.gemmPackB(true, 16, 8, randomF32(127, 8), 16, new Float32Array(be.gemmPackedSize(16, 8))), /B/);
    });
  });
}
