// BertConfig: the config.json fields a BERT model reads, their defaults (transformers' BertConfig), and checks.
import { FinetuneError } from '../../errors.js';
import { activationByName } from '../encoder/activation.js';
import { ConfigReader, type ConfigJson } from '../encoder/config-fields.js';

/** The BERT-style config (also RoBERTa's and XLM-RoBERTa's, with other defaults). Defaults are transformers'. */
export interface BertConfig {
  /** Rows of the word-embedding table (default 30522). */
  readonly vocabSize: number;
  /** Width H of every token vector (default 768). */
  readonly hiddenSize: number;
  /** Encoder layers (default 12). */
  readonly numHiddenLayers: number;
  /** Attention heads; must divide hiddenSize (default 12). */
  readonly numAttentionHeads: number;
  /** Width of the feed-forward layer (default 3072). */
  readonly intermediateSize: number;
  /** Feed-forward activation, a transformers ACT2FN name (default 'gelu', the erf form). */
  readonly hiddenAct: string;
  /** Dropout after embeddings and each sub-layer (default 0.1). */
  readonly hiddenDropoutProb: number;
  /** Dropout on attention probabilities (default 0.1). */
  readonly attentionProbsDropoutProb: number;
  /** Longest input the position table covers (default 512). */
  readonly maxPositionEmbeddings: number;
  /** Segment types (default 2; RoBERTa checkpoints use 1). */
  readonly typeVocabSize: number;
  /** LayerNorm epsilon (default 1e-12). */
  readonly layerNormEps: number;
  /** Standard deviation of new weights (default 0.02). */
  readonly initializerRange: number;
  /** The padding token id (default 0 for BERT, 1 for RoBERTa). */
  readonly padTokenId: number;
  /** Dropout before the classifier; null means hiddenDropoutProb (default null). */
  readonly classifierDropout: number | undefined;
}

/** Fields transformers 5 writes for a default BertConfig (less model_type and transformers_version). */
export const BERT_CONFIG_DEFAULTS: ConfigJson = {
  add_cross_attention: false,
  attention_probs_dropout_prob: 0.1,
  bos_token_id: null,
  classifier_dropout: null,
  eos_token_id: null,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  is_decoder: false,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 0,
  tie_word_embeddings: true,
  type_vocab_size: 2,
  use_cache: true,
  vocab_size: 30522,
};

/** Reads a BERT-style config.json; `defaults` supplies absent fields (BERT_CONFIG_DEFAULTS or RoBERTa's). */
export function parseBertConfig(json: ConfigJson, file: string, defaults: ConfigJson = BERT_CONFIG_DEFAULTS): BertConfig {
  const r = new ConfigReader({ ...defaults, ...json }, file);
  const positionType = r.string('position_embedding_type', 'absolute');
  if (positionType !== 'absolute') {
    throw new FinetuneError(`${file}: position_embedding_type '${positionType}' is not supported (only 'absolute')`);
  }
  if (r.boolean('is_decoder', false)) throw new FinetuneError(`${file}: is_decoder is true; only encoders are supported`);
  const config: BertConfig = {
    vocabSize: r.positiveInt('vocab_size'),
    hiddenSize: r.positiveInt('hidden_size'),
    numHiddenLayers: r.positiveInt('num_hidden_layers'),
    numAttentionHeads: r.positiveInt('num_attention_heads'),
    intermediateSize: r.positiveInt('intermediate_size'),
    hiddenAct: r.string('hidden_act', 'gelu'),
    hiddenDropoutProb: r.probability('hidden_dropout_prob', 0.1),
    attentionProbsDropoutProb: r.probability('attention_probs_dropout_prob', 0.1),
    maxPositionEmbeddings: r.positiveInt('max_position_embeddings'),
    typeVocabSize: r.positiveInt('type_vocab_size'),
    layerNormEps: r.positiveNumber('layer_norm_eps', 1e-12),
    initializerRange: r.positiveNumber('initializer_range', 0.02),
    padTokenId: r.tokenId('pad_token_id', 0),
    classifierDropout: r.optionalProbability('classifier_dropout'),
  };
  r.divisible('hidden_size', config.hiddenSize, 'num_attention_heads', config.numAttentionHeads);
  activationByName(config.hiddenAct, `${file}: hidden_act`);
  return config;
}
