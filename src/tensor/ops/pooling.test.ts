// Gradient checks of maxPool2d, avgPool2d and adaptiveAvgPool2d on every backend, with every option and bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, uniform, type OpCase } from '../../../test/support/gradcheck.js';
import * as V from '../../../test/support/reference-vision64.js';
import { Tensor } from '../tensor.js';
import { adaptiveAvgPool2d, avgPool2d, maxPool2d } from './pooling.js';

interface Spec {
  readonly name: string;
  readonly x: number[];
  readonly kernel: [number, number];
  readonly stride?: [number, number];
  readonly padding?: [number, number];
  readonly dilation?: [number, number];
  readonly ceil?: boolean;
  readonly probes?: number;
}

const specs: Spec[] = [
  { name: '2x2 stride 2', x: [2, 3, 6, 8], kernel: [2, 2] },
  { name: '3x3 stride 2 padding 1 (ResNet)', x: [2, 2, 9, 7], kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
  { name: 'kernel 3 > stride 1', x: [1, 2, 5, 6], kernel: [3, 3], stride: [1, 1] },
  { name: 'ceil mode, odd size', x: [2, 2, 7, 9], kernel: [2, 2], stride: [2, 2], ceil: true },
  { name: 'ceil mode with padding, kernel [3, 2]', x: [1, 3, 8, 7], kernel: [3, 2], stride: [2, 2], padding: [1, 1], ceil: true },
  { name: 'unbatched [C, H, W], stride [1, 2]', x: [3, 6, 7], kernel: [2, 3], stride: [1, 2], padding: [1, 1] },
  { name: '(large, threaded)', x: [8, 32, 28, 28], kernel: [3, 3], stride: [2, 2], padding: [1, 1], probes: 8 },
];

const cases: OpCase[] = [];
specs.forEach((s, index) => {
  const spec: V.PoolSpec = {
    kernel: s.kernel,
    stride: s.stride ?? s.kernel,
    padding: s.padding ?? [0, 0],
    dilation: s.dilation ?? [1, 1],
    ceil: s.ceil ?? false,
  };
  const options = { kernel: spec.kernel, stride: spec.stride, padding: spec.padding, ceilMode: spec.ceil };
  const probes = s.probes ? { probes: s.probes } : {};
  // Distinct values keep the maximum away from ties, where finite differences are undefined.
  const n = s.x.reduce((a, b) => a * b, 1);
  const distinct = { shape: s.x, data: uniform(n, 500 + index).map((v, i) => v + i * 1e-3) };
  cases.push({ name: `maxPool2d ${s.name}`, inputs: [distinct], ours: ([x]) => maxPool2d(x!, options), reference: ([x]) => V.maxPool2d(x!, spec), ...probes });
  for (const countIncludePad of [true, false]) {
    cases.push({
      name: `avgPool2d ${s.name}, countIncludePad ${countIncludePad}`,
      inputs: [input(s.x, 600 + index)],
      ours: ([x]) => avgPool2d(x!, { ...options, countIncludePad }),
      reference: ([x]) => V.avgPool2d(x!, spec, countIncludePad),
      ...probes,
    });
  }
});
for (const [name, x, dilation] of [
  ['dilation 2', [2, 2, 9, 9], [2, 2]],
  ['dilation [2, 1], padding 1', [1, 3, 8, 6], [2, 1]],
] as const) {
  const spec: V.PoolSpec = { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [dilation[0], dilation[1]], ceil: true };
  const n = (x as readonly number[]).reduce((a, b) => a * b, 1);
  cases.push({
    name: `maxPool2d ${name}, ceil mode`,
    inputs: [{ shape: x, data: uniform(n, 700).map((v, i) => v + i * 1e-3) }],
    ours: ([t]) => maxPool2d(t!, { kernel: 3, stride: 2, padding: 1, dilation: [dilation[0], dilation[1]], ceilMode: true }),
    reference: ([t]) => V.maxPool2d(t!, spec),
  });
}
for (const [name, x, out] of [
  ['7x7 -> 1x1 (global)', [2, 3, 7, 7], [1, 1]],
  ['7x5 -> 3x2 (overlapping windows)', [2, 2, 7, 5], [3, 2]],
  ['5x5 -> 7x8 (upsampling)', [1, 2, 5, 5], [7, 8]],
  ['unbatched 6x9 -> 4x4', [3, 6, 9], [4, 4]],
  ['(large, threaded) 14x14 -> 1x1', [16, 64, 14, 14], [1, 1]],
] as const) {
  cases.push({
    name: `adaptiveAvgPool2d ${name}`,
    inputs: [input(x, 800)],
    ours: ([t]) => adaptiveAvgPool2d(t!, [out[0], out[1]]),
    reference: ([t]) => V.adaptiveAvgPool2d(t!, out[0], out[1]),
    probes: 8,
  });
}
cases.push({
  name: 'maxPool2d gradient goes to the first of tied maxima',
  inputs: [{ shape: [1, 1, 2, 4], data: [1, 3, 3, 2, 3, 0, 2, 2], noGrad: true }],
  ours: ([x]) => {
    const leaf = new Tensor(x!.f32().slice(), x!.shape, { requiresGrad: true });
    maxPool2d(leaf, { kernel: 2 }).sum().backward();
    return leaf.grad!;
  },
  reference: () => ({ shape: [1, 1, 2, 4], data: Float64Array.from([0, 1, 1, 0, 0, 0, 0, 0]) }),
});

runOnEveryBackend('pooling', cases);

describe('pooling bad input', () => {
  const x = Tensor.zeros([1, 2, 4, 4]);
  it('rejects padding over half the kernel', () => {
    assert.throws(() => maxPool2d(x, { kernel: 2, padding: 2 }), /padding 2x2 must be at most half the kernel 2x2/);
    assert.throws(() => avgPool2d(x, { kernel: 3, padding: [1, 2] }), /padding 1x2 must be at most half the kernel 3x3/);
  });
  it('rejects a window larger than the input, and inputs that are not 3-D or 4-D', () => {
    assert.throws(() => maxPool2d(x, { kernel: 5 }), /too small for kernel 5x5/);
    assert.throws(() => avgPool2d(Tensor.zeros([4, 4]), { kernel: 2 }), /must be \[N, C, H, W\] or \[C, H, W\]/);
    assert.throws(() => adaptiveAvgPool2d(x, [0, 2]), /output size \[0,2\] must be an integer >= 1/);
    assert.throws(() => maxPool2d(x, { kernel: 2, stride: 0 }), /stride 0 must be an integer >= 1/);
  });
});
