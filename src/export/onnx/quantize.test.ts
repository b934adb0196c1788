import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quantizeWeightPerChannel } from './quantize.js';

describe('quantizeWeightPerChannel', () => {
  it('gives each output column its own scale max|w| / 127 and rounds half to even', () => {
    // W [in 2, out 3]: column 0 spans 63.5 (scale 0.5), column 1 spans 127 (scale 1), column 2 is all zero.
    const w = Float32Array.from([63.5, -127, 0, 1.25, -2.5, 0]);
    const q = quantizeWeightPerChannel(w, 2, 3);
    assert.deepEqual([...q.scales], [0.5, 1, 1]);
    // 1.25 / 0.5 = 2.5 -> 2 and -2.5 -> -2 (to even, as numpy's rint).
    assert.deepEqual([...q.values], [127, -127, 0, 2, -2, 0]);
  });

  it('dequantises within half a step of every weight', () => {
    const w = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 4)));
    const q = quantizeWeightPerChannel(w, 16, 4);
    for (let i = 0; i < 16; i++) {
      for (let o = 0; o < 4; o++) {
        const error = Math.abs(q.values[i * 4 + o]! * q.scales[o]! - w[i * 4 + o]!);
        assert.ok(error <= q.scales[o]! / 2 + 1e-7, `w[${i}, ${o}] off by ${error}`);
      }
    }
  });
});
