// Per-channel int8 weight quantisation: scales, rounding half to even, the error bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizeWeightPerChannel } from './int8-quantize.js';

describe('quantizeWeightPerChannel', () => {
  it('gives each output channel its own scale max|w| / 127 and rounds half to even', () => {
    // W [out 3, in 2]: row 0 spans 63.5 (scale 0.5), row 1 spans 127 (scale 1), row 2 is all zero.
    const w = Float32Array.from([63.5, 1.25, -127, -2.5, 0, 0]);
    const q = quantizeWeightPerChannel(w, 3, 2);
    assert.deepEqual([...q.scales], [0.5, 1, 1]);
    // 1.25 / 0.5 = 2.5 -> 2 and -2.5 -> -2 (to even, as numpy's rint).
    assert.deepEqual([...q.values], [127, 2, -127, -2, 0, 0]);
  });

  it('dequantises within half a step of every weight', () => {
    const w = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 4)));
    const q = quantizeWeightPerChannel(w, 4, 16);
    for (let o = 0; o < 4; o++) {
      for (let i = 0; i < 16; i++) {
        const error = Math.abs(q.values[o * 16 + i]! * q.scales[o]! - w[o * 16 + i]!);
        assert.ok(error <= q.scales[o]! / 2 + 1e-7, `w[${i}, ${o}] off by ${error}`);
      }
    }
  });
});
