// Gradient checks of relu6, hardswish, hardsigmoid and dropout2d on every backend.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import * as R from '../../../test/support/reference64.js';
import { setBackend, type BackendName } from '../../backend/index.js';
import { backendsUnderTest } from '../../backend/test-support.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { dropout2d, hardsigmoid, hardswish, relu6 } from './vision-activations.js';

const activations: [string, (x: Tensor) => Tensor, (x: number) => number][] = [
  ['relu6', relu6, (x) => Math.min(Math.max(x, 0), 6)],
  ['hardswish', hardswish, (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
  ['hardsigmoid', hardsigmoid, (x) => Math.min(Math.max(x + 3, 0), 6) / 6],
];

// Values from -8 to 8 that avoid the kinks (0, 6, -3, 3) by more than the finite-difference step.
const spread = { shape: [7, 9], data: Array.from({ length: 63 }, (_, i) => -8 + i * (16 / 62) + 0.0123) };
const cases: OpCase[] = [];
for (const [name, op, f] of activations) {
  cases.push({ name, inputs: [spread], ours: ([x]) => op(x!), reference: ([x]) => R.map(x!, f) });
  cases.push({
    name: `${name} (large, threaded)`,
    inputs: [input([256, 300], 50, -8, 8)],
    ours: ([x]) => op(x!),
    reference: ([x]) => R.map(x!, f),
    probes: 20,
  });
}
runOnEveryBackend('vision activations', cases);

describe('activation gradients at the kinks (PyTorch conventions)', () => {
  const at = Tensor.from([-3, 0, 3, 6]);
  const gradAt = (op: (x: Tensor) => Tensor): number[] => {
    const x = new Tensor(at.f32().slice(), [4], { requiresGrad: true });
    op(x).sum().backward();
    return [...x.grad!.data];
  };
  for (const b of backendsUnderTest()) {
    it(`[${b.name}]`, { skip: b.skip ?? false }, () => {
      setBackend(b.name as BackendName);
      assert.deepEqual(gradAt(relu6), [0, 0, 1, 0]);
      assert.deepEqual(gradAt(hardsigmoid), [0, 1 / 6, 0, 0].map(Math.fround));
      assert.deepEqual(gradAt(hardswish), [0, 0.5, 1, 1]);
    });
  }
});

for (const b of backendsUnderTest()) {
  describe(`dropout2d [${b.name}]`, { skip: b.skip ?? false }, () => {
    beforeEach(() => void setBackend(b.name as BackendName));
    it('zeroes whole channels, scales the rest by 1 / (1 - p), and backward uses the same mask', () => {
      const x = new Tensor(
        Float32Array.from({ length: 8 * 16 * 3 * 2 }, (_, i) => 1 + (i % 5)),
        [8, 16, 3, 2],
        { requiresGrad: true },
      );
      const y = dropout2d(x, { p: 0.4, training: true, rng: new Random(7) });
      y.sum().backward();
      let dropped = 0;
      for (let ch = 0; ch < 8 * 16; ch++) {
        const out = [...y.data.subarray(ch * 6, ch * 6 + 6)];
        const ins = [...x.data.subarray(ch * 6, ch * 6 + 6)];
        const grads = [...x.grad!.data.subarray(ch * 6, ch * 6 + 6)];
        const kept = out[0] !== 0;
        if (!kept) dropped++;
        out.forEach((v, i) => assert.ok(Math.abs(v - (kept ? ins[i]! / 0.6 : 0)) < 1e-5, `channel ${ch}`));
        grads.forEach((g) => assert.ok(Math.abs(g - (kept ? 1 / 0.6 : 0)) < 1e-6, `gradient of channel ${ch}`));
      }
      assert.ok(dropped > 25 && dropped < 80, `dropped ${dropped} of 128 channels at p = 0.4`);
    });
    it('is the same for the same seed, the identity in evaluation and at p = 0, and checks p', () => {
      const x = Tensor.randn([2, 4, 3, 3]);
      const a = dropout2d(x, { p: 0.5, training: true, rng: new Random(3) });
      const c = dropout2d(x, { p: 0.5, training: true, rng: new Random(3) });
      assert.deepEqual([...a.data], [...c.data]);
      assert.equal(dropout2d(x, { p: 0.5, training: false }), x);
      assert.equal(dropout2d(x, { p: 0, training: true }), x);
      assert.throws(() => dropout2d(x, { p: 1, training: true }), /probability 1 must be in \[0, 1\)/);
      assert.throws(() => dropout2d(Tensor.zeros([4, 4, 4]), { p: 0.1, training: true }), /input \[4, 4, 4\] must be \[N, C, H, W\]/);
    });
  });
}
