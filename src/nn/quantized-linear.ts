// Int8 inference: QuantizedLinear, and the swap of every Linear of a model for one (what `predict --quantize int8` runs), by replaceLinearLayers.
import { type Int8LinearWeights, linearInt8, quantizeLinearWeights } from '../tensor/ops/linear-int8.js';
import { Tensor } from '../tensor/tensor.js';
import { Linear } from './layers.js';
import { Module } from './module.js';

/** A Linear whose weight is int8 per output channel and whose input is quantised per call (no parameters, no gradient). */
export class QuantizedLinear extends Module {
  constructor(readonly weights: Int8LinearWeights) {
    super();
  }

  static fromLinear(linear: Linear): QuantizedLinear {
    // The scheme quantises per output channel of a [out, in] weight; GPT-2's Conv1D keeps [in, out].
    const weight = linear.fanInFanOut ? transposed(linear.weight) : linear.weight;
    return new QuantizedLinear(quantizeLinearWeights(weight, linear.bias));
  }

  /** Shapes: x [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    return linearInt8(x, this.weights);
  }
}

/** A copy of a 2-D weight with its axes swapped: [rows, cols] -> [cols, rows]. */
function transposed(weight: Tensor): Tensor {
  const [rows, cols] = weight.shape as [number, number];
  const from = weight.f32();
  const to = new Float32Array(from.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) to[c * rows + r] = from[r * cols + c]!;
  return new Tensor(to, [cols, rows]);
}

/**
 * Replaces every Linear under `model` by a QuantizedLinear, in place (a Linear reached under two names is
 * quantised once). The model then runs inference only; returns the names replaced.
 */
export function quantizeLinearLayers(model: Module): string[] {
  return replaceLinearLayers(model, (linear) => QuantizedLinear.fromLinear(linear));
}

/** Replaces every Linear under `model` by make(linear), in place, once per Linear (however many names reach it); returns the names. */
export function replaceLinearLayers(model: Module, make: (linear: Linear) => Module): string[] {
  const done = new Map<Linear, Module>();
  const names: string[] = [];
  for (const [name, module] of model.namedModules('', { removeDuplicate: false })) {
    if (!(module instanceof Linear)) continue;
    let replacement = done.get(module);
    if (!replacement) done.set(module, (replacement = make(module)));
    const parts = name.split('.');
    let parent: Record<string, unknown> = model as unknown as Record<string, unknown>;
    for (const part of parts.slice(0, -1)) parent = parent[part] as Record<string, unknown>;
    parent[parts.at(-1)!] = replacement;
    names.push(name);
  }
  return names;
}
