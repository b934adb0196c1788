// Kernel tests on every available backend: fused attention forward / backward and hash-seeded dropout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { dropoutKeep, dropoutThreshold } from './js/dropout.js';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

/** float64 attention of one batch layout; returns probs (pre-dropout) and out. */
function referenceAttention(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  mask: Float32Array | null,
  b: number,
  heads: number,
  tq: number,
  tk: number,
  d: number,
  scale: number,
  p: number,
  seed: number,
): { probs: number[]; out: Float64Array } {
  const width = heads * d;
  const probs: number[] = [];
  const out = new Float64Array(b * tq * width);
  const threshold = dropoutThreshold(p);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < tq; i++) {
        const row: number[] = [];
        for (let j = 0; j < tk; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q[(bi * tq + i) * width + h * d + c]! * k[(bi * tk + j) * width + h * d + c]!;
          row.push(s * scale + (mask ? mask[bi * tk + j]! : 0));
        }
        const max = Math.max(...row);
        const e = row.map((x) => (max === -Infinity ? 0 : Math.exp(x - max)));
        const sum = e.reduce((a, x) => a + x, 0);
        e.forEach((x, j) => {
          const pr = sum === 0 ? 0 : x / sum;
          probs.push(pr);
          const flat = ((bi * heads + h) * tq + i) * tk + j;
          const kept = p > 0 ? (dropoutKeep(seed, flat, threshold) ? pr / (1 - p) : 0) : pr;
          for (let c = 0; c < d; c++) out[(bi * tq + i) * width + h * d + c] += kept * v[(bi * tk + j) * width + h * d + c]!;
        });
      }
    }
  }
  return { probs, out };
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`fused kernels on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;

    test('attention matches a float64 reference, with padding, fully masked entries and dropout', () => {
      for (const [b, heads, tq, tk, d, p] of [
        [2, 3, 4, 5, 2, 0],
        [2, 2, 3, 6, 4, 0.4],
        [4, 4, 33, 40, 16, 0.1],
      ] as const) {
        const width = heads * d;
        const q = randomF32(b * tq * width, 1, -2, 2);
        const k = randomF32(b * tk * width, 2, -2, 2);
        const v = randomF32(b * tk * width, 3);
        const mask = new Float32Array(b * tk);
        mask[tk - 1] = -3.4028234663852886e38;
        mask.fill(-Infinity, tk, 2 * tk);
        const probs = new Float32Array(b * heads * tq * tk);
        const out = new Float32Array(b * tq * width).fill(Number.NaN);
        be.attention(q, k, v, mask, b, heads, heads, tq, tk, d, false, 0.7, p, 4242, new Float32Array(b * heads * tq * 2), out, probs, false);
        const ref = referenceAttention(q, k, v, mask, b, heads, tq, tk, d, 0.7, p, 4242);
        assertClose(probs, ref.probs, `probs ${b}x${heads}x${tq}x${tk}`, 1e-5, 1e-6);
        assertClose(out, ref.out, `out ${b}x${heads}x${tq}x${tk} p=${p}`, 1e-4, 1e-5);
        assert.ok(
          probs.subarray(heads * tq * tk, 2 * heads * tq * tk).every((x) => x === 0),
          'fully masked entry gives zeros',
        );
      }
    });

    test('attentionGrad matches finite differences of the float64 forward', () => {
      const [b, heads, tq, tk, d, p, seed] = [2, 2, 3, 4, 3, 0.3, 99];
      const width = heads * d;
      const q = randomF32(b * tq * width, 5, -1.5, 1.5);
      const k = randomF32(b * tk * width, 6, -1.5, 1.5);
      const v = randomF32(b * tk * width, 7);
      const mask = new Float32Array(b * tk);
      mask[1] = -1e9;
      const dOut = randomF32(b * tq * width, 8);
      const probs = new Float32Array(b * heads * tq * tk);
      const stats = new Float32Array(b * heads * tq * 2);
      const out = new Float32Array(b * tq * width);
      be.attention(q, k, v, mask, b, heads, heads, tq, tk, d, false, 0.5, p, seed, stats, out, probs, false);
      const grads = [q, k, v].map((x) => new Float32Array(x.length).fill(Number.NaN));
      be.attentionGrad(q, k, v, mask, out, stats, dOut, b, heads, heads, tq, tk, d, false, 0.5, p, seed, grads[0]!, grads[1]!, grads[2]!, false);
      const loss = (qq: ArrayLike<number>, kk: ArrayLike<number>, vv: ArrayLike<number>): number => {
        const { out } = referenceAttention(qq, kk, vv, mask, b, heads, tq, tk, d, 0.5, p, seed);
        return out.reduce((s, x, i) => s + x * dOut[i]!, 0);
      };
      [q, k, v].forEach((x, which) => {
        const numeric: number[] = [];
        for (let i = 0; i < x.length; i++) {
          const plus = [q, k, v].map((y) => Float64Array.from(y));
          const minus = [q, k, v].map((y) => Float64Array.from(y));
          plus[which]![i]! += 1e-3;
          minus[which]![i]! -= 1e-3;
          numeric.push((loss(plus[0]!, plus[1]!, plus[2]!) - loss(minus[0]!, minus[1]!, minus[2]!)) / 2e-3);
        }
        assertClose(grads[which]!, numeric, `d${'qkv'[which]}`, 1e-3, 1e-4);
      });
    });

    test('attention checks sizes, rates and seeds', () => {
      const x = new Float32Array(8);
      assert.throws(() => be.attention(x, x, x, null, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, new Float32Array(8), new Float32Array(7), null, false), /out/);
      assert.throws(() => be.attention(x, x, x, null, 1, 2, 2, 2, 2, 2, false, 1, 1, 0, new Float32Array(8), x, null, false), /dropout 1 must be in \[0, 1\)/);
      assert.throws(() => be.attentionGrad(x, x, x, null, x, x, x, 1, 2, 2, 2, 2, 2, false, 1, 0.5, 2 ** 32, x, x, x, false), /seed/);
    });

    test('dropout keeps the hashed elements, scaled, identically in place', () => {
      const x = randomF32(70000, 9);
      const out = new Float32Array(x.length);
      be.dropout(x, 0.2, 3141592653, out);
      const threshold = dropoutThreshold(0.2);
      const scale = Math.fround(1 / 0.8);
      let kept = 0;
      for (let i = 0; i < x.length; i++) {
        const expected = dropoutKeep(3141592653, i, threshold) ? Math.fround(x[i]! * scale) : 0;
        if (out[i] !== expected) assert.fail(`index ${i}: got ${out[i]}, expected ${expected}`);
        if (out[i] !== 0) kept++;
      }
      assert.ok(Math.abs(kept / x.length - 0.8) < 0.01, `kept ${kept}`);
      const again = x.slice();
      be.dropout(again, 0.2, 3141592653, again);
      assert.deepEqual(again, out);
      assert.throws(() => be.dropout(x, -0.1, 1, out), /must be in \[0, 1\)/);
      assert.throws(() => be.dropout(x, 0.1, 1, new Float32Array(3)), /out/);
    });
  });
}
