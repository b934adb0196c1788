// Float32 inference with packed weights: PackedLinear, and the swap of every Linear of a model for one (what `predict` runs).
import { linearPacked, packLinearWeights, type PackedLinearWeights } from '../tensor/ops/linear-packed.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Linear } from './layers.js';
import { Module } from './module.js';
import { replaceLinearLayers } from './quantized-linear.js';

/**
 * A Linear whose weight is packed once for the GEMM kernel (no parameters, no gradient): the same products as
 * Linear, without packing the weight again for every batch, which at a batch of one sequence is a large share of
 * a product's time.
 */
export class PackedLinear extends Module {
  constructor(readonly weights: PackedLinearWeights) {
    super();
  }

  static fromLinear(linear: Linear): PackedLinear {
    return new PackedLinear(packLinearWeights(linear.weight, linear.bias, linear.fanInFanOut));
  }

  /** Shapes: x [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    return linearPacked(x, this.weights);
  }
}

/**
 * Replaces every Linear under `model` by a PackedLinear, in place. The model then runs inference only; returns the
 * names replaced. A LoRA layer keeps its base Linear (outside the module tree) and gets its adapter's two packed.
 */
export function packLinearLayers(model: Module): string[] {
  return replaceLinearLayers(model, (linear) => PackedLinear.fromLinear(linear));
}
