// Gradient checks of softmax, layer norm, embedding, cross-entropy and dropout on every backend.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { input, runOnEveryBackend, type OpCase } from '../../../test/support/gradcheck.js';
import * as R from '../../../test/support/reference64.js';
import { Random } from '../random.js';
import { Tensor } from '../tensor.js';
import { dropout, logSoftmax, softmax } from './activations.js';
import { embedding } from './embedding.js';
import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss } from './losses.js';
import { layerNorm } from './normalization.js';
import { dropoutKeep, dropoutThreshold } from '../../backend/js/dropout.js';

const cases: OpCase[] = [];

for (const log of [false, true]) {
  const op = log ? logSoftmax : softmax;
  const name = log ? 'logSoftmax' : 'softmax';
  cases.push({ name, inputs: [input([4, 7], 1, -3, 3)], ours: ([x]) => op(x!), reference: ([x]) => R.rows(x!, (r) => R.softmaxRow(r, log)) });
  // Attention layout: scores [B, H, Tq, Tk] with an additive key mask [B, 1, 1, Tk] (fused in the kernel).
  // -1e4 masks as well as -1e9 but keeps the float64 finite differences of log-softmax well conditioned.
  const maskData = [0, 0, 0, -1e4, -1e4, 0, 0, 0, 0, 0];
  cases.push({
    name: `${name} with fused attention mask`,
    inputs: [input([2, 3, 4, 5], 2, -3, 3), { shape: [2, 1, 1, 5], data: maskData, noGrad: true }],
    ours: ([x, m]) => op(x!, { mask: m! }),
    reference: ([x, m]) =>
      R.rows(
        R.zip(x!, m!, (a, b) => a + b),
        (r) => R.softmaxRow(r, log),
      ),
  });
  cases.push({
    name: `${name} with a general mask`,
    inputs: [input([2, 4, 5], 3, -3, 3), { shape: [5], data: [0, -1e4, 0, 0, -1e4], noGrad: true }],
    ours: ([x, m]) => op(x!, { mask: m! }),
    reference: ([x, m]) =>
      R.rows(
        R.zip(x!, m!, (a, b) => a + b),
        (r) => R.softmaxRow(r, log),
      ),
  });
  cases.push({
    name: `${name} (large, threaded)`,
    inputs: [
      input([16, 4, 32, 33], 4, -4, 4),
      { shape: [16, 1, 1, 33], data: Array.from({ length: 16 * 33 }, (_, i) => (i % 33 > 30 - (i % 7) ? -1e4 : 0)), noGrad: true },
    ],
    ours: ([x, m]) => op(x!, { mask: m! }),
    reference: ([x, m]) =>
      R.rows(
        R.zip(x!, m!, (a, b) => a + b),
        (r) => R.softmaxRow(r, log),
      ),
    probes: 6,
  });
}

const layerNormRef = (x: R.Arr, g: R.Arr, b: R.Arr, eps: number): R.Arr =>
  R.rows(x, (row) => {
    const m = row.reduce((s, v) => s + v, 0) / row.length;
    const v = row.reduce((s, a) => s + (a - m) ** 2, 0) / row.length;
    return row.map((a, i) => ((a - m) / Math.sqrt(v + eps)) * g.data[i]! + b.data[i]!);
  });
cases.push({
  name: 'layerNorm',
  inputs: [input([3, 4, 8], 10, -2, 2), input([8], 11, 0.5, 1.5), input([8], 12)],
  ours: ([x, g, b]) => layerNorm(x!, g!, b!, 1e-12),
  reference: ([x, g, b]) => layerNormRef(x!, g!, b!, 1e-12),
});
cases.push({
  name: 'layerNorm (large, threaded)',
  inputs: [input([512, 256], 13, -2, 2), input([256], 14, 0.5, 1.5), input([256], 15)],
  ours: ([x, g, b]) => layerNorm(x!, g!, b!, 1e-5),
  reference: ([x, g, b]) => layerNormRef(x!, g!, b!, 1e-5),
  probes: 6,
});

const embeddingRef = (table: R.Arr, ids: R.Arr): R.Arr => {
  const dim = table.shape[1]!;
  const out = new Float64Array(ids.data.length * dim);
  ids.data.forEach((id, n) => out.set(table.data.subarray(id * dim, (id + 1) * dim), n * dim));
  return R.arr([...ids.shape, dim], out);
};
cases.push({
  name: 'embedding with repeated ids',
  inputs: [input([10, 4], 20), { shape: [2, 3], data: [1, 5, 1, 9, 0, 5], int: true }],
  ours: ([t, ids]) => embedding(t!, ids!),
  reference: ([t, ids]) => embeddingRef(t!, ids!),
});
cases.push({
  name: 'embedding (30k-row table)',
  inputs: [input([30522, 16], 21), { shape: [16, 40], data: Array.from({ length: 640 }, (_, i) => (i * 7919) % 30522), int: true }],
  ours: ([t, ids]) => embedding(t!, ids!),
  reference: ([t, ids]) => embeddingRef(t!, ids!),
  probes: 4,
});

interface CeSpec {
  weights?: number[];
  smoothing?: number;
  ignore?: boolean;
  reduction?: 'mean' | 'sum';
}
const ceRef = (logits: R.Arr, targets: number[], s: CeSpec): R.Arr => {
  const [n, c] = logits.shape as [number, number];
  let total = 0;
  let denominator = 0;
  for (let r = 0; r < n; r++) {
    const t = targets[r]!;
    if (t === -100) continue;
    const logp = R.softmaxRow(logits.data.subarray(r * c, (r + 1) * c), true);
    const w = (k: number): number => s.weights?.[k] ?? 1;
    const eps = s.smoothing ?? 0;
    let smooth = 0;
    for (let k = 0; k < c; k++) smooth -= w(k) * logp[k]!;
    total += -(1 - eps) * w(t) * logp[t]! + (eps / c) * smooth;
    denominator += w(t);
  }
  return R.arr([], [s.reduction === 'sum' ? total : total / denominator]);
};
const ceSpecs: [string, CeSpec][] = [
  ['plain', {}],
  ['class weights', { weights: [1, 2, 0.5, 1.5] }],
  ['label smoothing', { smoothing: 0.1 }],
  ['weights + smoothing + ignore index', { weights: [1, 2, 0.5, 1.5], smoothing: 0.2, ignore: true }],
  ['sum reduction', { reduction: 'sum' }],
];
for (const [name, spec] of ceSpecs) {
  const targets = [0, 3, 1, 2, 2, 0];
  if (spec.ignore) targets[2] = -100;
  cases.push({
    name: `crossEntropy ${name}`,
    inputs: [input([6, 4], 30, -3, 3), { shape: [6], data: targets, int: true }],
    ours: ([x, t]) =>
      crossEntropy(x!, t!, {
        ...(spec.weights ? { classWeights: Tensor.from(spec.weights) } : {}),
        ...(spec.smoothing ? { labelSmoothing: spec.smoothing } : {}),
        ...(spec.reduction ? { reduction: spec.reduction } : {}),
      }),
    reference: ([x]) => ceRef(x!, targets, spec),
  });
}
const bigTargets = Array.from({ length: 1024 }, (_, i) => (i * 31) % 10);
cases.push({
  name: 'crossEntropy (large, threaded)',
  inputs: [input([1024, 10], 31, -3, 3), { shape: [1024], data: bigTargets, int: true }],
  ours: ([x, t]) => crossEntropy(x!, t!, { labelSmoothing: 0.1 }),
  reference: ([x]) => ceRef(x!, bigTargets, { smoothing: 0.1 }),
  probes: 6,
});

// Binary cross-entropy on logits (multi-label heads) and mean squared error (regression heads), against float64.
const multiHot = [1, 0, 0, 1, 1, 1, 0, 0, 0.5, 1, 0, 1];
for (const reduction of ['mean', 'sum'] as const) {
  cases.push({
    name: `binaryCrossEntropyWithLogits ${reduction}`,
    inputs: [input([3, 4], 33, -20, 20), { shape: [3, 4], data: multiHot, noGrad: true }],
    ours: ([x, t]) => binaryCrossEntropyWithLogits(x!, t!, reduction),
    reference: ([x]) => {
      let total = 0;
      x!.data.forEach((v, i) => {
        total += Math.max(v, 0) - v * multiHot[i]! + Math.log1p(Math.exp(-Math.abs(v)));
      });
      return R.arr([], [reduction === 'mean' ? total / x!.data.length : total]);
    },
  });
  cases.push({
    name: `mseLoss ${reduction}`,
    inputs: [input([5, 1], 34, -3, 3), { shape: [5, 1], data: [0.5, 4, -1, 2.5, 0], noGrad: true }],
    ours: ([x, t]) => mseLoss(x!, t!, reduction),
    reference: ([x, t]) => {
      let total = 0;
      x!.data.forEach((v, i) => {
        total += (v - t!.data[i]!) ** 2;
      });
      return R.arr([], [reduction === 'mean' ? total / x!.data.length : total]);
    },
  });
}

// Dropout: the reference replays the same seeded mask (one seed drawn from the generator, then a hash per element).
const dropoutMask = (n: number, p: number, seed: number): number[] => {
  const drawn = new Random(seed).nextUint32();
  const threshold = dropoutThreshold(p);
  return Array.from({ length: n }, (_, i) => (dropoutKeep(drawn, i, threshold) ? 1 / (1 - p) : 0));
};
cases.push({
  name: 'dropout p=0.3 seeded',
  inputs: [input([8, 16], 40)],
  ours: ([x]) => dropout(x!, { p: 0.3, training: true, rng: new Random(5) }),
  reference: ([x]) => R.zip(x!, R.arr([8, 16], dropoutMask(128, 0.3, 5)), (a, m) => a * m),
});

runOnEveryBackend('softmax, layer norm, embedding, cross-entropy, dropout', cases);

describe('nn op errors and edge cases', () => {
  it('names a bad embedding id and its position', () => {
    assert.throws(() => embedding(Tensor.zeros([5, 2]), Tensor.from([1, 7], [2], { dtype: 'int32' })), /id 7 at position 1 is outside the table of 5 rows/);
  });
  it('names a bad cross-entropy target', () => {
    assert.throws(() => crossEntropy(Tensor.zeros([2, 3]), Tensor.from([0, 3], [2], { dtype: 'int32' })), /target 3 in row 1/);
  });
  it('gives NaN when every target is ignored, as PyTorch does', () => {
    const loss = crossEntropy(Tensor.zeros([2, 3]), Tensor.from([-100, -100], [2], { dtype: 'int32' }));
    assert.ok(Number.isNaN(loss.item()));
  });
  it('softmax of a fully masked row is zeros, not NaN', () => {
    const y = softmax(Tensor.zeros([1, 1, 2, 3]), { mask: Tensor.from([-Infinity, -Infinity, -Infinity], [1, 1, 1, 3]) });
    assert.deepEqual(y.toArray(), [0, 0, 0, 0, 0, 0]);
  });
  it('dropout is the identity in evaluation and keeps about 1 - p in training', () => {
    const x = Tensor.ones([10000]);
    assert.equal(dropout(x, { p: 0.5, training: false }), x);
    const kept = dropout(x, { p: 0.25, training: true, rng: new Random(1) })
      .toArray()
      .filter((v) => v !== 0);
    assert.ok(Math.abs(kept.length / 10000 - 0.75) < 0.02);
    assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
  });
});
