// The contract between model families and the rest: inputs, a sequence classifier split into base and head, saving.
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** A tokenized, padded batch. Shapes: B batch, T tokens. */
export interface ModelInputs {
  /** int32 [B, T] token ids. */
  readonly inputIds: Tensor;
  /** int32 [B, T]: 1 for tokens, 0 for padding. */
  readonly attentionMask: Tensor;
  /** int32 [B, T] segment ids for sentence pairs (families without them ignore it). */
  readonly tokenTypeIds?: Tensor;
}

/** Labels of a classification head, as config.json stores them. */
export interface LabelNames {
  readonly id2label: Readonly<Record<string, string>>;
  readonly label2id: Readonly<Record<string, number>>;
}

/**
 * A model that maps a batch to class logits [B, C], split where a frozen base ends: `features`
 * runs the base (everything `--freeze base` freezes) and `classify` the trainable head, so a
 * trainer can cache features when the base is frozen. forward = classify(features(inputs)).
 */
export interface SequenceClassifier extends Module {
  /** config.json's model_type: 'bert', 'distilbert', 'roberta', 'xlm-roberta', 'use-lite'. */
  readonly modelType: string;
  readonly numLabels: number;
  forward(inputs: ModelInputs): Tensor;
  /** The base's output consumed by the head: [B, F]. */
  features(inputs: ModelInputs): Tensor;
  /** The head: features [B, F] -> logits [B, C]. */
  classify(features: Tensor): Tensor;
  /** Parameter-name prefixes of the head (trained under `--freeze base`; PEFT's modules_to_save). */
  readonly headModules: readonly string[];
  /** Parameter-name prefix of the embeddings (for `--freeze embeddings`). */
  readonly embeddingsPrefix: string;
  /** Parameter-name prefixes of the encoder layers, lowest first (for `--freeze N`). */
  readonly layerPrefixes: readonly string[];
  /** Default LoRA target module-name suffixes (PEFT's defaults for the family). */
  readonly defaultLoraTargets: readonly string[];
  /** The config.json this model saves (with architectures, id2label, label2id). */
  configJson(): Record<string, unknown>;
  /** Checkpoint key -> tensor, exactly as the reference implementation names and shapes them. */
  checkpointState(): Map<string, Tensor>;
}

/**
 * A Hugging Face encoder classifier (BERT, DistilBERT, RoBERTa, XLM-RoBERTa): the contract plus what
 * tools and tests inspect.
 */
export interface EncoderClassifier extends SequenceClassifier {
  /** transformers' class name, written to config.json `architectures`. */
  readonly architecture: string;
  readonly labels: LabelNames;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** The encoder's output [B, T, H] (transformers' last_hidden_state). */
  lastHiddenState(inputs: ModelInputs): Tensor;
}
