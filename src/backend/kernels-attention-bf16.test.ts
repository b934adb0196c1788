// Kernel tests on every available backend: attention with bf16 block products (--bf16) against float32 and across backends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Attention64Options } from '../../test/support/attention64.js';
import type { Backend } from './backend.js';
import { createJsBackend } from './js/index.js';
import { backendsUnderTest, randomF32 } from './test-support.js';

interface Bf16Case extends Omit<Attention64Options, 'mask' | 'scale' | 'dropout' | 'seed'> {
  readonly name: string;
  readonly dropout: number;
  /** Keys from this index on carry -1e9 in batch entry 1 (padding), or null for no mask. */
  readonly padFrom: number | null;
}

// Longer than a block (128 queries x 256 keys), so the online softmax rescales bf16 partial outputs.
const cases: Bf16Case[] = [
  {
    name: '2 x 300 x 300, 4 heads, padding from key 200, dropout 0.1',
    batch: 2,
    heads: 4,
    kvHeads: 4,
    tq: 300,
    tk: 300,
    d: 16,
    causal: false,
    dropout: 0.1,
    padFrom: 200,
  },
  {
    name: 'causal 2 x 150 on 270 keys, 4 heads on 2 key/value heads',
    batch: 2,
    heads: 4,
    kvHeads: 2,
    tq: 150,
    tk: 270,
    d: 16,
    causal: true,
    dropout: 0,
    padFrom: null,
  },
];

interface Result {
  readonly out: Float32Array;
  readonly dq: Float32Array;
  readonly dk: Float32Array;
  readonly dv: Float32Array;
}

function run(be: Backend, c: Bf16Case, bf16: boolean): Result {
  const q = randomF32(c.batch * c.tq * c.heads * c.d, 1, -2, 2);
  const k = randomF32(c.batch * c.tk * c.kvHeads * c.d, 2, -2, 2);
  const v = randomF32(k.length, 3);
  const dOut = randomF32(q.length, 4);
  let mask: Float32Array | null = null;
  if (c.padFrom !== null) {
    mask = new Float32Array(c.batch * c.tk);
    mask.fill(-1e9, c.tk + c.padFrom, 2 * c.tk);
  }
  const args = [c.batch, c.heads, c.kvHeads, c.tq, c.tk, c.d, c.causal, 0.25, c.dropout, 99] as const;
  const stats = new Float32Array(c.batch * c.heads * c.tq * 2);
  const out = new Float32Array(q.length);
  be.attention(q, k, v, mask, ...args, stats, out, null, bf16);
  const dq = new Float32Array(q.length);
  const dk = new Float32Array(k.length);
  const dv = new Float32Array(v.length);
  be.attentionGrad(q, k, v, mask, out, stats, dOut, ...args, dq, dk, dv, bf16);
  return { out, dq, dk, dv };
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

const reference = createJsBackend();

for (const { name, backend, skip } of backendsUnderTest()) {
  describe(`attention with bf16 products on ${name}`, { skip: skip ?? false }, () => {
    const be = backend!;
    for (const c of cases) {
      test(c.name, () => {
        const full = run(be, c, false);
        const mixed = run(be, c, true);
        const jsMixed = run(reference, c, true);
        for (const key of ['out', 'dq', 'dk', 'dv'] as const) {
          // bf16 operands move the results by ~2e-3 here; the js reference, which rounds alike but sums in float64
          // with Math.exp, agrees with every backend 50-100x closer than that (3e-6 .. 6e-5).
          const rounding = maxDiff(mixed[key], full[key]);
          const across = maxDiff(mixed[key], jsMixed[key]);
          assert.ok(rounding > 2e-4 && rounding < 2e-2, `${key}: bf16 moved the result by ${rounding}, not by bf16 rounding`);
          assert.ok(across < 2e-4 && across < rounding / 10, `${key}: ${across} from the js reference (bf16 moved it ${rounding})`);
        }
      });
    }
  });
}
