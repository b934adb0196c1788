// Vision layers: PyTorch's parameter and buffer names, initialisation bounds, running statistics in training and evaluation, state dict round trip.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conv2d } from '../tensor/ops/conv.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d } from './vision.js';

const image = (n: number, c: number, h: number, w: number, seed: number): Tensor => {
  const rng = new Random(seed);
  return new Tensor(
    Float32Array.from({ length: n * c * h * w }, () => rng.uniform() * 2 - 1),
    [n, c, h, w],
  );
};

describe('Conv2d', () => {
  it("has PyTorch's weight and bias, initialised within 1/sqrt(fan_in), and computes conv2d", () => {
    const layer = new Conv2d(4, 6, 3, { stride: 2, padding: 1, groups: 2, rng: new Random(1) });
    assert.deepEqual(
      layer.namedParameters().map(([n, p]) => [n, p.shape]),
      [
        ['weight', [6, 2, 3, 3]],
        ['bias', [6]],
      ],
    );
    const bound = 1 / Math.sqrt(2 * 9);
    assert.ok([...layer.weight.f32(), ...layer.bias!.f32()].every((v) => Math.abs(v) <= bound));
    const x = image(2, 4, 7, 7, 2);
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [2, 6, 4, 4]);
    assert.deepEqual(y.toArray(), conv2d(x, layer.weight, layer.bias, { stride: 2, padding: 1, groups: 2 }).toArray());
    assert.equal(new Conv2d(3, 8, [7, 7], { bias: false }).bias, null);
    assert.throws(() => new Conv2d(3, 8, 3, { groups: 2 }), /groups 2 must divide 3 input and 8 output channels/);
  });
});

describe('BatchNorm2d', () => {
  it('trains weight and bias, keeps running statistics and the batch count as buffers, under PyTorch names', () => {
    const bn = new BatchNorm2d(3);
    assert.deepEqual(
      bn.namedParameters().map(([n]) => n),
      ['weight', 'bias'],
    );
    assert.deepEqual(
      bn.namedBuffers().map(([n]) => n),
      ['running_mean', 'running_var', 'num_batches_tracked'],
    );
    assert.deepEqual([...bn.stateDict().keys()], ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    assert.equal(bn.parameterCount().total, 6);
  });

  it('updates the running statistics in training mode only, and evaluation mode normalises with them', () => {
    const bn = new BatchNorm2d(2);
    const x = image(4, 2, 3, 3, 3);
    bn.train().forward(x);
    assert.equal(bn.num_batches_tracked.i32()[0], 1);
    const mean = [...bn.running_mean.f32()];
    assert.ok(
      mean.some((v) => v !== 0),
      'the running mean moved toward the batch mean',
    );
    bn.eval();
    const y = bn.forward(x);
    assert.deepEqual([...bn.running_mean.f32()], mean, 'evaluation leaves the statistics alone');
    assert.equal(bn.num_batches_tracked.i32()[0], 1);
    const v = bn.running_var.f32();
    const m = bn.running_mean.f32();
    // Element (0, c, 0, 0) sits at c * 9 in [4, 2, 3, 3].
    for (const c of [0, 1]) {
      const want = (x.f32()[c * 9]! - m[c]!) / Math.sqrt(v[c]! + 1e-5);
      assert.ok(Math.abs(y.f32()[c * 9]! - want) < 1e-5);
    }
  });

  it('round-trips its state dict, buffers included, and never gives a buffer a gradient', () => {
    const a = new BatchNorm2d(2);
    a.train().forward(image(2, 2, 4, 4, 4));
    const b = new BatchNorm2d(2);
    b.loadStateDict(a.stateDict());
    assert.deepEqual([...b.running_var.f32()], [...a.running_var.f32()]);
    assert.equal(b.num_batches_tracked.i32()[0], 1);
    const out = b
      .train()
      .forward(image(2, 2, 4, 4, 5))
      .sum();
    out.backward();
    assert.ok(b.weight.grad !== null && b.running_mean.grad === null);
  });
});

describe('pooling layers', () => {
  it('max pools and averages globally', () => {
    const x = image(1, 2, 4, 4, 6);
    assert.deepEqual(new MaxPool2d({ kernel: 2 }).forward(x).shape, [1, 2, 2, 2]);
    const pooled = new AdaptiveAvgPool2d(1).forward(x);
    assert.deepEqual(pooled.shape, [1, 2, 1, 1]);
    const mean =
      x
        .f32()
        .subarray(16, 32)
        .reduce((s, v) => s + v, 0) / 16;
    assert.ok(Math.abs(pooled.f32()[1]! - mean) < 1e-6);
  });
});
