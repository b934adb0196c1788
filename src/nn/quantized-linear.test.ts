// QuantizedLinear: an int8 layer computes what its float32 Linear does, within int8 rounding, whichever way the weight is stored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './layers.js';
import { QuantizedLinear } from './quantized-linear.js';

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return worst / scale;
}

describe('QuantizedLinear', () => {
  for (const fanInFanOut of [false, true]) {
    it(`follows its Linear within int8 rounding (weight stored ${fanInFanOut ? '[in, out], as GPT-2' : '[out, in]'})`, () => {
      const rng = new Random(3);
      const linear = new Linear(24, 10, { fanInFanOut, rng });
      const x = Tensor.randn([5, 24], { rng });
      const expected = linear.forward(x).f32();
      const actual = QuantizedLinear.fromLinear(linear).forward(x).f32();
      assert.ok(maxRelativeError(actual, expected) < 0.03, `relative error ${maxRelativeError(actual, expected)}`);
    });
  }
});
