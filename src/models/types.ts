// The contract between model families and the rest: inputs, a task model split into a pre-trained base and a task head, saving.
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

/** A tokenized, padded batch. Shapes: B batch, T tokens. */
export interface TextInputs {
  /** int32 [B, T] token ids. */
  readonly inputIds: Tensor;
  /** int32 [B, T]: 1 for tokens, 0 for padding. */
  readonly attentionMask: Tensor;
  /** int32 [B, T] segment ids for sentence pairs (families without them ignore it). */
  readonly tokenTypeIds?: Tensor;
}

/** A batch of images, resized and normalised as the model's preprocessor_config.json says. */
export interface ImageInputs {
  /** float32 [B, C, H, W] (channels first, as transformers' pixel_values). */
  readonly pixelValues: Tensor;
}

/** What a task model reads: text (token ids) or images (pixels). */
export type ModelInputs = TextInputs | ImageInputs;

/** Narrows a batch to text inputs; a text model given images fails here by name. */
export function textInputs(inputs: ModelInputs): TextInputs {
  if (!('inputIds' in inputs)) throw new TypeError('a text model was given image inputs (pixel_values)');
  return inputs;
}

/** Narrows a batch to image inputs; an image model given token ids fails here by name. */
export function imageInputs(inputs: ModelInputs): ImageInputs {
  if (!('pixelValues' in inputs)) throw new TypeError('an image model was given text inputs (input_ids)');
  return inputs;
}

/** Labels of a classification head, as config.json stores them. */
export interface LabelNames {
  readonly id2label: Readonly<Record<string, string>>;
  readonly label2id: Readonly<Record<string, number>>;
}

/**
 * Which head sits on the base, as transformers names the classes: `...ForSequenceClassification` reads
 * one vector per input, `...ForTokenClassification` one per token, `...ForImageClassification` one per image
 * (its forward takes ImageInputs; features are the pooled base output [B, F]).
 */
export type HeadKind = 'sequence-classification' | 'token-classification' | 'image-classification';

/** config.json `problem_type` of a sequence head: which loss transformers pairs with its logits. */
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

/** The head a task asks a family for. */
export interface HeadSpec {
  readonly kind: HeadKind;
  /** The head's outputs by name (a regression head has one, LABEL_0 unless named). */
  readonly labels: LabelNames;
  /** The loss the logits are trained with (token heads: always single-label). */
  readonly problemType: ProblemType;
}

/**
 * A pre-trained base with a task head, split where a frozen base ends: `features` runs the base
 * (everything `--freeze base` freezes) and `classify` the trainable head, so a trainer can cache
 * features when the base is frozen. forward = classify(features(inputs)).
 * Shapes: sequence heads give logits [B, C] from features [B, F]; token heads [B, T, C] from [B, T, H].
 */
export interface TaskModel extends Module {
  /** config.json's model_type: 'bert', 'distilbert', 'roberta', 'xlm-roberta', 'use-lite'. */
  readonly modelType: string;
  /** transformers' class name, written to config.json `architectures`. */
  readonly architecture: string;
  readonly head: HeadSpec;
  readonly labels: LabelNames;
  /** Outputs per input (sequence heads) or per token (token heads). */
  readonly numLabels: number;
  forward(inputs: ModelInputs): Tensor;
  /** The base's output consumed by the head. */
  features(inputs: ModelInputs): Tensor;
  /** The head: features -> logits. */
  classify(features: Tensor): Tensor;
  /** Parameter-name prefixes of the head (trained under `--freeze base`; PEFT's modules_to_save). */
  readonly headModules: readonly string[];
  /** Parameter-name prefix of the embeddings (for `--freeze embeddings`). */
  readonly embeddingsPrefix: string;
  /** Parameter-name prefixes of the encoder layers, lowest first (for `--freeze N`). */
  readonly layerPrefixes: readonly string[];
  /** Default LoRA target module-name suffixes (PEFT's defaults for the family). */
  readonly defaultLoraTargets: readonly string[];
  /** The config.json this model saves (with architectures, problem_type, id2label, label2id). */
  configJson(): Record<string, unknown>;
  /** Checkpoint key -> tensor, exactly as the reference implementation names and shapes them. */
  checkpointState(): Map<string, Tensor>;
}

/** A text encoder with a task head (BERT, DistilBERT, RoBERTa, XLM-RoBERTa, use-lite): the contract plus what tools and tests inspect. */
export interface EncoderTaskModel extends TaskModel {
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** The encoder's output [B, T, H] (transformers' last_hidden_state). */
  lastHiddenState(inputs: TextInputs): Tensor;
}
