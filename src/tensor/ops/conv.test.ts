// Gradient checks of conv2d on every backend: strides, padding, dilation, groups, depthwise, 1x1, threaded sizes, bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, type CaseInput, type OpCase } from '../../../test/support/gradcheck.js';
import * as V from '../../../test/support/reference-vision64.js';
import { Tensor } from '../tensor.js';
import { conv2d, type Conv2dOptions } from './conv.js';

interface Spec {
  readonly name: string;
  readonly x: [number, number, number, number];
  readonly weight: [number, number, number, number];
  readonly bias?: boolean;
  readonly stride?: [number, number];
  readonly padding?: [number, number];
  readonly dilation?: [number, number];
  readonly groups?: number;
  readonly probes?: number;
  /** Only the weight and bias get gradients (a first layer on images). */
  readonly frozenInput?: boolean;
}

const specs: Spec[] = [
  { name: '3x3, padding 1, bias', x: [2, 3, 6, 7], weight: [4, 3, 3, 3], bias: true, padding: [1, 1] },
  { name: 'stride 2 with padding 1', x: [2, 3, 9, 8], weight: [5, 3, 3, 3], bias: true, stride: [2, 2], padding: [1, 1] },
  { name: 'stride [2, 1], padding [1, 2], no bias', x: [1, 2, 7, 6], weight: [3, 2, 3, 4], stride: [2, 1], padding: [1, 2] },
  { name: 'dilation 2, padding 2', x: [1, 2, 9, 10], weight: [3, 2, 3, 3], bias: true, dilation: [2, 2], padding: [2, 2] },
  { name: 'dilation [1, 3], stride 2', x: [2, 2, 8, 11], weight: [2, 2, 2, 3], dilation: [1, 3], stride: [2, 2] },
  { name: 'groups 2', x: [2, 4, 6, 6], weight: [6, 2, 3, 3], bias: true, groups: 2, padding: [1, 1] },
  { name: 'depthwise (groups = C), stride 2', x: [2, 4, 7, 7], weight: [4, 1, 3, 3], bias: true, groups: 4, stride: [2, 2], padding: [1, 1] },
  { name: 'depthwise with multiplier 2', x: [1, 3, 6, 5], weight: [6, 1, 3, 3], groups: 3, padding: [1, 1] },
  { name: 'depthwise, dilation 2, no padding', x: [2, 3, 9, 9], weight: [3, 1, 3, 3], bias: true, groups: 3, dilation: [2, 2] },
  { name: '1x1', x: [2, 5, 4, 3], weight: [6, 5, 1, 1], bias: true },
  { name: '1x1 stride 2 (downsample)', x: [2, 4, 7, 7], weight: [3, 4, 1, 1], stride: [2, 2] },
  { name: 'kernel 7 > stride 2, padding 3 (ResNet stem)', x: [1, 3, 15, 13], weight: [4, 3, 7, 7], bias: true, stride: [2, 2], padding: [3, 3] },
  { name: 'odd shapes, kernel 2x5', x: [3, 3, 5, 11], weight: [2, 3, 2, 5], bias: true, stride: [1, 2] },
  { name: 'frozen input (weight and bias only)', x: [2, 3, 8, 8], weight: [4, 3, 3, 3], bias: true, stride: [2, 2], padding: [1, 1], frozenInput: true },
  { name: '3x3 (large, threaded)', x: [4, 16, 20, 20], weight: [32, 16, 3, 3], bias: true, padding: [1, 1], probes: 4 },
  { name: 'depthwise (large, threaded)', x: [8, 64, 32, 32], weight: [64, 1, 3, 3], bias: true, groups: 64, padding: [1, 1], probes: 4 },
  {
    name: 'depthwise stride 2, multiplier 2 (large, threaded)',
    x: [8, 32, 48, 48],
    weight: [64, 1, 3, 3],
    groups: 32,
    stride: [2, 2],
    padding: [1, 1],
    probes: 4,
  },
  { name: 'stem 7x7 stride 2 (large, threaded)', x: [3, 3, 32, 32], weight: [16, 3, 7, 7], stride: [2, 2], padding: [3, 3], probes: 4 },
  {
    name: 'one sample, threaded inside (im2col, GEMM, col2im)',
    x: [1, 16, 40, 40],
    weight: [32, 16, 3, 3],
    bias: true,
    stride: [1, 2],
    padding: [1, 1],
    probes: 4,
  },
  // Batch split across threads with column matrices past one band of output rows (BAND_FLOATS in native/src/conv.c).
  { name: 'banded columns, 3x3 padding 1 (large, threaded)', x: [2, 32, 24, 24], weight: [16, 32, 3, 3], bias: true, padding: [1, 1], probes: 4 },
  {
    name: 'banded columns, 5x5 stride 2 dilation 2 padding 3 (large, threaded)',
    x: [2, 40, 26, 26],
    weight: [6, 40, 5, 5],
    stride: [2, 2],
    dilation: [2, 2],
    padding: [3, 3],
    probes: 4,
  },
  { name: 'banded columns, groups 2 (large, threaded)', x: [2, 64, 24, 24], weight: [16, 32, 3, 3], groups: 2, padding: [1, 1], probes: 4 },
  { name: 'groups 4 (large, threaded)', x: [8, 16, 12, 12], weight: [16, 4, 3, 3], groups: 4, padding: [1, 1], probes: 4 },
];

const cases: OpCase[] = specs.map((s, index) => {
  const spec: V.ConvSpec = { stride: s.stride ?? [1, 1], padding: s.padding ?? [0, 0], dilation: s.dilation ?? [1, 1], groups: s.groups ?? 1 };
  const options: Conv2dOptions = { stride: spec.stride, padding: spec.padding, dilation: spec.dilation, groups: spec.groups };
  const x: CaseInput = { ...input(s.x, 100 + index), ...(s.frozenInput ? { noGrad: true } : {}) };
  const inputs: CaseInput[] = [x, input(s.weight, 200 + index, -0.5, 0.5)];
  if (s.bias) inputs.push(input([s.weight[0]], 300 + index));
  return {
    name: `conv2d ${s.name}`,
    inputs,
    ours: ([xt, w, b]) => conv2d(xt!, w!, b ?? null, options),
    reference: ([xa, w, b]) => V.conv2d(xa!, w!, b ?? null, spec),
    ...(s.probes ? { probes: s.probes } : {}),
  };
});
cases.push({
  name: 'conv2d with scalar stride, padding and dilation',
  inputs: [input([1, 2, 10, 9], 400), input([2, 2, 3, 3], 401)],
  ours: ([x, w]) => conv2d(x!, w!, null, { stride: 2, padding: 2, dilation: 2 }),
  reference: ([x, w]) => V.conv2d(x!, w!, null, { stride: [2, 2], padding: [2, 2], dilation: [2, 2], groups: 1 }),
});

runOnEveryBackend('conv2d', cases);

describe('conv2d bad input', () => {
  const x = Tensor.zeros([1, 4, 5, 5]);
  it('names the shapes when the weight has the wrong channel count', () => {
    assert.throws(() => conv2d(x, Tensor.zeros([2, 3, 3, 3]), null), /weight \[2, 3, 3, 3\] needs 4 input channels per group/);
  });
  it('rejects groups that do not divide the channels', () => {
    assert.throws(
      () => conv2d(x, Tensor.zeros([3, 2, 3, 3]), null, { groups: 2 }),
      /groups 2 must be a positive integer dividing input channels 4 and output channels 3/,
    );
  });
  it('rejects a kernel larger than the padded input', () => {
    assert.throws(() => conv2d(x, Tensor.zeros([2, 4, 7, 7]), null), /kernel 7x7 .* larger than the padded input 5x5/);
  });
  it('rejects a bias of the wrong length, a non-4-D input and a zero stride', () => {
    assert.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), Tensor.zeros([3])), /bias \[3\] does not match 2 output channels/);
    assert.throws(() => conv2d(Tensor.zeros([4, 5, 5]), Tensor.zeros([2, 4, 3, 3]), null), /must be \[N, C, H, W\]/);
    assert.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { stride: 0 }), /stride 0 must be an integer >= 1/);
    assert.throws(() => conv2d(x, Tensor.zeros([2, 4, 3, 3]), null, { padding: [1, -1] }), /padding \[1,-1\] must be an integer >= 0/);
  });
});
