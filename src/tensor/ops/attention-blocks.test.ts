// Gradient checks of the fused attention op past one block of queries and keys (online softmax), with masks that cut block edges, on every backend.
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import { attention64 } from '../../../test/support/attention64.js';
import { arr } from '../../../test/support/reference64.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { multiHeadAttention } from './attention.js';

/** A [B, Tk] mask: 0, then `value` from key `from[b]` on in batch entry b. */
function tailMask(tk: number, from: readonly number[], value: number): number[] {
  return from.flatMap((start) => Array.from({ length: tk }, (_, j) => (j >= start ? value : 0)));
}

interface Shape {
  readonly b: number;
  readonly tq: number;
  readonly tk: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly d: number;
}

function blockCase(name: string, s: Shape, seed: number, causal: boolean, mask: number[] | null, dropout = 0): OpCase {
  const maskT = mask === null ? undefined : new Tensor(Float32Array.from(mask), [s.b, 1, 1, s.tk]);
  const options = { heads: s.heads, kvHeads: s.kvHeads, causal, ...(maskT ? { mask: maskT } : {}), dropout, rng: new Random(seed) };
  return {
    name,
    inputs: [
      input([s.b, s.tq, s.heads * s.d], seed, -2, 2),
      input([s.b, s.tk, s.kvHeads * s.d], seed + 1, -2, 2),
      input([s.b, s.tk, s.kvHeads * s.d], seed + 2),
    ],
    ours: ([q, k, v]) => multiHeadAttention(q!, k!, v!, { ...options, rng: new Random(seed) }),
    reference: ([q, k, v]) => {
      const layout = { batch: s.b, heads: s.heads, kvHeads: s.kvHeads, tq: s.tq, tk: s.tk, d: s.d, causal, mask, scale: 1 / Math.sqrt(s.d) };
      const seedValue = dropout > 0 ? new Random(seed).nextUint32() : 0;
      return arr(q!.shape, attention64(q!.data, k!.data, v!.data, { ...layout, dropout, seed: seedValue }).out);
    },
    probes: 4,
  };
}

// Blocks are 128 queries x 256 keys; none of these lengths is a multiple of either.
const cases: OpCase[] = [
  blockCase(
    '150 tokens, padding from keys 129 and 60 (float32 minimum)',
    { b: 2, tq: 150, tk: 150, heads: 2, kvHeads: 2, d: 4 },
    101,
    false,
    tailMask(150, [129, 60], -3.4028234663852886e38),
  ),
  blockCase(
    'causal 270 tokens, 4 heads on 2, padding from key 255 (-Infinity)',
    { b: 1, tq: 270, tk: 270, heads: 4, kvHeads: 2, d: 2 },
    111,
    true,
    tailMask(270, [255], -Infinity),
  ),
  blockCase('causal 65 queries on 257 keys, dropout 0.1', { b: 1, tq: 65, tk: 257, heads: 2, kvHeads: 1, d: 4 }, 121, true, null, 0.1),
  blockCase(
    '260 tokens with dropout 0.2 and padding from key 256',
    { b: 1, tq: 260, tk: 260, heads: 1, kvHeads: 1, d: 4 },
    131,
    false,
    tailMask(260, [256], -1e9),
    0.2,
  ),
];

runOnEveryBackend('fused attention over several blocks', cases);
