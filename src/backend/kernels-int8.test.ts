// The int8 weight packing and Backend.linearInt8 on every backend against the TypeScript reference and the float product.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { packedInt8At, packInt8Weights } from './int8-pack.js';
import { linearInt8 } from './js/int8.js';
import { assertClose, backendsUnderTest, randomF32, rng } from './test-support.js';

/** Random int8 weights [n, k] in [-127, 127]. */
function randomInt8(count: number, seed: number): Int8Array {
  const next = rng(seed);
  return Int8Array.from({ length: count }, () => Math.round(next() * 254 - 127));
}

describe('int8 weight packing', () => {
  test('every weight lands at its packed place, padding is zero, column sums add up', () => {
    const [n, k] = [19, 7];
    const w = randomInt8(n * k, 3);
    const { packed, colSums } = packInt8Weights(w, n, k);
    assert.equal(packed.length, 2 * 2 * 16);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) {
        assert.equal(packedInt8At(packed, k, j, i), w[j * k + i]);
        sum += w[j * k + i]!;
      }
      assert.equal(colSums[j], sum);
    }
    assert.equal(packedInt8At(packed, k, 20, 3), 0);
    assert.equal(packedInt8At(packed, k, 3, 7), 0);
  });
});

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`linearInt8 on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    for (const [m, k, n] of [
      [1, 4, 16],
      [13, 37, 35],
      [64, 256, 96],
    ] as const) {
      test(`[${m}, ${k}] x [${n}, ${k}]^T: the reference's result, and the float product within the quantisation error`, () => {
        const x = randomF32(m * k, 7, -2, 3);
        const w = randomInt8(n * k, 11);
        const wScale = randomF32(n, 5, 0.001, 0.02);
        const bias = randomF32(n, 9);
        const { packed, colSums } = packInt8Weights(w, n, k);
        const out = new Float32Array(m * n).fill(Number.NaN);
        be.linearInt8(x, m, k, packed, n, wScale, colSums, bias, out);
        const expected = new Float32Array(m * n);
        linearInt8(x, m, k, packed, n, wScale, colSums, bias, expected);
        assertClose(out, expected, 'out', 1e-5, 1e-5);
        const step = 5 / 255;
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < n; j++) {
            let exact = bias[j]!;
            let bound = 0;
            for (let i = 0; i < k; i++) {
              exact += x[r * k + i]! * w[j * k + i]! * wScale[j]!;
              bound += Math.abs(w[j * k + i]! * wScale[j]!) * step;
            }
            assert.ok(Math.abs(out[r * n + j]! - exact) <= bound / 2 + 1e-4, `out[${r}, ${j}] ${out[r * n + j]} vs ${exact}`);
          }
        }
      });
    }

    test('no bias, and inputs all zero (scale 0) give exactly zero', () => {
      const { packed, colSums } = packInt8Weights(randomInt8(16 * 8, 2), 16, 8);
      const out = new Float32Array(3 * 16).fill(1);
      be.linearInt8(new Float32Array(3 * 8), 3, 8, packed, 16, new Float32Array(16).fill(0.1), colSums, null, out);
      assert.ok(out.every((v) => v === 0));
    });
  });
}
