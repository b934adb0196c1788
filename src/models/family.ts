// What a model family provides to the loader: building a base with the head a task asks for, transformers' initialisation, checkpoint loading.
import type { RawTensor } from '../io/raw-tensor.js';
import type { ConfigJson } from './encoder/config-fields.js';
import type { CheckpointReport } from './encoder/checkpoint.js';
import type { HeadSpec, TaskModel } from './types.js';

export interface ModelFamily {
  /** config.json `model_type` values this family reads. */
  readonly modelTypes: readonly string[];
  /**
   * Checks config.json (`file` names it in errors) and builds the base with the head `head` asks for.
   * Its weights are placeholders until `initialize` or `loadWeights` sets them.
   */
  create(config: ConfigJson, file: string, head: HeadSpec): TaskModel;
  /** transformers' initial weights for the whole model, or for the named modules only. */
  initialize(model: TaskModel, modules?: readonly string[]): void;
  /**
   * Copies a checkpoint's tensors (read from `file`) into the model; fails on a missing key or a wrong
   * shape in the base model. Initialises what the checkpoint lacks (the head, optional parts) and head
   * tensors of another shape, and reports them with the keys it ignored.
   */
  loadWeights(model: TaskModel, tensors: ReadonlyMap<string, RawTensor>, file: string): CheckpointReport;
}
