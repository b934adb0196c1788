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
const mask = additiveMask(Tensor.from([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], undefined, { dtype: 'int32' }));

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
      multiHeadAttention(q, k, v, { heads: 2, mask, dropout: 0.1, training: true, rng: new Random(1) }).sum().backward();
      assert.equal(profile.byKernel.get('attention')!.calls, 1);
      assert.equal(profile.byKernel.get('attentionGrad')!.calls, 1);
      assert.equal(profile.byKind.get('attention')!.calls, profile.byKernel.get('attention')!.calls + profile.byKernel.get('attentionGrad')!.calls);
    } finally {
      stopProfiling();
    }
  });
});
