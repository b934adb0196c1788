// transformers' initial weights for ViT: Normal(0, initializer_range) linear and patch weights, zero biases, unit LayerNorms, truncated-normal CLS and positions.
import { init } from '../../nn/index.js';
import { LayerNorm, Linear } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import { Conv2d } from '../../nn/vision.js';
import { defaultRandom } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ViTEmbeddings } from './model.js';

/** Normal(0, std) redrawn outside [-2, 2] (torch.nn.init.trunc_normal_'s default bounds). */
function truncNormal(t: Tensor, std: number): void {
  const rng = defaultRandom();
  const d = t.f32();
  for (let i = 0; i < d.length; i++) {
    let v = std * rng.normal();
    while (v < -2 || v > 2) v = std * rng.normal();
    d[i] = v;
  }
}

/** ViTPreTrainedModel._init_weights over `module` and below. */
export function initViTWeights(module: Module, std: number): void {
  const rng = defaultRandom();
  for (const [, m] of module.namedModules()) {
    if (m instanceof Linear || m instanceof Conv2d) {
      init.normal(m.weight, std, rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof LayerNorm) {
      init.constant(m.weight, 1);
      init.constant(m.bias, 0);
    } else if (m instanceof ViTEmbeddings) {
      truncNormal(m.position_embeddings, std);
      truncNormal(m.cls_token, std);
    }
  }
}
