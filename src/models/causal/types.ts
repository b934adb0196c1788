// The contract of a decoder-only language model: a TaskModel whose head is the lm_head, plus the cached step that generation runs.
import { FinetuneError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { TaskModel, TextInputs } from '../types.js';
import type { KeyValueCache } from '../../tensor/kv-cache.js';

/**
 * A causal language model (GPT2LMHeadModel, LlamaForCausalLM, ...). `forward` gives logits [B, T, V], not shifted
 * (the task shifts them against the labels); `features` the final-norm hidden states [B, T, H]; `classify` the
 * lm_head. `labels` is empty and `numLabels` is V. Positions come from the attention mask (cumsum - 1, 1 at
 * padding, as transformers' generate computes position_ids), so left and right padding both work.
 */
export interface CausalLMModel extends TaskModel {
  /** V: rows of the embedding table and logits per token. */
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** config.json's token ids (null when it names none; a list keeps its first entry in eosTokenIds). */
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  /** Every id that ends generation (config.json's eos_token_id may be a list). */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  /** Longest sequence the position table covers (GPT-2's n_positions; rotary models: max_position_embeddings). */
  readonly maxPositions: number;
  /** Recompute each layer's activations in backward instead of keeping them (default false). */
  gradientCheckpointing: boolean;
  /** A key / value cache sized for `batch` rows and up to `capacity` tokens. */
  createCache(batch: number, capacity: number): KeyValueCache;
  /**
   * Runs the new tokens `inputs.inputIds` [B, Tn] after those `cache` holds, appending their keys and values:
   * logits [B, Tn, V]. `inputs.attentionMask` covers the cached and the new tokens: [B, Tc + Tn].
   */
  forwardCached(inputs: TextInputs, cache: KeyValueCache): Tensor;
}

/** Whether a task model is a causal language model. */
export function isCausalLM(model: TaskModel): model is CausalLMModel {
  return model.head.kind === 'causal-lm';
}

/**
 * Turns gradient checkpointing on or off (`--gradient-checkpointing`): each decoder layer's activations are
 * recomputed in backward instead of kept. Only causal language models have it; others fail naming `option`.
 */
export function setGradientCheckpointing(model: TaskModel, enabled: boolean, option = '--gradient-checkpointing'): void {
  if (!isCausalLM(model)) {
    if (!enabled) return;
    throw new FinetuneError(`${option}: the ${model.modelType} model does not support it (causal language models: gpt2, llama, qwen2, mistral)`);
  }
  model.gradientCheckpointing = enabled;
}
