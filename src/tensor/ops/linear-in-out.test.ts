// Gradient checks of linearInOut (GPT-2's Conv1D, weight [in, out]) on every backend, the causal positions op, and their bad-input errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import { arr, type Arr } from '../../../test/support/reference64.js';
import { Tensor } from '../tensor.js';
import { positionIdsFromMask } from './causal-positions.js';
import { linearInOut } from './linear-in-out.js';

/** x W + b in float64, W [in, out]. */
function reference(x: Arr, w: Arr, b: Arr | null): Arr {
  const [k, n] = w.shape as [number, number];
  const rows = x.data.length / k;
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let s = b ? b.data[j]! : 0;
      for (let i = 0; i < k; i++) s += x.data[r * k + i]! * w.data[i * n + j]!;
      out[r * n + j] = s;
    }
  }
  return arr([...x.shape.slice(0, -1), n], out);
}

const cases: OpCase[] = [
  {
    name: 'linearInOut with bias, [2, 3, 5] x [5, 4]',
    inputs: [input([2, 3, 5], 1), input([5, 4], 2), input([4], 3)],
    ours: ([x, w, b]) => linearInOut(x!, w!, b!),
    reference: ([x, w, b]) => reference(x!, w!, b!),
  },
  {
    name: 'linearInOut without bias, [7, 6] x [6, 9]',
    inputs: [input([7, 6], 4), input([6, 9], 5)],
    ours: ([x, w]) => linearInOut(x!, w!, null),
    reference: ([x, w]) => reference(x!, w!, null),
  },
];

runOnEveryBackend('linearInOut', cases);

describe('linearInOut and positionIdsFromMask errors and values', () => {
  it('names shapes that do not fit', () => {
    assert.throws(() => linearInOut(Tensor.zeros([2, 5]), Tensor.zeros([4, 5]), null), /linearInOut: input \[2, 5\], weight \[4, 5\]/);
    assert.throws(() => linearInOut(Tensor.zeros([2, 5]), Tensor.zeros([5, 4]), Tensor.zeros([5])), /bias \[5\]/);
  });

  it('counts positions from the mask (1 at padding) for the last tokens, and says whether any is padding', () => {
    const mask = Tensor.from([0, 0, 1, 1, 1, 1, 1, 0], [2, 4], { dtype: 'int32' });
    const all = positionIdsFromMask(mask, 4);
    assert.deepEqual(all.positions.toArray(), [1, 1, 0, 1, 0, 1, 2, 1]);
    assert.equal(all.padded, true);
    assert.deepEqual(positionIdsFromMask(mask, 1).positions.toArray(), [1, 1]);
    assert.equal(positionIdsFromMask(Tensor.from([1, 1], [1, 2], { dtype: 'int32' }), 2).padded, false);
    assert.throws(() => positionIdsFromMask(mask, 5), /must be \[B, Tk\] with Tk >= 5/);
  });
});
