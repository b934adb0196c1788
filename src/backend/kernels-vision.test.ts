// Vision kernel contract on every available backend: bad sizes and geometry are refused, outputs are overwritten, and
// recycled (dirty) output buffers come out the same as fresh ones.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';
import { Activation, ConvGeometry, PoolGeometry } from './vision-kernels.js';

/** N, C, H, W, O, OH, OW, KH, KW, SH, SW, PH, PW, DH, DW, groups of a 3x3 / stride 1 / padding 1 convolution. */
function conv(n: number, c: number, hw: number, o: number, groups: number): Int32Array {
  const g = Int32Array.from([n, c, hw, hw, o, hw, hw, 3, 3, 1, 1, 1, 1, 1, 1, groups]);
  assert.equal(g.length, ConvGeometry.Length);
  return g;
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`vision kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test('conv2d refuses short arrays, groups that do not divide the channels, and a malformed geometry', () => {
      const g = conv(2, 4, 5, 6, 2);
      const x = randomF32(2 * 4 * 25, 1);
      const w = randomF32(6 * 2 * 9, 2);
      assert.throws(() => be.conv2d(x, w, null, g, new Float32Array(10)), RangeError);
      assert.throws(() => be.conv2d(x.subarray(0, 50), w, null, g, new Float32Array(2 * 6 * 25)), RangeError);
      assert.throws(() => be.conv2d(x, w, new Float32Array(5), g, new Float32Array(2 * 6 * 25)), RangeError);
      assert.throws(() => be.conv2d(x, w, null, conv(2, 4, 5, 6, 3), new Float32Array(2 * 6 * 25)), RangeError);
      assert.throws(() => be.conv2d(x, w, null, g.subarray(0, 15), new Float32Array(2 * 6 * 25)), RangeError);
      assert.throws(() => be.conv2dGradWeight(x, new Float32Array(3), g, new Float32Array(w.length), null), RangeError);
    });

    test('conv2d, its gradients and the pools overwrite dirty outputs', () => {
      for (const groups of [1, 4]) {
        const g = conv(3, 4, 6, 8, groups);
        const x = randomF32(3 * 4 * 36, 3);
        const w = randomF32(8 * (4 / groups) * 9, 4);
        const dy = randomF32(3 * 8 * 36, 5);
        const run = (fill: number): Float32Array[] => {
          const out = new Float32Array(3 * 8 * 36).fill(fill);
          const dx = new Float32Array(x.length).fill(fill);
          const dw = new Float32Array(w.length).fill(fill);
          const db = new Float32Array(8).fill(fill);
          be.conv2d(x, w, null, g, out);
          be.conv2dGradInput(dy, w, g, dx);
          be.conv2dGradWeight(x, dy, g, dw, db);
          return [out, dx, dw, db];
        };
        const clean = run(0);
        run(Number.NaN).forEach((a, i) => assertClose(a, clean[i]!, `groups ${groups} output ${i}`));
      }
      const pool = Int32Array.from([6, 7, 7, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1]);
      assert.equal(pool.length, PoolGeometry.Length);
      const x = randomF32(6 * 49, 6);
      const dy = randomF32(6 * 16, 7);
      const dirty = (n: number): Float32Array => new Float32Array(n).fill(Number.NaN);
      const argmax = new Int32Array(6 * 16);
      const outs = [dirty(6 * 16), dirty(6 * 49), dirty(6 * 16), dirty(6 * 49), dirty(6 * 4), dirty(6 * 49)];
      be.maxPool2d(x, pool, outs[0]!, argmax);
      be.maxPool2dGrad(dy, argmax, pool, outs[1]!);
      be.avgPool2d(x, pool, false, outs[2]!);
      be.avgPool2dGrad(dy, pool, false, outs[3]!);
      be.adaptiveAvgPool2d(x, 6, 7, 7, 2, 2, outs[4]!);
      be.adaptiveAvgPool2dGrad(dy.subarray(0, 24), 6, 7, 7, 2, 2, outs[5]!);
      outs.forEach((a, i) => assert.ok(a.every(Number.isFinite), `pool output ${i} has unwritten elements`));
    });

    test('pools refuse a malformed geometry, short arrays and (average) dilation', () => {
      const pool = Int32Array.from([2, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 1, 1]);
      const x = randomF32(32, 8);
      assert.throws(() => be.maxPool2d(x, pool.subarray(0, 12), new Float32Array(8), new Int32Array(8)), RangeError);
      assert.throws(() => be.maxPool2d(x, pool, new Float32Array(8), new Int32Array(3)), RangeError);
      assert.throws(() => be.avgPool2d(x, Int32Array.from([2, 4, 4, 2, 2, 2, 2, 2, 2, 0, 0, 2, 1]), true, new Float32Array(8)), RangeError);
      assert.throws(() => be.adaptiveAvgPool2d(x, 2, 4, 4, 3, 3, new Float32Array(8)), RangeError);
    });

    test('batch norm refuses short arrays; activations refuse an unknown op', () => {
      const x = randomF32(2 * 3 * 4, 9);
      assert.throws(() => be.batchNormStats(x, 2, 3, 4, new Float32Array(2), new Float32Array(3)), RangeError);
      assert.throws(
        () => be.batchNorm(x, new Float32Array(3), new Float32Array(3), new Float32Array(2), null, 2, 3, 4, 1e-5, new Float32Array(24)),
        RangeError,
      );
      assert.throws(() => be.activation(7 as Activation, x, new Float32Array(24)), RangeError);
      assert.throws(() => be.activationGrad(Activation.Relu6, x, x, new Float32Array(3)), RangeError);
    });
  });
}
