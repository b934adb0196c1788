// Gradient checks of the fused attention's causal mask (Tq == Tk, Tq < Tk, Tq > Tk, left / right padding) and grouped-query heads on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import { arr, type Arr } from '../../../test/support/reference64.js';
import { dropoutKeep, dropoutThreshold } from '../../backend/js/dropout.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { multiHeadAttention } from './attention.js';

const MIN = -3.4028234663852886e38;

interface RefOptions {
  readonly heads: number;
  readonly kvHeads: number;
  readonly causal: boolean;
  readonly mask: readonly number[] | null;
  readonly dropout?: number;
  readonly seed?: number;
}

/** float64 attention on q [B, Tq, heads * D], k and v [B, Tk, kvHeads * D] (transformers' eager with repeat_kv). */
function attentionRef(q: Arr, k: Arr, v: Arr, o: RefOptions): Arr {
  const [b, tq, width] = q.shape as [number, number, number];
  const tk = k.shape[1]!;
  const d = width / o.heads;
  const kvWidth = o.kvHeads * d;
  const rep = o.heads / o.kvHeads;
  const p = o.dropout ?? 0;
  const threshold = dropoutThreshold(p);
  const out = new Float64Array(b * tq * width);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < o.heads; h++) {
      const g = Math.floor(h / rep);
      for (let i = 0; i < tq; i++) {
        const seen = o.causal ? Math.max(0, Math.min(tk, i + tk - tq + 1)) : tk;
        const scores = new Float64Array(seen);
        let max = -Infinity;
        for (let j = 0; j < seen; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q.data[(bi * tq + i) * width + h * d + c]! * k.data[(bi * tk + j) * kvWidth + g * d + c]!;
          scores[j] = s / Math.sqrt(d) + (o.mask ? o.mask[bi * tk + j]! : 0);
          max = Math.max(max, scores[j]!);
        }
        let sum = 0;
        for (let j = 0; j < seen; j++) sum += scores[j] = max === -Infinity ? 0 : Math.exp(scores[j]! - max);
        for (let j = 0; j < seen; j++) {
          let w = sum === 0 ? 0 : scores[j]! / sum;
          if (p > 0) w = dropoutKeep(o.seed!, ((bi * o.heads + h) * tq + i) * tk + j, threshold) ? w / (1 - p) : 0;
          for (let c = 0; c < d; c++) out[(bi * tq + i) * width + h * d + c] += w * v.data[(bi * tk + j) * kvWidth + g * d + c]!;
        }
      }
    }
  }
  return arr(q.shape, out);
}

/** Padding masks [B, Tk] as transformers builds them (float32 minimum) from per-row (start, end) token spans. */
function paddingMask(tk: number, spans: readonly (readonly [number, number])[]): number[] {
  return spans.flatMap(([start, end]) => Array.from({ length: tk }, (_, j) => (j >= start && j < end ? 0 : MIN)));
}

/** 1 at real query positions, 0 at padding: the loss ignores padded positions, so the checks do too. */
function realRows(tq: number, width: number, spans: readonly (readonly [number, number])[], tk: number): number[] {
  return spans.flatMap(([start, end]) =>
    Array.from({ length: tq * width }, (_, x) => {
      const pos = Math.floor(x / width) + tk - tq;
      return pos >= start && pos < end ? 1 : 0;
    }),
  );
}

function maskedCase(
  name: string,
  shapes: { b: number; tq: number; tk: number; heads: number; kvHeads: number; d: number },
  spans: readonly (readonly [number, number])[],
  seed: number,
): OpCase {
  const { b, tq, tk, heads, kvHeads, d } = shapes;
  const values = paddingMask(tk, spans);
  const mask = new Tensor(Float32Array.from(values), [b, 1, 1, tk]);
  const keep = realRows(tq, heads * d, spans, tk);
  const keepT = new Tensor(Float32Array.from(keep), [b, tq, heads * d]);
  return {
    name,
    inputs: [input([b, tq, heads * d], seed, -2, 2), input([b, tk, kvHeads * d], seed + 1, -2, 2), input([b, tk, kvHeads * d], seed + 2)],
    ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads, kvHeads, causal: true, mask }).mul(keepT),
    reference: ([q, k, v]) => {
      const out = attentionRef(q!, k!, v!, { heads, kvHeads, causal: true, mask: values });
      return arr(
        out.shape,
        out.data.map((x, i) => x * keep[i]!),
      );
    },
  };
}

const cases: OpCase[] = [];
for (const [tq, tk] of [
  [5, 5],
  [2, 6],
  [1, 7],
  [5, 3],
] as const) {
  cases.push({
    name: `causal, Tq ${tq}, Tk ${tk}, 2 heads`,
    inputs: [input([2, tq, 6], 21 + tq, -2, 2), input([2, tk, 6], 22 + tk, -2, 2), input([2, tk, 6], 23)],
    ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 2, causal: true }),
    reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 2, kvHeads: 2, causal: true, mask: null }),
  });
}
cases.push(
  maskedCase(
    'causal + left padding (float32-minimum mask; pad rows see only pad keys)',
    { b: 3, tq: 6, tk: 6, heads: 2, kvHeads: 2, d: 3 },
    [
      [0, 6],
      [2, 6],
      [5, 6],
    ],
    31,
  ),
);
cases.push(
  maskedCase(
    'causal + right padding',
    { b: 3, tq: 6, tk: 6, heads: 2, kvHeads: 2, d: 3 },
    [
      [0, 6],
      [0, 4],
      [0, 1],
    ],
    34,
  ),
);
cases.push(
  maskedCase(
    'causal + left padding, Tq 2 < Tk 7 (a cached prefix)',
    { b: 2, tq: 2, tk: 7, heads: 4, kvHeads: 2, d: 2 },
    [
      [0, 7],
      [3, 7],
    ],
    37,
  ),
);
const minusInf = [0, 0, 0, -Infinity, -Infinity, -Infinity, -Infinity, 0, 0, 0];
cases.push({
  name: 'causal + a -Infinity mask: rows that see no key give zeros',
  inputs: [input([2, 5, 4], 41, -2, 2), input([2, 5, 4], 42, -2, 2), input([2, 5, 4], 43)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 2, causal: true, mask: new Tensor(Float32Array.from(minusInf), [2, 1, 5]) }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 2, kvHeads: 2, causal: true, mask: minusInf }),
});
for (const kvHeads of [1, 2]) {
  for (const causal of [false, true]) {
    cases.push({
      name: `grouped-query: ${kvHeads} key/value heads of 4${causal ? ', causal' : ''}`,
      inputs: [input([2, 5, 12], 50 + kvHeads, -2, 2), input([2, 5, 3 * kvHeads], 52 + kvHeads, -2, 2), input([2, 5, 3 * kvHeads], 54)],
      ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 4, kvHeads, causal }),
      reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 4, kvHeads, causal, mask: null }),
    });
  }
}
cases.push(
  maskedCase(
    'grouped-query (1 of 4) + causal + left padding',
    { b: 2, tq: 5, tk: 5, heads: 4, kvHeads: 1, d: 2 },
    [
      [0, 5],
      [2, 5],
    ],
    61,
  ),
);
cases.push({
  name: 'grouped-query (2 of 4) + causal + dropout 0.2 replays its mask',
  inputs: [input([2, 6, 8], 71, -2, 2), input([2, 6, 4], 72, -2, 2), input([2, 6, 4], 73)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 4, kvHeads: 2, causal: true, dropout: 0.2, rng: new Random(5) }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 4, kvHeads: 2, causal: true, mask: null, dropout: 0.2, seed: new Random(5).nextUint32() }),
});
cases.push({
  name: 'causal over several row blocks (threaded: 2 x 4 heads x 150 tokens, 2 key/value heads)',
  inputs: [input([2, 150, 16], 81, -1, 1), input([2, 150, 8], 82, -1, 1), input([2, 150, 8], 83)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 4, kvHeads: 2, causal: true }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 4, kvHeads: 2, causal: true, mask: null }),
  probes: 12,
});
cases.push({
  name: 'causal over several row blocks with Tq 70 < Tk 140',
  inputs: [input([1, 70, 8], 84, -1, 1), input([1, 140, 8], 85, -1, 1), input([1, 140, 8], 86)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 2, causal: true }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 2, kvHeads: 2, causal: true, mask: null }),
  probes: 12,
});

runOnEveryBackend('fused attention: causal, padding, grouped-query', cases);

describe('fused attention option errors', () => {
  it('names key/value heads that do not divide the heads or do not match k', () => {
    const q = Tensor.zeros([1, 2, 8]);
    assert.throws(
      () => multiHeadAttention(q, Tensor.zeros([1, 2, 6]), Tensor.zeros([1, 2, 6]), { heads: 4, kvHeads: 3 }),
      /3 key\/value heads do not divide 4 heads/,
    );
    assert.throws(
      () => multiHeadAttention(q, Tensor.zeros([1, 2, 6]), Tensor.zeros([1, 2, 6]), { heads: 4, kvHeads: 2 }),
      /k \[1, 2, 6\] must hold 2 key\/value heads of 2/,
    );
    assert.throws(() => multiHeadAttention(q, Tensor.zeros([1, 2, 4]), Tensor.zeros([1, 3, 4]), { heads: 4, kvHeads: 2 }), /must be \[B, Tq, H\]/);
  });
  it('gives exactly zero probability to future keys (no gradient reaches them from earlier queries)', () => {
    const q = Tensor.randn([1, 4, 4], { rng: new Random(1) });
    const k = Tensor.randn([1, 4, 4], { rng: new Random(2), requiresGrad: true });
    const v = Tensor.randn([1, 4, 4], { rng: new Random(3), requiresGrad: true });
    multiHeadAttention(q, k, v, { heads: 1, causal: true }).slice(1, 0, 2).sum().backward();
    assert.deepEqual(Array.from(v.grad!.data.slice(8)), new Array(8).fill(0));
    assert.deepEqual(Array.from(k.grad!.data.slice(8)), new Array(8).fill(0));
  });
});
