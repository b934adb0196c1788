// Tests for the config activations: each name computes transformers' formula; unknown names fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Tensor } from '../../tensor/tensor.js';
import { ACTIVATION_NAMES, activationByName } from './activation.js';

const erf = (x: number): number => {
  // Abramowitz-Stegun 7.1.26 is too coarse here; integrate the series instead (|x| <= 4).
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const geluTanh = (x: number): number => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

const REFERENCE: Record<string, (x: number) => number> = {
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_python: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  gelu_new: geluTanh,
  gelu_fast: geluTanh,
  gelu_pytorch_tanh: geluTanh,
  quick_gelu: (x) => x * sigmoid(1.702 * x),
  relu: (x) => Math.max(0, x),
  silu: (x) => x * sigmoid(x),
  swish: (x) => x * sigmoid(x),
  sigmoid,
  tanh: Math.tanh,
  linear: (x) => x,
};

describe('activations', () => {
  const xs = [-3.5, -1.2, -0.3, 0, 0.01, 0.7, 2.2, 3.9];
  for (const name of ACTIVATION_NAMES) {
    it(`${name} matches transformers' definition`, () => {
      const ref = REFERENCE[name];
      assert.ok(ref, `no reference for ${name}`);
      const out = activationByName(name, 'config.json: hidden_act')(Tensor.from(xs));
      xs.forEach((x, i) => assert.ok(Math.abs(out.data[i]! - ref(x)) < 1e-5, `${name}(${x}) = ${out.data[i]}, expected ${ref(x)}`));
    });
  }

  it('an unknown name fails naming where it came from', () => {
    assert.throws(() => activationByName('mish', 'config.json: hidden_act'), /config\.json: hidden_act 'mish' is not supported \(supported: gelu, /);
    assert.throws(() => activationByName('toString', 'x: activation'), /'toString' is not supported/);
  });
});
