// Gradient checks of the fused ops (linear, multi-head attention with mask and dropout) on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import { arr, type Arr } from '../../../test/support/reference64.js';
import { dropoutKeep, dropoutThreshold } from '../../backend/js/dropout.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { multiHeadAttention } from './attention.js';
import { linear } from './linear.js';

/** float64 x W^T + b over the last axis. */
function linearRef(x: Arr, w: Arr, b: Arr | null): Arr {
  const [out, k] = w.shape as [number, number];
  const rows = x.data.length / k;
  const y = new Float64Array(rows * out);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < out; o++) {
      let s = b ? b.data[o]! : 0;
      for (let j = 0; j < k; j++) s += x.data[r * k + j]! * w.data[o * k + j]!;
      y[r * out + o] = s;
    }
  }
  return arr([...x.shape.slice(0, -1), out], y);
}

interface AttentionRefOptions {
  readonly heads: number;
  readonly mask: readonly number[] | null;
  readonly dropout: number;
  /** The seed the op draws from its generator. */
  readonly seed: number;
}

/** float64 multi-head attention on [B, T, H] inputs, replaying the op's dropout mask. */
function attentionRef(q: Arr, k: Arr, v: Arr, o: AttentionRefOptions): Arr {
  const [b, tq, width] = q.shape as [number, number, number];
  const tk = k.shape[1]!;
  const d = width / o.heads;
  const scale = 1 / Math.sqrt(d);
  const threshold = dropoutThreshold(o.dropout);
  const out = new Float64Array(b * tq * width);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < o.heads; h++) {
      for (let i = 0; i < tq; i++) {
        const scores = new Float64Array(tk);
        let max = -Infinity;
        for (let j = 0; j < tk; j++) {
          let s = 0;
          for (let c = 0; c < d; c++) s += q.data[(bi * tq + i) * width + h * d + c]! * k.data[(bi * tk + j) * width + h * d + c]!;
          scores[j] = s * scale + (o.mask ? o.mask[bi * tk + j]! : 0);
          max = Math.max(max, scores[j]!);
        }
        let sum = 0;
        for (let j = 0; j < tk; j++) sum += scores[j] = max === -Infinity ? 0 : Math.exp(scores[j]! - max);
        for (let j = 0; j < tk; j++) {
          let p = sum === 0 ? 0 : scores[j]! / sum;
          const flat = ((bi * o.heads + h) * tq + i) * tk + j;
          if (o.dropout > 0) p = dropoutKeep(o.seed, flat, threshold) ? p / (1 - o.dropout) : 0;
          for (let c = 0; c < d; c++) out[(bi * tq + i) * width + h * d + c] += p * v.data[(bi * tk + j) * width + h * d + c]!;
        }
      }
    }
  }
  return arr(q.shape, out);
}

const cases: OpCase[] = [
  {
    name: 'linear with bias on [B, T, in]',
    inputs: [input([2, 3, 5], 1), input([4, 5], 2), input([4], 3)],
    ours: ([x, w, b]) => linear(x!, w!, b!),
    reference: ([x, w, b]) => linearRef(x!, w!, b!),
  },
  {
    name: 'linear without bias, frozen weight',
    inputs: [input([7, 6], 4), { ...input([3, 6], 5), noGrad: true }],
    ours: ([x, w]) => linear(x!, w!, null),
    reference: ([x, w]) => linearRef(x!, w!, null),
  },
  {
    name: 'linear (large, threaded)',
    inputs: [input([96, 64], 6), input([80, 64], 7), input([80], 8)],
    ours: ([x, w, b]) => linear(x!, w!, b!),
    reference: ([x, w, b]) => linearRef(x!, w!, b!),
    probes: 8,
  },
];

// Padding as transformers masks it (float32 minimum) and one batch entry whose keys are all -Infinity.
const maskValues = [0, 0, 0, -3.4028234663852886e38, 0, 0, 0, 0, 0, -3.4028234663852886e38, -Infinity, -Infinity, -Infinity, -Infinity, -Infinity];
const mask = new Tensor(Float32Array.from(maskValues), [3, 1, 1, 5]);
cases.push({
  name: 'attention: 2 heads, padding mask, a fully masked batch entry',
  inputs: [input([3, 4, 6], 11, -2, 2), input([3, 5, 6], 12, -2, 2), input([3, 5, 6], 13)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 2, mask }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 2, mask: maskValues, dropout: 0, seed: 0 }),
});
cases.push({
  name: 'attention: dropout 0.25 replays its seeded mask in backward',
  inputs: [input([2, 6, 8], 14, -2, 2), input([2, 6, 8], 15, -2, 2), input([2, 6, 8], 16)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 4, dropout: 0.25, rng: new Random(9) }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 4, mask: null, dropout: 0.25, seed: new Random(9).nextUint32() }),
});
cases.push({
  name: 'attention (threaded: 16 heads x 32 tokens)',
  inputs: [input([4, 32, 64], 17, -2, 2), input([4, 32, 64], 18, -2, 2), input([4, 32, 64], 19)],
  ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { heads: 4 }),
  reference: ([q, k, v]) => attentionRef(q!, k!, v!, { heads: 4, mask: null, dropout: 0, seed: 0 }),
  probes: 6,
});

runOnEveryBackend('fused ops: linear, attention', cases);

describe('fused op errors', () => {
  it('names mismatched linear shapes', () => {
    assert.throws(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]), null), /linear: input \[2, 3\], weight \[4, 5\]/);
  });
  it('refuses a mask that is not per batch entry, and heads that do not divide H', () => {
    const q = Tensor.zeros([2, 3, 4]);
    assert.throws(() => multiHeadAttention(q, q, q, { heads: 2, mask: Tensor.zeros([2, 1, 3, 3]) }), /mask \[2, 1, 3, 3\] must be \[2, \.\.\., 3\]/);
    assert.throws(() => multiHeadAttention(q, q, q, { heads: 3 }), /hidden size 4 is not divisible by 3 heads/);
    assert.throws(() => multiHeadAttention(q, q, q, { heads: 2, dropout: 1 }), /dropout 1 must be in \[0, 1\)/);
  });
});
