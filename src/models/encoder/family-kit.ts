// Builds a ModelFamily for an encoder classifier from its parts: constructor, checkpoint layout, initialisation details.
import type { ModelFamily } from '../family.js';
import type { LabelNames, SequenceClassifier } from '../types.js';
import { loadCheckpoint, type CheckpointLayout } from './checkpoint.js';
import type { ConfigJson } from './config-fields.js';
import { initializeModules, type PaddingRow } from './init.js';

export interface EncoderFamilySpec<M extends SequenceClassifier> {
  readonly modelTypes: readonly string[];
  create(config: ConfigJson, file: string, labels: LabelNames): M;
  readonly layout: CheckpointLayout;
  /** The standard deviation of new weights (config initializer_range). */
  initializerRange(model: M): number;
  /** Embedding rows that start at zero (padding_idx). */
  paddingRows(model: M): PaddingRow[];
  /** Anything transformers initialises differently, after the generic pass over the whole model. */
  afterInitialize?(model: M): void;
}

export function encoderFamily<M extends SequenceClassifier>(spec: EncoderFamilySpec<M>): ModelFamily {
  const initialize = (model: M, modules?: readonly string[]): void => {
    initializeModules(model, spec.initializerRange(model), spec.paddingRows(model), modules);
    if (modules === undefined) spec.afterInitialize?.(model);
  };
  return {
    modelTypes: spec.modelTypes,
    create: (config, file, labels) => spec.create(config, file, labels),
    initialize: (model, modules) => initialize(model as M, modules),
    loadWeights(model, tensors, file) {
      const report = loadCheckpoint(model, tensors, spec.layout, file);
      // Mismatched head tensors are re-drawn with their whole module (a Linear's weight and bias).
      const owners = report.mismatched.map(([name]) => name.slice(0, name.lastIndexOf('.')));
      const modules = [...new Set([...report.newModules, ...owners])];
      if (modules.length > 0) initialize(model as M, modules);
      return report;
    },
  };
}
