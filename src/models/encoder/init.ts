// transformers' weight initialisation for the BERT family: normal(0, initializer_range) weights, zero biases, unit LayerNorms.
import { init } from '../../nn/index.js';
import { Embedding, LayerNorm, Linear, type LinearOptions } from '../../nn/layers.js';
import type { Module } from '../../nn/module.js';
import { defaultRandom, Random } from '../../tensor/random.js';

/**
 * A generator that always answers the middle of its range, so the nn constructors' own initial draws
 * cost nothing and leave zeros: every weight is then set once, by initializeModules (transformers'
 * scheme, from the global seeded generator) or by a checkpoint.
 */
class PlaceholderRandom extends Random {
  override uniform(): number {
    return 0.5;
  }

  override normal(): number {
    return 0;
  }
}

const PLACEHOLDER = new PlaceholderRandom();

/** A Linear layer with zero placeholder weights (see PlaceholderRandom). Shapes: [..., in] -> [..., out]. */
export function placeholderLinear(inFeatures: number, outFeatures: number, options: Omit<LinearOptions, 'rng'> = {}): Linear {
  return new Linear(inFeatures, outFeatures, { ...options, rng: PLACEHOLDER });
}

/** An embedding table [rows, dim] of zero placeholders (see PlaceholderRandom). */
export function placeholderEmbedding(rows: number, dim: number): Embedding {
  return new Embedding(rows, dim, { rng: PLACEHOLDER });
}

/** An embedding table whose padding row starts at zero (nn.Embedding's padding_idx). */
export interface PaddingRow {
  readonly embedding: Embedding;
  readonly row: number;
}

/**
 * Re-initialises every Linear, Embedding and LayerNorm in `module` (and below) the way
 * transformers' `_init_weights` does: weights ~ Normal(0, std), biases 0, LayerNorm weight 1 and
 * bias 0, then zeroes the listed padding rows.
 */
export function initWeights(module: Module, std: number, paddingRows: readonly PaddingRow[] = [], rng: Random = defaultRandom()): void {
  for (const [, m] of module.namedModules()) {
    if (m instanceof Linear) {
      init.normal(m.weight, std, rng);
      if (m.bias) init.constant(m.bias, 0);
    } else if (m instanceof Embedding) {
      init.normal(m.weight, std, rng);
    } else if (m instanceof LayerNorm) {
      init.constant(m.weight, 1);
      init.constant(m.bias, 0);
    }
  }
  for (const { embedding, row } of paddingRows) {
    if (row >= 0 && row < embedding.numEmbeddings) embedding.weight.f32().fill(0, row * embedding.dim, (row + 1) * embedding.dim);
  }
}

/**
 * transformers' initialisation of the whole model (no `prefixes`) or of the named modules only (a new
 * head, a missing pooler). Padding rows are zeroed when the whole model is initialised.
 */
export function initializeModules(model: Module, std: number, paddingRows: readonly PaddingRow[], prefixes?: readonly string[]): void {
  if (prefixes === undefined) {
    initWeights(model, std, paddingRows);
    return;
  }
  const modules = new Map(model.namedModules());
  for (const prefix of prefixes) {
    const module = modules.get(prefix);
    if (!module) throw new Error(`initializeModules: the model has no module '${prefix}'`);
    initWeights(module, std);
  }
}
