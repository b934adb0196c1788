// Initial weights of a USE-lite classifier: the whole model for `--init random`, or a new head.
import { init } from '../../nn/index.js';
import { Embedding, LayerNorm, Linear } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import { defaultRandom, type Random } from '../../tensor/random.js';

/** Standard deviation of a new classifier's weights (transformers' initializer_range). */
export const HEAD_INIT_STD = 0.02;

/**
 * Initialises `module` and everything below it as the architecture's own training code (tensor2tensor)
 * starts: embeddings ~ Normal(0, 1/sqrt(dim)); Linear weights ~ Uniform(+-sqrt(3 / fan_in)) (its
 * `uniform_unit_scaling` initializer, which keeps activations at unit scale); biases 0; layer norms 1 and 0.
 */
export function initEncoderWeights(module: Module, rng: Random = defaultRandom()): void {
  for (const [, m] of module.namedModules()) {
    if (m instanceof Linear) {
      init.uniform(m.weight, Math.sqrt(3 / m.inFeatures), rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof Embedding) {
      init.normal(m.weight, 1 / Math.sqrt(m.dim), rng);
    } else if (m instanceof LayerNorm) {
      init.constant(m.weight, 1);
      init.constant(m.bias, 0);
    }
  }
}

/** A new classifier: weights ~ Normal(0, 0.02), bias 0, as transformers starts a head. */
export function initHead(head: Linear, rng: Random = defaultRandom()): void {
  init.normal(head.weight, HEAD_INIT_STD, rng);
  if (head.bias) init.constant(head.bias, 0);
}
