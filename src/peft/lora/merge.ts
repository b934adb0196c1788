// Folds LoRA updates into the base weights: in place and reversible (merge/unmerge), or for good (mergeLora, PEFT's merge_and_unload).
import type { Module } from '../../nn/module.js';
import { removeLora } from './inject.js';
import { requireLora } from './save.js';

/** Folds every adapter layer's update into its base weight; forward gives the same logits (to float rounding). Returns the layer count. */
export function mergeAdapters(model: Module): number {
  const { layers } = requireLora(model, 'merging the adapter');
  for (const layer of layers.values()) layer.merge();
  return layers.size;
}

/** Takes merged updates back out of the base weights, so A and B train and save again. Returns the layer count. */
export function unmergeAdapters(model: Module): number {
  const { layers } = requireLora(model, 'unmerging the adapter');
  for (const layer of layers.values()) layer.unmerge();
  return layers.size;
}

/**
 * Merges the adapter into the base weights and removes it: the model is a plain model again (its
 * checkpoint has the original keys and no lora_ ones, ready for saveTaskModel) and its
 * parameters train as they did before the adapter came. The head keeps its trained weights. Returns
 * the names of the merged layers.
 */
export function mergeLora(model: Module): string[] {
  mergeAdapters(model);
  const state = removeLora(model)!;
  return [...state.layers.keys()];
}
