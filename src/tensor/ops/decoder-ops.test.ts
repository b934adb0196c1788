// Gradient checks of RMS norm, rotary position embedding, SiLU and SwiGLU on every backend, and their bad-input errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, uniform, type OpCase } from '../../../test/support/gradcheck.js';
import { arr, type Arr } from '../../../test/support/reference64.js';
import { Tensor } from '../tensor.js';
import { rmsNorm } from './rms-norm.js';
import { rotaryEmbedding } from './rotary.js';
import { silu, swiglu } from './swiglu.js';

function rmsNormRef(x: Arr, w: Arr, eps: number): Arr {
  const cols = w.data.length;
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / cols; r++) {
    let sq = 0;
    for (let c = 0; c < cols; c++) sq += x.data[r * cols + c]! ** 2;
    const rs = 1 / Math.sqrt(sq / cols + eps);
    for (let c = 0; c < cols; c++) out[r * cols + c] = x.data[r * cols + c]! * rs * w.data[c]!;
  }
  return arr(x.shape, out);
}

/** x * cos + rotate_half(x) * sin on [B, T, heads, D] with tables [P, R/2] and pass-through past R. */
function rotaryRef(x: Arr, positions: readonly number[], shared: boolean, cos: Float32Array, sin: Float32Array, half: number): Arr {
  const [b, t, heads, d] = x.shape as [number, number, number, number];
  const out = Float64Array.from(x.data);
  for (let row = 0; row < b * t; row++) {
    const p = positions[shared ? row % t : row]!;
    for (let h = 0; h < heads; h++) {
      const at = (row * heads + h) * d;
      for (let i = 0; i < half; i++) {
        const c = cos[p * half + i]!;
        const s = sin[p * half + i]!;
        out[at + i] = x.data[at + i]! * c - x.data[at + half + i]! * s;
        out[at + half + i] = x.data[at + half + i]! * c + x.data[at + i]! * s;
      }
    }
  }
  return arr(x.shape, out);
}

function tables(positions: number, half: number): { cos: Tensor; sin: Tensor } {
  const angles = uniform(positions * half, 5, -4, 4);
  return {
    cos: new Tensor(Float32Array.from(angles, Math.cos), [positions, half]),
    sin: new Tensor(Float32Array.from(angles, Math.sin), [positions, half]),
  };
}

const sig = (g: number): number => 1 / (1 + Math.exp(-g));
const cases: OpCase[] = [
  {
    name: 'rmsNorm [B, T, H], eps 1e-6',
    inputs: [input([2, 3, 8], 1, -2, 2), input([8], 2, 0.5, 1.5)],
    ours: ([x, w]) => rmsNorm(x!, w!, 1e-6),
    reference: ([x, w]) => rmsNormRef(x!, w!, 1e-6),
  },
  {
    name: 'rmsNorm with a large eps and a frozen weight',
    inputs: [input([5, 7], 3, -0.1, 0.1), { ...input([7], 4), noGrad: true }],
    ours: ([x, w]) => rmsNorm(x!, w!, 0.01),
    reference: ([x, w]) => rmsNormRef(x!, w!, 0.01),
  },
  {
    name: 'rmsNorm (threaded: 600 rows of 64)',
    inputs: [input([600, 64], 5, -3, 3), input([64], 6)],
    ours: ([x, w]) => rmsNorm(x!, w!, 1e-5),
    reference: ([x, w]) => rmsNormRef(x!, w!, 1e-5),
    probes: 12,
  },
  {
    name: 'silu',
    inputs: [input([4, 9], 7, -8, 8)],
    ours: ([x]) => silu(x!),
    reference: ([x]) =>
      arr(
        x!.shape,
        x!.data.map((g) => g * sig(g)),
      ),
  },
  {
    name: 'swiglu (threaded: 70000 elements)',
    inputs: [input([70000], 8, -6, 6), input([70000], 9, -2, 2)],
    ours: ([g, u]) => swiglu(g!, u!),
    reference: ([g, u]) =>
      arr(
        g!.shape,
        g!.data.map((x, i) => x * sig(x) * u!.data[i]!),
      ),
    probes: 12,
  },
  {
    name: 'swiglu [B, T, F] with a constant up',
    inputs: [input([2, 3, 5], 10, -4, 4), { ...input([2, 3, 5], 11), noGrad: true }],
    ours: ([g, u]) => swiglu(g!, u!),
    reference: ([g, u]) =>
      arr(
        g!.shape,
        g!.data.map((x, i) => x * sig(x) * u!.data[i]!),
      ),
  },
];

const rot = tables(9, 4);
const shared = [3, 0, 8];
const perRow = [0, 1, 2, 5, 6, 7];
cases.push({
  name: 'rotary, positions [T] shared by the batch',
  inputs: [input([2, 3, 2, 8], 12, -2, 2)],
  ours: ([x]) => rotaryEmbedding(x!, Tensor.from(shared, [3], { dtype: 'int32' }), rot),
  reference: ([x]) => rotaryRef(x!, shared, true, rot.cos.f32(), rot.sin.f32(), 4),
});
cases.push({
  name: 'rotary, positions [B, T] (left padding shifts them)',
  inputs: [input([2, 3, 3, 8], 13, -2, 2)],
  ours: ([x]) => rotaryEmbedding(x!, Tensor.from(perRow, [2, 3], { dtype: 'int32' }), rot),
  reference: ([x]) => rotaryRef(x!, perRow, false, rot.cos.f32(), rot.sin.f32(), 4),
});
cases.push({
  name: 'rotary, partial (4 of 12 features rotate)',
  inputs: [input([1, 3, 2, 12], 14, -2, 2)],
  ours: ([x]) => rotaryEmbedding(x!, Tensor.from(shared, [3], { dtype: 'int32' }), tables(9, 2)),
  reference: ([x]) => rotaryRef(x!, shared, true, tables(9, 2).cos.f32(), tables(9, 2).sin.f32(), 2),
});
const longPositions = Array.from({ length: 128 }, (_, i) => i % 9);
cases.push({
  name: 'rotary (threaded: 4 x 128 tokens x 4 heads of 8)',
  inputs: [input([4, 128, 4, 8], 15, -2, 2)],
  ours: ([x]) => rotaryEmbedding(x!, Tensor.from(longPositions, [128], { dtype: 'int32' }), rot),
  reference: ([x]) => rotaryRef(x!, longPositions, true, rot.cos.f32(), rot.sin.f32(), 4),
  probes: 12,
});

runOnEveryBackend('decoder ops: rmsNorm, rotary, silu, swiglu', cases);

describe('decoder op errors', () => {
  it('rmsNorm names a weight that does not match and a bad eps', () => {
    assert.throws(() => rmsNorm(Tensor.zeros([2, 4]), Tensor.zeros([3])), /rmsNorm: weight \[3\] does not match input \[2, 4\]/);
    assert.throws(() => rmsNorm(Tensor.zeros([2, 4]), Tensor.zeros([4]), Number.NaN), /eps NaN/);
  });
  it('rotary names positions outside the table, wrong position shapes and tables wider than the head', () => {
    const x = Tensor.zeros([1, 2, 1, 8]);
    assert.throws(() => rotaryEmbedding(x, Tensor.from([0, 9], [2], { dtype: 'int32' }), rot), /position 9 at index 1 is outside the table of 9 positions/);
    assert.throws(() => rotaryEmbedding(x, Tensor.from([-1, 0], [1, 2], { dtype: 'int32' }), rot), /position -1 at index 0/);
    assert.throws(() => rotaryEmbedding(x, Tensor.from([0, 1, 2], [3], { dtype: 'int32' }), rot), /positions \[3\] \(int32\) must be int32 \[1, 2\] or \[2\]/);
    assert.throws(() => rotaryEmbedding(x, Tensor.from([0, 1], [2]), rot), /must be int32/);
    assert.throws(
      () => rotaryEmbedding(Tensor.zeros([1, 2, 1, 6]), Tensor.from([0, 1], [2], { dtype: 'int32' }), rot),
      /rotate 8 features, more than the head size 6/,
    );
    assert.throws(() => rotaryEmbedding(Tensor.zeros([2, 8]), Tensor.from([0, 1], [2], { dtype: 'int32' }), rot), /must be \[B, T, heads, D\]/);
  });
  it('swiglu names gate and up shapes that differ', () => {
    assert.throws(() => swiglu(Tensor.zeros([2, 3]), Tensor.zeros([3, 2])), /swiglu: gate \[2, 3\] and up \[3, 2\]/);
  });
});
