// Builds a ModelFamily for an encoder from its parts: the heads it builds, checkpoint layout, initialisation details.
import { FinetuneError } from '../../errors.js';
import type { ModelFamily } from '../family.js';
import type { HeadKind, HeadSpec } from '../types.js';
import { loadCheckpoint, type CheckpointLayout } from './checkpoint.js';
import type { EncoderBase, EncoderClassifierBase } from './classifier-base.js';
import type { ConfigJson } from './config-fields.js';
import { initializeModules, type PaddingRow } from './init.js';

export interface EncoderFamilySpec<B extends EncoderBase> {
  readonly modelTypes: readonly string[];
  /** Builds the model config.json describes, with the head `head` asks for. */
  create(config: ConfigJson, file: string, head: HeadSpec): EncoderClassifierBase;
  readonly layout: CheckpointLayout;
  /** The standard deviation of new weights (config initializer_range). */
  initializerRange(base: B): number;
  /** Embedding rows that start at zero (padding_idx). */
  paddingRows(base: B): PaddingRow[];
  /** Anything transformers initialises differently, after the generic pass over the whole model. */
  afterInitialize?(base: B): void;
}

export function encoderFamily<B extends EncoderBase>(spec: EncoderFamilySpec<B>): ModelFamily {
  const initialize = (model: EncoderClassifierBase, modules?: readonly string[]): void => {
    const base = model.base as B;
    initializeModules(model, spec.initializerRange(base), spec.paddingRows(base), modules);
    if (modules === undefined) spec.afterInitialize?.(base);
  };
  return {
    modelTypes: spec.modelTypes,
    create: (config, file, head) => spec.create(config, file, textHead(head, config, file)),
    initialize: (model, modules) => initialize(model as EncoderClassifierBase, modules),
    loadWeights(model, tensors, file) {
      const report = loadCheckpoint(model, tensors, spec.layout, file);
      // Mismatched head tensors are re-drawn with their whole module (a Linear's weight and bias).
      const owners = report.mismatched.map(([name]) => name.slice(0, name.lastIndexOf('.')));
      const modules = [...new Set([...report.newModules, ...owners])];
      if (modules.length > 0) initialize(model as EncoderClassifierBase, modules);
      return report;
    },
  };
}

/** `head` when a text model can carry it; an image head fails naming the file (a text model reads no pixels). */
export function textHead(head: HeadSpec, config: ConfigJson, file: string): HeadSpec {
  if (head.kind === 'image-classification')
    throw new FinetuneError(`${file}: a ${String(config.model_type)} model reads text; it has no image-classification head`);
  return head;
}

/** transformers' class name for a family's head: `${prefix}ForSequenceClassification` or `...ForTokenClassification`. */
export function architectureName(prefix: string, kind: HeadKind): string {
  return `${prefix}${kind === 'token-classification' ? 'ForTokenClassification' : 'ForSequenceClassification'}`;
}
