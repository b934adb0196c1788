// transformers' initial weights for ResNet: kaiming-normal convolutions (fan_out, ReLU), PyTorch's default linear, unit batch norms.
import { init } from '../../nn/index.js';
import { Linear } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm2d, Conv2d } from '../../nn/vision.js';
import { defaultRandom } from '../../tensor/random.js';

/**
 * ResNetPreTrainedModel._init_weights over `module` and below: conv weights ~ Normal(0, sqrt(2 / fan_out)) with
 * fan_out = O * KH * KW; linear weight and bias ~ Uniform(+-1 / sqrt(fan_in)); batch norm weight 1, bias 0,
 * running mean 0, running variance 1, no batches tracked.
 */
export function initResNetWeights(module: Module): void {
  const rng = defaultRandom();
  for (const [, m] of module.namedModules()) {
    if (m instanceof Conv2d) {
      const [o, , kh, kw] = m.weight.shape as [number, number, number, number];
      init.normal(m.weight, Math.sqrt(2 / (o * kh * kw)), rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof Linear) {
      init.kaimingUniform(m.weight, m.inFeatures, rng);
      if (m.bias) init.kaimingUniform(m.bias, m.inFeatures, rng);
    } else if (m instanceof BatchNorm2d) {
      init.constant(m.weight, 1);
      init.constant(m.bias, 0);
      init.constant(m.running_mean, 0);
      init.constant(m.running_var, 1);
      m.num_batches_tracked.data.fill(0);
    }
  }
}
