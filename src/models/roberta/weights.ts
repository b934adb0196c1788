// How RoBERTa and XLM-RoBERTa checkpoints name their tensors beyond our parameter names (transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * RobertaForSequenceClassification keys: `roberta.embeddings.*`, `roberta.encoder.layer.{i}.*` (BERT's
 * layer names), `classifier.dense.*` and `classifier.out_proj.*`. The classifier model has no pooler, so a
 * base checkpoint's `roberta.pooler.*` is ignored, as are `lm_head.*` and the `position_ids` buffer. Base
 * models saved on their own lack the `roberta.` prefix.
 */
export const ROBERTA_LAYOUT: CheckpointLayout = {
  basePrefix: 'roberta.',
  baseRoots: ['embeddings.', 'encoder.', 'pooler.'],
  legacySuffixes: [
    ['.gamma', '.weight'],
    ['.beta', '.bias'],
  ],
  optional: [],
};

/** PEFT's default LoRA targets for RoBERTa and XLM-RoBERTa. */
export const ROBERTA_LORA_TARGETS = ['query', 'value'] as const;
