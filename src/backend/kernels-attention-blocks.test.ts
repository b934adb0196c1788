// Kernel tests on every available backend: blocked (online-softmax) attention over sequences longer than a block, against dense float64.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attention64, attentionGrad64, type Attention64Options } from '../../test/support/attention64.js';
import type { Backend } from './backend.js';
import { assertClose, backendsUnderTest, randomF32 } from './test-support.js';

const MIN = -3.4028234663852886e38;

interface BlockCase extends Attention64Options {
  readonly name: string;
}

/** [B, Tk] mask with `value` on keys [from, to) of batch entry b. */
function maskSpan(base: Float32Array, tk: number, b: number, from: number, to: number, value: number): Float32Array {
  base.fill(value, b * tk + from, b * tk + to);
  return base;
}

// Blocks are 128 queries x 256 keys: every length below is off a multiple, and the masks cut across block edges.
const cases: BlockCase[] = [
  {
    name: '300 x 300, padding from key 190 (-1e9) and 257 (-Infinity)',
    ...{ batch: 2, heads: 2, kvHeads: 2, tq: 300, tk: 300, d: 8, causal: false, scale: 0.35 },
    mask: maskSpan(maskSpan(new Float32Array(600), 300, 0, 190, 300, -1e9), 300, 1, 257, 300, -Infinity),
  },
  {
    name: '300 x 300 with dropout 0.15 and padding from key 130',
    ...{ batch: 2, heads: 2, kvHeads: 2, tq: 300, tk: 300, d: 8, causal: false, scale: 0.35, dropout: 0.15, seed: 77 },
    mask: maskSpan(new Float32Array(600), 300, 1, 130, 300, MIN),
  },
  {
    name: 'causal 300 x 300, 4 heads on 2 key/value heads, 130 left-padding keys (float32 minimum), dropout 0.1',
    ...{ batch: 2, heads: 4, kvHeads: 2, tq: 300, tk: 300, d: 8, causal: true, scale: 0.35, dropout: 0.1, seed: 5 },
    mask: maskSpan(new Float32Array(600), 300, 1, 0, 130, MIN),
  },
  {
    name: 'causal 70 queries on 260 keys (a cached prefix), -Infinity on keys 240..258',
    ...{ batch: 2, heads: 2, kvHeads: 1, tq: 70, tk: 260, d: 8, causal: true, scale: 0.35 },
    mask: maskSpan(new Float32Array(520), 260, 1, 240, 258, -Infinity),
  },
  {
    name: 'causal 150 queries on 100 keys: the first 50 rows see no key',
    ...{ batch: 1, heads: 2, kvHeads: 2, tq: 150, tk: 100, d: 8, causal: true, scale: 0.35, mask: null },
  },
];

/** Runs one case on a backend: out and probabilities against dense float64, then the three gradients. */
function checkCase(be: Backend, c: BlockCase, n: number): void {
  const { batch, heads, kvHeads, tq, tk, d } = c;
  const mask = c.mask === null ? null : Float32Array.from(c.mask);
  const q = randomF32(batch * tq * heads * d, 10 + n, -2, 2);
  const k = randomF32(batch * tk * kvHeads * d, 20 + n, -2, 2);
  const v = randomF32(batch * tk * kvHeads * d, 30 + n);
  const dOut = randomF32(q.length, 40 + n);
  const args = [batch, heads, kvHeads, tq, tk, d, c.causal, c.scale, c.dropout ?? 0, c.seed ?? 0] as const;
  const stats = new Float32Array(batch * heads * tq * 2).fill(Number.NaN);
  const out = new Float32Array(q.length).fill(Number.NaN);
  const probs = new Float32Array(batch * heads * tq * tk).fill(Number.NaN);
  be.attention(q, k, v, mask, ...args, stats, out, probs, false);
  const ref = attention64(q, k, v, c);
  assertClose(out, ref.out, 'out', 1e-4, 1e-5);
  assertClose(probs, ref.probs, 'probs', 1e-4, 1e-6);
  const alone = new Float32Array(q.length);
  be.attention(q, k, v, mask, ...args, new Float32Array(stats.length), alone, null, false);
  assert.deepEqual(alone, out, 'the output does not depend on whether probabilities are asked for');
  const grads = [q, k, v].map((x) => new Float32Array(x.length).fill(Number.NaN)) as [Float32Array, Float32Array, Float32Array];
  be.attentionGrad(q, k, v, mask, out, stats, dOut, ...args, ...grads, false);
  const expected = attentionGrad64(q, k, v, dOut, c);
  assertClose(grads[0], expected.dq, 'dq', 1e-3, 1e-4);
  assertClose(grads[1], expected.dk, 'dk', 1e-3, 1e-4);
  assertClose(grads[2], expected.dv, 'dv', 1e-3, 1e-4);
  if (c.causal && tq > tk) {
    for (let r = 0; r < tq - tk; r++) assert.equal(stats[r * 2], -Infinity, `row ${r} sees no key`);
    assert.ok(out.subarray(0, (tq - tk) * heads * d).every((x) => x === 0));
  }
}

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`blocked attention on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    cases.forEach((c, n) => {
      test(c.name, () => checkCase(be, c, n));
    });
    if (name !== 'js') {
      test('the same cases in blocks of 16 queries x 24 keys (FINETUNE_ATTENTION_BLOCKS)', () => {
        process.env.FINETUNE_ATTENTION_BLOCKS = '16x24';
        try {
          cases.forEach((c, n) => checkCase(be, c, n));
        } finally {
          delete process.env.FINETUNE_ATTENTION_BLOCKS;
        }
      });
    }

    test('attentionGrad checks the sizes of out, stats and mask', () => {
      const x = new Float32Array(16);
      const short = new Float32Array(7);
      assert.throws(() => be.attentionGrad(x, x, x, null, short, x, x, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, x, x, x, false), /out/);
      assert.throws(() => be.attentionGrad(x, x, x, null, x, short, x, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, x, x, x, false), /stats/);
      assert.throws(() => be.attentionGrad(x, x, x, new Float32Array(1), x, x, x, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, x, x, x, false), /mask/);
      assert.throws(() => be.attention(x, x, x, null, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, short, x, null, false), /stats/);
      assert.throws(() => be.attention(x, x, x, null, 1, 2, 2, 2, 2, 2, false, 1, 0, 0, x, x, short, false), /probs/);
    });
  });
}
