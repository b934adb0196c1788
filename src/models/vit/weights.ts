// How ViT checkpoints (google/vit-*) name their tensors beyond our parameter names (which are the saved keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * ViTForImageClassification keys as save_pretrained writes them (and google/vit-* ship):
 * `vit.embeddings.{cls_token, position_embeddings, patch_embeddings.projection.*}`,
 * `vit.encoder.layer.{i}.{attention.attention.{query,key,value}, attention.output.dense, intermediate.dense,
 * output.dense, layernorm_before, layernorm_after}.*`, `vit.layernorm.*`, `classifier.*`. Checkpoints of ViTModel
 * carry a `vit.pooler.dense` that the classifier does not use (ignored), or lack the `vit.` prefix.
 */
export const VIT_LAYOUT: CheckpointLayout = {
  basePrefix: 'vit.',
  baseRoots: ['embeddings.', 'encoder.', 'layernorm.'],
  legacySuffixes: [],
  optional: [],
};

/** PEFT's LoRA targets for ViT's attention (google/vit-* module names). */
export const VIT_LORA_TARGETS = ['query', 'value'] as const;
