// What a model family provides to the loader: building from config.json, transformers' initialisation, checkpoint loading.
import type { RawTensor } from '../io/raw-tensor.js';
import type { ConfigJson } from './encoder/config-fields.js';
import type { CheckpointReport } from './encoder/checkpoint.js';
import type { LabelNames, SequenceClassifier } from './types.js';

export interface ModelFamily {
  /** config.json `model_type` values this family reads. */
  readonly modelTypes: readonly string[];
  /**
   * Checks config.json (`file` names it in errors) and builds a classifier for `labels`. Its weights
   * are placeholders until `initialize` or `loadWeights` sets them.
   */
  create(config: ConfigJson, file: string, labels: LabelNames): SequenceClassifier;
  /** transformers' initial weights for the whole model, or for the named modules only. */
  initialize(model: SequenceClassifier, modules?: readonly string[]): void;
  /**
   * Copies a checkpoint's tensors (read from `file`) into the model; fails on a missing key or a wrong
   * shape in the base model. Initialises what the checkpoint lacks (the head, optional parts) and head
   * tensors of another shape, and reports them with the keys it ignored.
   */
  loadWeights(model: SequenceClassifier, tensors: ReadonlyMap<string, RawTensor>, file: string): CheckpointReport;
}
