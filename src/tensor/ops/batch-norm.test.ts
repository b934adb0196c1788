// Gradient checks of batchNorm2d on every backend (training and evaluation), running-statistics updates and bad input.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import * as V from '../../../test/support/reference-vision64.js';
import { setBackend, type BackendName } from '../../backend/index.js';
import { backendsUnderTest, assertClose } from '../../backend/test-support.js';
import { Tensor } from '../tensor.js';
import { batchNorm2d } from './batch-norm.js';

const cases: OpCase[] = [];
for (const [name, shape, probes] of [
  ['', [3, 4, 5, 6], 40],
  [' (large, threaded)', [16, 24, 14, 14], 6],
  [' (1x1 planes)', [5, 3, 1, 1], 40],
] as const) {
  const c = shape[1];
  cases.push({
    name: `batchNorm2d training${name}`,
    inputs: [input(shape, 900, -2, 3), input([c], 901, 0.5, 1.5), input([c], 902)],
    ours: ([x, w, b]) => batchNorm2d(x!, w!, b!, Tensor.zeros([c]), Tensor.ones([c]), { training: true }),
    reference: ([x, w, b]) => V.batchNorm2d(x!, w!, b!, null, 1e-5),
    probes,
  });
  cases.push({
    name: `batchNorm2d evaluation${name}`,
    inputs: [
      input(shape, 903, -2, 3),
      input([c], 904, 0.5, 1.5),
      input([c], 905),
      { ...input([c], 906, -0.5, 0.5), noGrad: true },
      { ...input([c], 907, 0.5, 2), noGrad: true },
    ],
    ours: ([x, w, b, m, v]) => batchNorm2d(x!, w!, b!, m!, v!, { training: false, eps: 1e-3 }),
    reference: ([x, w, b, m, v]) => V.batchNorm2d(x!, w!, b!, [m!, v!], 1e-3),
    probes,
  });
}
cases.push({
  name: 'batchNorm2d without affine parameters or running statistics (batch statistics in evaluation)',
  inputs: [input([2, 3, 4, 4], 910, -1, 2)],
  ours: ([x]) => batchNorm2d(x!, null, null, null, null, { training: false }),
  reference: ([x]) => V.batchNorm2d(x!, null, null, null, 1e-5),
});

runOnEveryBackend('batchNorm2d', cases);

/** PyTorch's update: running = (1 - m) running + m batch, with the unbiased batch variance. */
function expectedRunning(x: Float32Array, shape: number[], mean0: number[], var0: number[], m: number): [number[], number[]] {
  const [n, c, h, w] = shape as [number, number, number, number];
  const count = n * h * w;
  const mean: number[] = [];
  const variance: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const values: number[] = [];
    for (let b = 0; b < n; b++) for (let i = 0; i < h * w; i++) values.push(x[(b * c + ch) * h * w + i]!);
    const mu = values.reduce((s, v) => s + v, 0) / count;
    const unbiased = values.reduce((s, v) => s + (v - mu) ** 2, 0) / (count - 1);
    mean.push((1 - m) * mean0[ch]! + m * mu);
    variance.push((1 - m) * var0[ch]! + m * unbiased);
  }
  return [mean, variance];
}

for (const b of backendsUnderTest()) {
  describe(`batchNorm2d running statistics [${b.name}]`, { skip: b.skip ?? false }, () => {
    beforeEach(() => void setBackend(b.name as BackendName));
    const shape = [4, 3, 5, 5];
    const x = Tensor.randn(shape);
    it('moves them by momentum toward the batch mean and unbiased variance, in place', () => {
      const mean = Tensor.from([0.5, -1, 2]);
      const variance = Tensor.from([1, 2, 0.5]);
      const counter = Tensor.from([3], [1], { dtype: 'int32' });
      batchNorm2d(x, null, null, mean, variance, { training: true, momentum: 0.3, numBatchesTracked: counter });
      const [em, ev] = expectedRunning(x.f32(), shape, [0.5, -1, 2], [1, 2, 0.5], 0.3);
      assertClose(mean.f32(), em, 'running mean');
      assertClose(variance.f32(), ev, 'running variance');
      assert.equal(counter.data[0], 4);
    });
    it('momentum null keeps the cumulative average (factor 1 / numBatchesTracked)', () => {
      const mean = Tensor.from([0.5, -1, 2]);
      const variance = Tensor.from([1, 2, 0.5]);
      const counter = Tensor.from([1], [1], { dtype: 'int32' });
      batchNorm2d(x, null, null, mean, variance, { training: true, momentum: null, numBatchesTracked: counter });
      const [em, ev] = expectedRunning(x.f32(), shape, [0.5, -1, 2], [1, 2, 0.5], 1 / 2);
      assertClose(mean.f32(), em, 'running mean');
      assertClose(variance.f32(), ev, 'running variance');
      assert.equal(counter.data[0], 2);
    });
    it('evaluation leaves them alone', () => {
      const mean = Tensor.from([0.5, -1, 2]);
      const variance = Tensor.from([1, 2, 0.5]);
      batchNorm2d(x, null, null, mean, variance, { training: false });
      assert.deepEqual([...mean.data], [0.5, -1, 2]);
      assert.deepEqual([...variance.data], [1, 2, 0.5]);
    });
  });
}

describe('batchNorm2d bad input', () => {
  const x = Tensor.zeros([2, 3, 2, 2]);
  it('names the parameter whose length does not match the channels', () => {
    assert.throws(() => batchNorm2d(x, Tensor.ones([4]), null, null, null, { training: true }), /weight \[4\] must be float32 \[3\]/);
    assert.throws(() => batchNorm2d(x, null, null, Tensor.zeros([3]), Tensor.ones([2]), { training: true }), /running variance \[2\] must be float32 \[3\]/);
    assert.throws(() => batchNorm2d(x, null, null, Tensor.zeros([3]), null, { training: true }), /both running mean and running variance/);
  });
  it('needs more than one value per channel in training, and a counter for momentum null', () => {
    assert.throws(() => batchNorm2d(Tensor.zeros([1, 3, 1, 1]), null, null, null, null, { training: true }), /more than one value per channel/);
    assert.throws(() => batchNorm2d(x, null, null, Tensor.zeros([3]), Tensor.ones([3]), { training: true, momentum: null }), /needs numBatchesTracked/);
    assert.throws(() => batchNorm2d(x, null, null, null, null, { training: true, momentum: 1.5 }), /momentum 1.5 must be in \[0, 1\]/);
    assert.throws(() => batchNorm2d(Tensor.zeros([2, 3, 4]), null, null, null, null, { training: true }), /must be \[N, C, H, W\]/);
  });
});
