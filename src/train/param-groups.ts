// AdamW parameter groups as transformers builds them: weight decay on weights, none on biases and LayerNorm parameters.
import { LayerNorm } from '../nn/layers.js';
import type { Module, Parameter } from '../nn/module.js';
import type { ParamGroup } from './optim/optimizer.js';

/**
 * Trainable parameters split into a decayed group and a group with weight decay 0 (biases and LayerNorm).
 * A tied parameter is in one group once; buffers are never in either.
 */
export function weightDecayGroups(model: Module, weightDecay: number): ParamGroup[] {
  const layerNormParams = new Set<Parameter>();
  for (const [, module] of model.namedModules()) if (module instanceof LayerNorm) for (const p of module.parameters()) layerNormParams.add(p);
  const decay: Parameter[] = [];
  const noDecay: Parameter[] = [];
  for (const [name, p] of model.namedParameters()) {
    if (!p.requiresGrad) continue;
    // Old checkpoints name LayerNorm parameters gamma/beta; the module type catches those too.
    if (name.endsWith('bias') || layerNormParams.has(p) || /(^|\.)(LayerNorm|layer_norm|layernorm)\./.test(name)) noDecay.push(p);
    else decay.push(p);
  }
  return [
    { params: decay, weightDecay },
    { params: noDecay, weightDecay: 0 },
  ];
}

/** The names of the trainable parameters, in the order weightDecayGroups puts them (the optimizer's order). */
export function trainableNamesInGroupOrder(model: Module, groups: readonly ParamGroup[]): string[] {
  const nameOf = new Map<Parameter, string>(model.namedParameters().map(([n, p]) => [p, n]));
  return groups.flatMap((g) => g.params.map((p) => nameOf.get(p)!));
}
