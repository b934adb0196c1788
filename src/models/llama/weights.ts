// How Llama-architecture checkpoints (Llama, Qwen2, Mistral) name their tensors beyond our parameter names (which are transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * LlamaForCausalLM keys: `model.embed_tokens.weight`, `model.layers.{i}.{input_layernorm,self_attn.{q,k,v,o}_proj,
 * post_attention_layernorm,mlp.{gate,up,down}_proj}.*`, `model.norm.weight`, `lm_head.weight` (absent when tied to
 * embed_tokens). Base models saved on their own (LlamaModel) lack the `model.` prefix.
 */
export const LLAMA_LAYOUT: CheckpointLayout = {
  basePrefix: 'model.',
  baseRoots: ['embed_tokens.', 'layers.', 'norm.'],
  legacySuffixes: [],
  optional: [],
};

/** The rotary inverse-frequency buffer older checkpoints saved; transformers recomputes it from the config. */
export const LLAMA_IGNORED_KEYS = /(^|\.)rotary_emb\.inv_freq$/;

/** PEFT's default LoRA targets for Llama, Qwen2 and Mistral. */
export const LLAMA_LORA_TARGETS = ['q_proj', 'v_proj'] as const;
