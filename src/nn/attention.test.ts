// Attention in nn: the fused path agrees with the composed ops, and profiles attribute its backward to 'attention'.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startProfiling, stopProfiling } from '../backend/index.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { additiveMask, mergeHeads, multiHeadAttention, scaledDotProductAttention, splitHeads } from './attention.js';

const rng = new Random(4);
const q = Tensor.randn([2, 5, 8], { rng, requiresGrad: true });
const k = Tensor.randn([2, 5, 8], { rng, requiresGrad: true });
const v = Tensor.randn([2, 5, 8], { rng, requiresGrad: true });
const mask = additiveMask(
  Tensor.from(
    [
      [1, 1, 1, 0, 0],
      [1, 1, 1, 1, 1],
    ],
    undefined,
    { dtype: 'int32' },
  ),
);

function maxDiff(a: Tensor, b: Tensor): number {
  return a.toArray().reduce((m, x, i) => Math.max(m, Math.abs(x - b.data[i]!)), 0);
}

describe('nn attention', () => {
  it('multiHeadAttention on [B, T, H] equals split / scaledDotProductAttention / merge, with gradients', () => {
    const fused = multiHeadAttention(q, k, v, { heads: 2, mask });
    const grads = (out: Tensor): Tensor[] => {
      for (const t of [q, k, v]) t.zeroGrad();
      out.mul(out).sum().backward();
      return [q.grad!, k.grad!, v.grad!];
    };
    const fusedGrads = grads(fused);
    // A [B, 1, Tq, Tk] mask is not per batch entry: the composed ops run instead.
    const composedMask = mask.expand([2, 1, 5, 5]);
    const composed = mergeHeads(scaledDotProductAttention(splitHeads(q, 2), splitHeads(k, 2), splitHeads(v, 2), { mask: composedMask }));
    const composedGrads = grads(composed);
    assert.ok(maxDiff(fused, composed) < 1e-5);
    fusedGrads.forEach((g, i) => assert.ok(maxDiff(g, composedGrads[i]!) < 1e-4, `gradient ${i}`));
  });

  it('attributes attention kernels, backward included, to attention', () => {
    const profile = startProfiling();
    try {
      multiHeadAttention(q, k, v, { heads: 2, mask, dropout: 0.1, training: true, rng: new Random(1) })
        .sum()
        .backward();
      assert.equal(profile.byKernel.get('attention')!.calls, 1);
      assert.equal(profile.byKernel.get('attentionGrad')!.calls, 1);
      assert.equal(profile.byKind.get('attention')!.calls, profile.byKernel.get('attention')!.calls + profile.byKernel.get('attentionGrad')!.calls);
    } finally {
      stopProfiling();
    }
  });

  it('causal scaledDotProductAttention: the fused kernel equals the composed ops, grouped-query and Tq < Tk included', () => {
    const r = new Random(7);
    for (const [heads, kvHeads, tq, tk] of [
      [2, 2, 4, 4],
      [4, 2, 3, 5],
      [4, 1, 4, 4],
    ] as const) {
      const q4 = Tensor.randn([2, heads, tq, 3], { rng: r, requiresGrad: true });
      const k4 = Tensor.randn([2, kvHeads, tk, 3], { rng: r, requiresGrad: true });
      const v4 = Tensor.randn([2, kvHeads, tk, 3], { rng: r, requiresGrad: true });
      const padding = additiveMask(Tensor.from([Array(tk).fill(1), [0, ...Array(tk - 1).fill(1)]], undefined, { dtype: 'int32' }));
      const run = (m: Tensor): Tensor[] => {
        for (const t of [q4, k4, v4]) t.zeroGrad();
        const out = scaledDotProductAttention(q4, k4, v4, { causal: true, mask: m });
        out.mul(out).sum().backward();
        return [out, q4.grad!, k4.grad!, v4.grad!];
      };
      const fused = run(padding);
      // [B, 1, Tq, Tk] is not per batch entry, so this runs the composed ops (with repeat_kv).
      const composed = run(padding.expand([2, 1, tq, tk]));
      fused.forEach((t, i) => assert.ok(maxDiff(t, composed[i]!) < 1e-4, `${heads}/${kvHeads} heads, ${tq}x${tk}: tensor ${i}`));
    }
  });

  it('grouped-query multiHeadAttention falls back to the composed ops for a full mask, with the same result', () => {
    const r = new Random(8);
    const q3 = Tensor.randn([2, 4, 8], { rng: r });
    const k3 = Tensor.randn([2, 4, 4], { rng: r });
    const v3 = Tensor.randn([2, 4, 4], { rng: r });
    const fused = multiHeadAttention(q3, k3, v3, { heads: 4, kvHeads: 2, causal: true });
    const composed = multiHeadAttention(q3, k3, v3, { heads: 4, kvHeads: 2, causal: true, mask: Tensor.zeros([2, 1, 4, 4]) });
    assert.ok(maxDiff(fused, composed) < 1e-5);
  });

  it('names key/value heads that do not divide the heads', () => {
    assert.throws(
      () => scaledDotProductAttention(Tensor.zeros([1, 4, 2, 2]), Tensor.zeros([1, 3, 2, 2]), Tensor.zeros([1, 3, 2, 2])),
      /3 key\/value heads do not divide 4 heads/,
    );
  });
});
