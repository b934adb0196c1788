// Builds a ModelFamily for an image classifier from its parts: the model it builds, checkpoint layout, initialisation.
import type { Module } from '../../nn/module.js';
import { type CheckpointLayout, loadCheckpoint } from '../encoder/checkpoint.js';
import type { ConfigJson } from '../encoder/config-fields.js';
import type { ModelFamily } from '../family.js';
import type { HeadSpec } from '../types.js';
import type { VisionClassifierBase } from './classifier-base.js';

export interface ImageFamilySpec {
  readonly modelTypes: readonly string[];
  /** Builds the model config.json describes; fails unless `head` is an image-classification head. */
  create(config: ConfigJson, file: string, head: HeadSpec): VisionClassifierBase;
  readonly layout: CheckpointLayout;
  /** transformers' _init_weights over `module` and everything below it. */
  initialize(module: Module, model: VisionClassifierBase): void;
}

export function imageFamily(spec: ImageFamilySpec): ModelFamily {
  const initialize = (model: VisionClassifierBase, modules?: readonly string[]): void => {
    if (modules === undefined) {
      spec.initialize(model, model);
      return;
    }
    const named = new Map(model.namedModules());
    for (const name of modules) {
      const module = named.get(name);
      if (!module) throw new Error(`initialize: the model has no module '${name}'`);
      spec.initialize(module, model);
    }
  };
  return {
    modelTypes: spec.modelTypes,
    create: (config, file, head) => spec.create(config, file, head),
    initialize: (model, modules) => initialize(model as VisionClassifierBase, modules),
    loadWeights(model, tensors, file) {
      const report = loadCheckpoint(model, tensors, spec.layout, file);
      // A head of another shape is re-drawn whole (the Linear's weight and bias).
      const owners = report.mismatched.map(([name]) => name.slice(0, name.lastIndexOf('.')));
      const modules = [...new Set([...report.newModules, ...owners])];
      if (modules.length > 0) initialize(model as VisionClassifierBase, modules);
      return report;
    },
  };
}
