// How GPT-2 checkpoints name their tensors beyond our parameter names (which are transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * GPT2LMHeadModel keys: `transformer.{wte,wpe,ln_f}.*`, `transformer.h.{i}.{ln_1,attn.c_attn,attn.c_proj,ln_2,mlp.c_fc,
 * mlp.c_proj}.*`; lm_head.weight is tied to wte and saved once (a file that holds it too must agree). Base models
 * saved on their own (GPT2Model, OpenAI's original files) lack the `transformer.` prefix.
 */
export const GPT2_LAYOUT: CheckpointLayout = {
  basePrefix: 'transformer.',
  baseRoots: ['wte.', 'wpe.', 'h.', 'ln_f.'],
  legacySuffixes: [],
  optional: [],
};

/** Buffers older checkpoints carry that transformers drops on load (the causal mask, the masked score). */
export const GPT2_IGNORED_KEYS = /(^|\.)attn\.(bias|masked_bias)$/;

/** PEFT's default LoRA targets for GPT-2: the fused q/k/v projection (a Conv1D, so fan_in_fan_out). */
export const GPT2_LORA_TARGETS = ['c_attn'] as const;
