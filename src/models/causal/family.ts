// Builds a ModelFamily for a causal language model: the config check, transformers' initialisation, checkpoint loading with ignored buffers.
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import type { Module } from '../../nn/module.js';
import { loadCheckpoint, type CheckpointLayout } from '../encoder/checkpoint.js';
import type { ConfigJson } from '../encoder/config-fields.js';
import { initializeModules, type PaddingRow } from '../encoder/init.js';
import type { ModelFamily } from '../family.js';
import type { TaskModel } from '../types.js';
import type { CausalLMBase } from './base.js';

export interface CausalFamilySpec<M extends CausalLMBase> {
  readonly modelTypes: readonly string[];
  /** Builds the model config.json describes (its weights are placeholders). */
  build(config: ConfigJson, file: string): M;
  readonly layout: CheckpointLayout;
  /** Checkpoint keys transformers drops on load without a word (old buffers): skipped silently. */
  readonly ignoredKeys: RegExp;
  /** The standard deviation of new weights (config initializer_range). */
  initializerRange(model: M): number;
  /** Embedding rows that start at zero (padding_idx). */
  paddingRows(model: M): PaddingRow[];
  /** What transformers initialises differently, after the generic pass over the whole model. */
  afterInitialize?(model: M): void;
}

export function causalFamily<M extends CausalLMBase>(spec: CausalFamilySpec<M>): ModelFamily {
  const initialize = (model: TaskModel, modules?: readonly string[]): void => {
    const m = model as M;
    initializeModules(m as Module, spec.initializerRange(m), spec.paddingRows(m), modules);
    if (modules === undefined) spec.afterInitialize?.(m);
  };
  return {
    modelTypes: spec.modelTypes,
    create(config, file, head) {
      if (head.kind !== 'causal-lm') {
        throw new FinetuneError(`${file}: model_type '${String(config.model_type)}' is a causal language model; it has no ${head.kind} head`);
      }
      return spec.build(config, file);
    },
    initialize,
    loadWeights(model, tensors, file) {
      const kept = new Map<string, RawTensor>();
      for (const [key, tensor] of tensors) if (!spec.ignoredKeys.test(key)) kept.set(key, tensor);
      // Every parameter is required (the lm_head too, unless tied to the embeddings and saved under their name).
      const report = loadCheckpoint(model, kept, spec.layout, file);
      return { ...report, hadHead: true };
    },
  };
}
