// The RMSNorm module: LlamaRMSNorm's parameter name and initial value, and the op underneath.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../tensor/tensor.js';
import { RMSNorm } from './rms-norm.js';

describe('RMSNorm', () => {
  it('has one weight of ones and normalises by the root mean square', () => {
    const norm = new RMSNorm(4, 0);
    assert.deepEqual(
      [...norm.namedParameters()].map(([name]) => name),
      ['weight'],
    );
    const out = norm.forward(
      Tensor.from([
        [3, -3, 3, -3],
        [1, 2, 2, 4],
      ]),
    );
    assert.deepEqual(Array.from(out.data.slice(0, 4)), [1, -1, 1, -1]);
    assert.ok(Math.abs(out.data[7]! - 4 / Math.sqrt(25 / 4)) < 1e-6);
  });
});
