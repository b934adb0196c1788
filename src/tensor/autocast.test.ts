// bf16 autocast of the linear ops on every backend: forward and both backward products through gemmBf16, decided at forward time.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { roundArrayBf16 } from '../backend/js/gemm-bf16.js';
import { backendsUnderTest, randomF32 } from '../backend/test-support.js';
import { getBackend, setBackend, type BackendName } from '../backend/index.js';
import { bf16Enabled, withBf16 } from './autocast.js';
import { multiHeadAttention } from './ops/attention.js';
import { linear } from './ops/linear.js';
import { linearInOut } from './ops/linear-in-out.js';
import { Tensor } from './tensor.js';

/** float64 sum over p of x[r, p] w[o, p] for x [R, K] and w [O, K]. */
function product(x: Float32Array, w: Float32Array, rows: number, out: number, k: number): Float64Array {
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) for (let o = 0; o < out; o++) for (let p = 0; p < k; p++) y[r * out + o] += x[r * k + p]! * w[o * k + p]!;
  return y;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

describe('withBf16', () => {
  it('sets the mode for the call only, restoring it after a throw', () => {
    assert.equal(bf16Enabled(), false);
    assert.equal(
      withBf16(true, () => bf16Enabled()),
      true,
    );
    assert.throws(() =>
      withBf16(true, () => {
        throw new Error('boom');
      }),
    );
    assert.equal(bf16Enabled(), false);
    assert.equal(
      withBf16(true, () => withBf16(false, () => bf16Enabled())),
      false,
    );
  });
});

for (const { name, skip } of backendsUnderTest()) {
  describe(`linear under bf16 on ${name}`, { skip: skip ?? false }, () => {
    let previous: BackendName;
    before(() => {
      previous = getBackend().name as BackendName;
      setBackend(name as BackendName);
    });
    after(() => void setBackend(previous));

    it('multiplies bf16-rounded operands in forward and backward (a backward outside the scope included)', () => {
      const [rows, out, k] = [6, 5, 9];
      const xs = randomF32(rows * k, 1);
      const ws = randomF32(out * k, 2);
      const bs = randomF32(out, 3);
      const x = new Tensor(Float32Array.from(xs), [2, 3, k], { requiresGrad: true });
      const w = new Tensor(Float32Array.from(ws), [out, k], { requiresGrad: true });
      const b = new Tensor(Float32Array.from(bs), [out], { requiresGrad: true });
      const y = withBf16(true, () => linear(x, w, b));
      const expected = product(roundArrayBf16(xs), roundArrayBf16(ws), rows, out, k).map((v, i) => v + bs[i % out]!);
      assert.ok(maxDiff(y.f32(), expected) < 1e-5, 'forward: x and W rounded to bf16');
      assert.ok(
        maxDiff(
          y.f32(),
          product(xs, ws, rows, out, k).map((v, i) => v + bs[i % out]!),
        ) > 1e-5,
        'and not the float32 product',
      );
      const gs = randomF32(rows * out, 4);
      y.backward(new Tensor(Float32Array.from(gs), y.shape));
      // dx = g W (g [R, O] times W [O, K]) and dW = g^T x, each from bf16-rounded operands.
      const g16 = roundArrayBf16(gs);
      const w16 = roundArrayBf16(ws);
      const x16 = roundArrayBf16(xs);
      const dx = new Float64Array(rows * k);
      for (let r = 0; r < rows; r++) for (let p = 0; p < k; p++) for (let o = 0; o < out; o++) dx[r * k + p] += g16[r * out + o]! * w16[o * k + p]!;
      const dw = new Float64Array(out * k);
      for (let o = 0; o < out; o++) for (let p = 0; p < k; p++) for (let r = 0; r < rows; r++) dw[o * k + p] += g16[r * out + o]! * x16[r * k + p]!;
      assert.ok(maxDiff(x.grad!.f32(), dx) < 1e-5, 'dx');
      assert.ok(maxDiff(w.grad!.f32(), dw) < 1e-5, 'dW');
      const db = new Float64Array(out);
      for (let r = 0; r < rows; r++) for (let o = 0; o < out; o++) db[o] += gs[r * out + o]!;
      assert.ok(maxDiff(b.grad!.f32(), db) < 1e-5, 'db stays float32');
    });

    it("GPT-2's Conv1D layout too, and float32 outside the scope", () => {
      const [rows, k, n] = [4, 7, 3];
      const xs = randomF32(rows * k, 5);
      const ws = randomF32(k * n, 6);
      const wT = new Float32Array(n * k);
      for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) wT[j * k + p] = ws[p * n + j]!;
      const x = new Tensor(Float32Array.from(xs), [rows, k]);
      const w = new Tensor(Float32Array.from(ws), [k, n]);
      const mixed = withBf16(true, () => linearInOut(x, w, null));
      assert.ok(maxDiff(mixed.f32(), product(roundArrayBf16(xs), roundArrayBf16(wT), rows, n, k)) < 1e-5);
      const plain = linearInOut(x, w, null);
      assert.ok(maxDiff(plain.f32(), product(xs, wT, rows, n, k)) < 1e-5);
    });

    it('runs attention with bf16 block products, decided at forward time', () => {
      const [b, t, heads, d] = [2, 5, 2, 4];
      const data = [7, 8, 9].map((seed) => randomF32(b * t * heads * d, seed, -2, 2));
      const make = () => data.map((x) => new Tensor(Float32Array.from(x), [b, t, heads * d], { requiresGrad: true }));
      const gradient = new Tensor(randomF32(b * t * heads * d, 10), [b, t, heads * d]);
      const run = (mixedForward: boolean, mixedBackward: boolean): Float32Array[] => {
        const [q, k, v] = make() as [Tensor, Tensor, Tensor];
        const y = withBf16(mixedForward, () => multiHeadAttention(q, k, v, { heads }));
        withBf16(mixedBackward, () => y.backward(gradient));
        return [y.f32(), q.grad!.f32(), k.grad!.f32(), v.grad!.f32()];
      };
      const mixed = run(true, true);
      const plain = run(false, false);
      assert.deepEqual(run(true, false), mixed, 'backward outside the scope multiplies as its forward did');
      assert.deepEqual(run(false, true), plain, 'and a float32 forward stays float32 in backward');
      const be = getBackend();
      const [q, k, v] = data as [Float32Array, Float32Array, Float32Array];
      const direct = new Float32Array(q.length);
      be.attention(q, k, v, null, b, heads, heads, t, t, d, false, 1 / Math.sqrt(d), 0, 0, new Float32Array(b * heads * t * 2), direct, null, true);
      assert.deepEqual(mixed[0], direct, 'the op passes bf16 to the kernel');
      for (let i = 0; i < 4; i++) {
        const moved = maxDiff(mixed[i]!, plain[i]!);
        assert.ok(moved > 1e-5 && moved < 5e-2, `result ${i}: bf16 moved it by ${moved}`);
      }
    });
  });
}
