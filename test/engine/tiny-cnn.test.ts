// The vision stack end to end: a tiny CNN (conv, batch norm, ReLU, pooling, linear) learns a synthetic image task with AdamW; buffers stay out of the optimizer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../src/nn/layers.js';
import { Module } from '../../src/nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d } from '../../src/nn/vision.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Random } from '../../src/tensor/random.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { AdamW } from '../../src/train/optim/adamw.js';

class TinyCnn extends Module {
  conv = new Conv2d(1, 8, 3, { padding: 1, bias: false, rng: new Random(1) });
  bn = new BatchNorm2d(8);
  pool = new AdaptiveAvgPool2d(1);
  head = new Linear(8, 2, { rng: new Random(2) });

  forward(x: Tensor): Tensor {
    const features = this.pool.forward(this.bn.forward(this.conv.forward(x)).relu());
    return this.head.forward(features.reshape([x.shape[0]!, 8]));
  }
}

/** 8x8 images: class 1 has a bright vertical bar, class 0 a horizontal one, both on noise. */
function batch(n: number, seed: number): { x: Tensor; y: Tensor } {
  const rng = new Random(seed);
  const pixels = new Float32Array(n * 64);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    const at = 1 + rng.int(6);
    for (let p = 0; p < 64; p++) pixels[i * 64 + p] = 0.3 * rng.normal();
    for (let k = 0; k < 8; k++) pixels[i * 64 + (labels[i] === 1 ? k * 8 + at : at * 8 + k)]! += 2;
  }
  return { x: new Tensor(pixels, [n, 1, 8, 8]), y: new Tensor(labels, [n]) };
}

describe('a tiny CNN', () => {
  it('learns bars with AdamW, keeps its running statistics out of the optimizer, and scores in evaluation mode', () => {
    const model = new TinyCnn();
    const optimizer = new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0 });
    assert.equal(optimizer.allParams().length, 5, 'conv weight, bn weight and bias, head weight and bias');
    const test = batch(64, 99);
    const accuracy = (): number => {
      model.eval();
      const logits = model.forward(test.x).f32();
      let right = 0;
      for (let i = 0; i < 64; i++) right += Number(logits[2 * i + 1]! > logits[2 * i]! === (test.y.i32()[i] === 1));
      model.train();
      return right / 64;
    };
    const before = accuracy();
    for (let step = 0; step < 40; step++) {
      const { x, y } = batch(32, step);
      crossEntropy(model.forward(x), y).backward();
      optimizer.step();
      optimizer.zeroGrad();
    }
    assert.equal(model.bn.num_batches_tracked.i32()[0], 40);
    const after = accuracy();
    assert.ok(after >= 0.95, `accuracy ${after} (before ${before})`);
  });
});
