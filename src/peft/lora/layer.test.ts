// LoraLinear: initialisation, the forward formula, dropout on the branch only, gradients, merge and unmerge.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../nn/layers.js';
import { noGrad } from '../../tensor/autograd.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';
import { LoraLinear } from './layer.js';
import { maxAbsDiff } from './test-support.js';

function setup(r = 3, scale = 2): { base: Linear; layer: LoraLinear; x: Tensor } {
  const rng = new Random(5);
  const base = new Linear(6, 4, { rng });
  const layer = new LoraLinear(base, { r, scale, rng });
  const x = Tensor.uniform([2, 3, 6], -1, 1, { rng });
  return { base, layer, x };
}

/** x W^T + b + scale * (x A^T) B^T in float64. */
function reference(layer: LoraLinear, x: Tensor): number[] {
  const [inF, outF, r] = [layer.inFeatures, layer.outFeatures, layer.r];
  const w = layer.weight.f32();
  const b = layer.bias!.f32();
  const a = layer.lora_A.weight.f32();
  const bm = layer.lora_B.weight.f32();
  const rows = x.size / inF;
  const out: number[] = [];
  for (let n = 0; n < rows; n++) {
    const xi = Array.from(x.f32().subarray(n * inF, (n + 1) * inF));
    const h = Array.from({ length: r }, (_, k) => xi.reduce((s, v, i) => s + v * a[k * inF + i]!, 0));
    for (let o = 0; o < outF; o++) {
      const base = xi.reduce((s, v, i) => s + v * w[o * inF + i]!, b[o]!);
      out.push(base + layer.scale * h.reduce((s, v, k) => s + v * bm[o * r + k]!, 0));
    }
  }
  return out;
}

describe('LoraLinear', () => {
  it('adopts the base parameters, draws A as kaiming_uniform(a=sqrt(5)) and starts B at zero', () => {
    const { base, layer } = setup();
    assert.equal(layer.weight, base.weight);
    assert.equal(layer.bias, base.bias);
    assert.deepEqual(layer.lora_A.weight.shape, [3, 6]);
    assert.deepEqual(layer.lora_B.weight.shape, [4, 3]);
    const bound = 1 / Math.sqrt(6);
    assert.ok(layer.lora_A.weight.toArray().every((v) => Math.abs(v) <= bound));
    assert.ok(layer.lora_A.weight.toArray().some((v) => v !== 0));
    assert.ok(layer.lora_B.weight.toArray().every((v) => v === 0));
    assert.deepEqual(
      layer.namedParameters().map(([n]) => n),
      ['weight', 'bias', 'lora_A.weight', 'lora_B.weight'],
    );
  });

  it('changes nothing until B trains, then computes base(x) + B(A(x)) * scale', () => {
    const { base, layer, x } = setup();
    layer.eval();
    assert.equal(maxAbsDiff(layer.forward(x).f32(), base.forward(x).f32()), 0);
    layer.lora_B.weight.f32().forEach((_, i, d) => (d[i] = Math.sin(i + 1)));
    const y = layer.forward(x);
    assert.deepEqual(y.shape, [2, 3, 4]);
    assert.ok(maxAbsDiff(y.f32(), reference(layer, x)) < 1e-5);
  });

  it('applies dropout to the adapter branch only, and only in training mode', () => {
    const rng = new Random(5);
    const base = new Linear(6, 4, { rng });
    const layer = new LoraLinear(base, { r: 2, scale: 1, dropout: 0.5, rng });
    layer.lora_B.weight.f32().fill(0.5);
    const x = Tensor.uniform([8, 6], -1, 1, { rng });
    const evalOut = layer.eval().forward(x).f32();
    assert.ok(maxAbsDiff(evalOut, reference(layer, x)) < 1e-5);
    const trainOut = layer.train().forward(x).f32();
    assert.ok(maxAbsDiff(trainOut, evalOut) > 1e-3, 'dropout changes the branch in training');
    layer.lora_B.weight.f32().fill(0);
    assert.equal(maxAbsDiff(layer.train().forward(x).f32(), base.forward(x).f32()), 0, 'the base path has no dropout');
  });

  it('sends gradients to A and B only when the base is frozen, matching finite differences', () => {
    const { layer, x } = setup(2, 1.5);
    layer.lora_B.weight.f32().forEach((_, i, d) => (d[i] = 0.1 * (i + 1)));
    layer.weight.requiresGrad = false;
    layer.bias!.requiresGrad = false;
    layer.eval();
    const loss = (): Tensor => layer.forward(x).pow(2).sum();
    loss().backward();
    assert.equal(layer.weight.grad, null);
    assert.equal(layer.bias!.grad, null);
    for (const p of [layer.lora_A.weight, layer.lora_B.weight]) {
      const g = p.grad!.f32();
      for (const i of [0, 3, p.size - 1]) {
        const d = p.f32();
        const old = d[i]!;
        const h = 1e-2;
        d[i] = old + h;
        const up = noGrad(loss).item();
        d[i] = old - h;
        const down = noGrad(loss).item();
        d[i] = old;
        const numeric = (up - down) / (2 * h);
        assert.ok(Math.abs(numeric - g[i]!) < 2e-3 * Math.max(1, Math.abs(numeric)), `${numeric} vs ${g[i]}`);
      }
    }
  });

  it('merges into the base weight with the same outputs, and unmerges back', () => {
    const { layer, x } = setup();
    layer.lora_B.weight.f32().forEach((_, i, d) => (d[i] = Math.cos(i)));
    layer.eval();
    const before = layer.weight.f32().slice();
    const unmerged = layer.forward(x).f32().slice();
    layer.merge();
    assert.equal(layer.merged, true);
    assert.ok(maxAbsDiff(layer.forward(x).f32(), unmerged) < 1e-5);
    assert.ok(maxAbsDiff(layer.weight.f32(), before) > 1e-3);
    layer.merge();
    assert.ok(maxAbsDiff(layer.forward(x).f32(), unmerged) < 1e-5, 'merging twice changes nothing');
    layer.unmerge();
    assert.equal(layer.merged, false);
    assert.ok(maxAbsDiff(layer.weight.f32(), before) < 1e-6);
    assert.ok(maxAbsDiff(layer.forward(x).f32(), unmerged) < 1e-6);
  });

  it('refuses a rank that is not a positive integer', () => {
    const base = new Linear(4, 4);
    assert.throws(() => new LoraLinear(base, { r: 0, scale: 1 }), /rank must be a positive integer, got 0/);
    assert.throws(() => new LoraLinear(base, { r: 2.5, scale: 1 }), /got 2.5/);
    assert.throws(() => new LoraLinear(base, { r: 2, scale: NaN }), /scale must be a finite number/);
  });
});
