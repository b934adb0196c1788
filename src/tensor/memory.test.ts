// Buffer recycling: the same results as fresh allocations, buffers reused across and within steps, gradients lent to parameters.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocF32, clearBufferPool, createdBuffers, isRecycling, pooledBytes, recycleBuffers, zerosF32 } from './memory.js';
import { linear } from './ops/linear.js';
import { crossEntropy } from './ops/losses.js';
import { Random } from './random.js';
import { Tensor } from './tensor.js';

function params(seed: number): Tensor[] {
  const rng = new Random(seed);
  return [
    Tensor.randn([64, 48], { rng, std: 0.2, requiresGrad: true }),
    Tensor.randn([64], { rng, std: 0.1, requiresGrad: true }),
    Tensor.randn([5, 64], { rng, std: 0.2, requiresGrad: true }),
    Tensor.randn([5], { rng, std: 0.1, requiresGrad: true }),
  ];
}

function loss(p: Tensor[], x: Tensor, y: Tensor): Tensor {
  return crossEntropy(linear(linear(x, p[0]!, p[1]!).gelu(), p[2]!, p[3]!), y);
}

const x = Tensor.randn([128, 48], { rng: new Random(1) });
const y = Tensor.from(
  Array.from({ length: 128 }, (_, i) => i % 5),
  [128],
  { dtype: 'int32' },
);

describe('recycleBuffers', () => {
  it('hands out zeroed fresh arrays outside a scope and reuses buffers inside', () => {
    assert.equal(isRecycling(), false);
    assert.ok(allocF32(5000).every((v) => v === 0));
    clearBufferPool();
    let first: ArrayBufferLike | null = null;
    recycleBuffers(() => {
      const a = allocF32(10000);
      a.fill(7);
      first = a.buffer;
      assert.equal(isRecycling(), true);
    });
    assert.ok(pooledBytes() >= 40000);
    recycleBuffers(() => {
      // A slightly smaller request fits the same size class.
      const b = allocF32(9900);
      assert.equal(b.buffer, first);
      assert.equal(b.length, 9900);
      assert.ok(zerosF32(9000).every((v) => v === 0));
    });
  });

  it('gives the same loss and gradients as fresh allocations, step after step', () => {
    const plain = params(3);
    const recycled = params(3);
    for (let step = 0; step < 3; step++) {
      const l1 = loss(plain, x, y);
      l1.backward();
      const v1 = l1.item();
      const v2 = recycleBuffers(() => {
        const l2 = loss(recycled, x, y);
        l2.backward();
        return l2.item();
      });
      assert.equal(v2, v1);
      for (let i = 0; i < plain.length; i++) assert.deepEqual(recycled[i]!.grad!.toArray(), plain[i]!.grad!.toArray(), `step ${step} grad ${i}`);
      // Gradients lent to the parameters survive the scope; dropping them lets the next scope take them back.
      for (const p of [...plain, ...recycled]) p.zeroGrad();
    }
  });

  it('stops creating buffers once a steady loop has warmed up, gradients taken back after zeroGrad', () => {
    const p = params(5);
    const counts: number[] = [];
    for (let step = 0; step < 4; step++) {
      recycleBuffers(() => {
        loss(p, x, y).backward();
        for (const t of p) t.zeroGrad();
      });
      counts.push(createdBuffers());
    }
    assert.equal(counts[3], counts[1], `buffers created per step: ${counts.join(', ')}`);
  });

  it('recycles intermediate gradients during backward, so a long chain needs few gradient buffers', () => {
    clearBufferPool();
    const w = Tensor.randn([4096], { rng: new Random(2), requiresGrad: true });
    const before = pooledBytes();
    recycleBuffers(() => {
      let h = w;
      for (let i = 0; i < 20; i++) h = h.mul(1.01).tanh();
      h.sum().backward();
    });
    const pooled = pooledBytes() - before;
    // 40 forward results stay live until the scope ends; without early recycling backward would add 40 more.
    assert.ok(pooled < 56 * 4096 * 4, `pooled ${pooled} bytes`);
    assert.ok(w.grad !== null && Number.isFinite(w.grad.data[0]!));
    w.zeroGrad();
  });

  it('keeps the free lists no larger than the busiest scope as sizes change', () => {
    clearBufferPool();
    for (const n of [5000, 9000, 17000, 33000]) {
      recycleBuffers(() => {
        allocF32(n);
        allocF32(n);
      });
      assert.ok(pooledBytes() <= 2 * 4 * n * 1.13 * 1.125, `${pooledBytes()} bytes pooled after ${n}`);
    }
  });

  it("keeps a busy scope's buffers through a quieter one, so alternating scopes stop creating buffers", () => {
    clearBufferPool();
    const busy = () => recycleBuffers(() => [allocF32(20000), allocF32(20000), allocF32(20000)]);
    const quiet = () => recycleBuffers(() => allocF32(5000));
    busy();
    quiet();
    const created = createdBuffers();
    for (let i = 0; i < 3; i++) {
      busy();
      quiet();
    }
    assert.equal(createdBuffers(), created);
  });
});
