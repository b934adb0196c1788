// Kernel tests on every available backend: causal / grouped-query attention probabilities and the decoder kernels' argument checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backendsUnderTest, randomF32 } from './test-support.js';

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`decoder kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test("causal attention writes exact zeros past each row's last visible key, and rows of one", () => {
      const [b, heads, kvHeads, tq, tk, d] = [2, 4, 2, 3, 5, 2];
      const q = randomF32(b * tq * heads * d, 1, -2, 2);
      const k = randomF32(b * tk * kvHeads * d, 2, -2, 2);
      const v = randomF32(b * tk * kvHeads * d, 3);
      const probs = new Float32Array(b * heads * tq * tk).fill(Number.NaN);
      const out = new Float32Array(b * tq * heads * d).fill(Number.NaN);
      be.attention(q, k, v, null, b, heads, kvHeads, tq, tk, d, true, 0.5, 0, 0, new Float32Array(b * heads * tq * 2), out, probs, false);
      for (let i = 0; i < b * heads; i++) {
        for (let r = 0; r < tq; r++) {
          const row = probs.subarray((i * tq + r) * tk, (i * tq + r + 1) * tk);
          const seen = r + tk - tq + 1;
          assert.ok(
            row.subarray(seen).every((x) => x === 0),
            `row ${r} of ${i}: ${Array.from(row)}`,
          );
          assert.ok(Math.abs(row.subarray(0, seen).reduce((s, x) => s + x, 0) - 1) < 1e-6);
        }
      }
      assert.ok(out.every(Number.isFinite));
    });

    test('attention refuses key/value heads that do not divide the heads', () => {
      const x = new Float32Array(16);
      assert.throws(() => be.attention(x, x, x, null, 1, 4, 3, 2, 2, 2, true, 1, 0, 0, x, x, null, false), /kvHeads 3 must divide heads 4/);
      assert.throws(() => be.attentionGrad(x, x, x, null, x, x, x, 1, 4, 3, 2, 2, 2, true, 1, 0, 0, x, x, x, false), /kvHeads 3 must divide heads 4/);
    });

    test('rmsNorm, rotary and swiglu check their sizes and arguments', () => {
      const x = new Float32Array(8);
      assert.throws(() => be.rmsNorm(x, new Float32Array(3), 2, 4, 1e-6, x, new Float32Array(2)), /weight/);
      assert.throws(() => be.rmsNormGrad(x, new Float32Array(4), new Float32Array(1), x, 2, 4, x, new Float32Array(4)), /rstd/);
      const pos = new Int32Array([0, 1]);
      assert.throws(() => be.rotary(x, x, x, 2, 3, pos, true, 1, 2, 1, 4, false, x), /rotaryDim 3 must be even/);
      assert.throws(() => be.rotary(x, x, x, 2, 4, pos, true, 1, 2, 1, 4, false, new Float32Array(4)), /out/);
      assert.equal(be.rotary(x, x, x, 2, 4, new Int32Array([0, 2]), true, 1, 2, 1, 4, false, x), 1);
      assert.equal(be.rotary(x, x, x, 2, 4, pos, true, 1, 2, 1, 4, false, x), -1);
      assert.throws(() => be.swiglu(x, new Float32Array(7), x), /up/);
      assert.throws(() => be.swigluGrad(x, x, x, x, null), /up and dup must both be given or both be null/);
    });

    test('rotary in place equals rotary into a new array; features past rotaryDim pass through', () => {
      const [b, t, heads, d, positions] = [2, 3, 2, 6, 4];
      const x = randomF32(b * t * heads * d, 4);
      const cos = randomF32(positions * 2, 5);
      const sin = randomF32(positions * 2, 6);
      const pos = new Int32Array([3, 1, 0, 2, 2, 1]);
      const out = new Float32Array(x.length);
      be.rotary(x, cos, sin, positions, 4, pos, false, b, t, heads, d, false, out);
      const inPlace = x.slice();
      be.rotary(inPlace, cos, sin, positions, 4, pos, false, b, t, heads, d, false, inPlace);
      assert.deepEqual(inPlace, out);
      for (let row = 0; row < b * t * heads; row++) assert.deepEqual(out.subarray(row * d + 4, row * d + 6), x.subarray(row * d + 4, row * d + 6));
    });
  });
}
