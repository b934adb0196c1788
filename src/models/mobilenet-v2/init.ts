// Initial weights for the Keras backbone and head when no checkpoint gives them (--init random, a new head).
import { init } from '../../nn/index.js';
import { Linear } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import { BatchNorm2d } from '../../nn/vision.js';
import { defaultRandom } from '../../tensor/random.js';
import { KerasConv } from './keras-layers.js';

/**
 * torchvision's MobileNetV2 scheme: convolutions kaiming-normal (fan_out), batch norms weight 1 and bias 0 with
 * fresh statistics, linear layers Normal(0, 0.01) with zero bias.
 */
export function initMobileNetWeights(module: Module): void {
  const rng = defaultRandom();
  for (const [, m] of module.namedModules()) {
    if (m instanceof KerasConv) {
      const [o, , kh, kw] = m.weight.shape as [number, number, number, number];
      init.normal(m.weight, Math.sqrt(2 / (o * kh * kw)), rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof Linear) {
      init.normal(m.weight, 0.01, rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof BatchNorm2d) {
      init.constant(m.weight, 1);
      init.constant(m.bias, 0);
      init.constant(m.running_mean, 0);
      init.constant(m.running_var, 1);
      m.num_batches_tracked.data.fill(0);
    }
  }
}
