// How DistilBERT checkpoints name their tensors beyond our parameter names (transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * DistilBertForSequenceClassification keys: `distilbert.embeddings.*`,
 * `distilbert.transformer.layer.{i}.{attention.{q,k,v,out}_lin, sa_layer_norm, ffn.lin1, ffn.lin2,
 * output_layer_norm}`, and the head `pre_classifier.*` + `classifier.*`. Masked-LM checkpoints carry
 * `vocab_transform`, `vocab_layer_norm` and `vocab_projector` (ignored); base models saved on their own
 * lack the `distilbert.` prefix.
 */
export const DISTILBERT_LAYOUT: CheckpointLayout = {
  basePrefix: 'distilbert.',
  baseRoots: ['embeddings.', 'transformer.'],
  legacySuffixes: [
    ['.gamma', '.weight'],
    ['.beta', '.bias'],
  ],
  optional: [],
};

/** PEFT's default LoRA targets for DistilBERT. */
export const DISTILBERT_LORA_TARGETS = ['q_lin', 'v_lin'] as const;
