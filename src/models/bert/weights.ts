// How BERT checkpoints name their tensors beyond our parameter names (which are transformers' keys).
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * BertForSequenceClassification keys: `bert.embeddings.*`, `bert.encoder.layer.{i}.*`, `bert.pooler.dense.*`,
 * `classifier.*`. Older checkpoints name LayerNorm parameters gamma/beta; base models saved on their own
 * (BertModel, sentence-transformers) lack the `bert.` prefix; pre-training checkpoints carry `cls.*` heads
 * and a `position_ids` buffer, which are ignored. Checkpoints saved from BertForMaskedLM have no pooler:
 * it is then initialised, as transformers does.
 */
export const BERT_LAYOUT: CheckpointLayout = {
  basePrefix: 'bert.',
  baseRoots: ['embeddings.', 'encoder.', 'pooler.'],
  legacySuffixes: [
    ['.gamma', '.weight'],
    ['.beta', '.bias'],
  ],
  optional: ['bert.pooler'],
};

/** PEFT's default LoRA targets for BERT. */
export const BERT_LORA_TARGETS = ['query', 'value'] as const;
