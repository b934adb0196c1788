// DistilBertConfig: the config.json fields a DistilBERT model reads, their defaults (transformers'), and checks.
import { activationByName } from '../encoder/activation.js';
import { ConfigReader, type ConfigJson } from '../encoder/config-fields.js';

/** DistilBERT's config. Defaults are transformers' DistilBertConfig. */
export interface DistilBertConfig {
  /** Rows of the word-embedding table (default 30522). */
  readonly vocabSize: number;
  /** Width H of every token vector (`dim`, default 768). */
  readonly dim: number;
  /** Transformer layers (`n_layers`, default 6). */
  readonly nLayers: number;
  /** Attention heads; must divide dim (`n_heads`, default 12). */
  readonly nHeads: number;
  /** Width of the feed-forward layer (`hidden_dim`, default 3072). */
  readonly hiddenDim: number;
  /** Feed-forward activation (`activation`, default 'gelu'). */
  readonly activation: string;
  /** Dropout after embeddings and the feed-forward layer (default 0.1). */
  readonly dropout: number;
  /** Dropout on attention probabilities (default 0.1). */
  readonly attentionDropout: number;
  /** Dropout before the classifier (`seq_classif_dropout`, default 0.2). */
  readonly seqClassifDropout: number;
  /** Longest input (default 512). */
  readonly maxPositionEmbeddings: number;
  /** Position table initialised with sinusoids instead of random values (default false). */
  readonly sinusoidalPosEmbds: boolean;
  /** Standard deviation of new weights (default 0.02). */
  readonly initializerRange: number;
  /** The padding token id (default 0). */
  readonly padTokenId: number;
}

/** Fields transformers 5 writes for a default DistilBertConfig (less model_type and transformers_version). */
export const DISTILBERT_CONFIG_DEFAULTS: ConfigJson = {
  activation: 'gelu',
  attention_dropout: 0.1,
  bos_token_id: null,
  dim: 768,
  dropout: 0.1,
  eos_token_id: null,
  hidden_dim: 3072,
  initializer_range: 0.02,
  max_position_embeddings: 512,
  n_heads: 12,
  n_layers: 6,
  pad_token_id: 0,
  qa_dropout: 0.1,
  seq_classif_dropout: 0.2,
  sinusoidal_pos_embds: false,
  tie_word_embeddings: true,
  vocab_size: 30522,
};

/** DistilBERT's LayerNorm epsilon: fixed in transformers' code, not a config field. */
export const DISTILBERT_LAYER_NORM_EPS = 1e-12;

export function parseDistilBertConfig(json: ConfigJson, file: string): DistilBertConfig {
  const r = new ConfigReader({ ...DISTILBERT_CONFIG_DEFAULTS, ...json }, file);
  const config: DistilBertConfig = {
    vocabSize: r.positiveInt('vocab_size'),
    dim: r.positiveInt('dim'),
    nLayers: r.positiveInt('n_layers'),
    nHeads: r.positiveInt('n_heads'),
    hiddenDim: r.positiveInt('hidden_dim'),
    activation: r.string('activation', 'gelu'),
    dropout: r.probability('dropout', 0.1),
    attentionDropout: r.probability('attention_dropout', 0.1),
    seqClassifDropout: r.probability('seq_classif_dropout', 0.2),
    maxPositionEmbeddings: r.positiveInt('max_position_embeddings'),
    sinusoidalPosEmbds: r.boolean('sinusoidal_pos_embds', false),
    initializerRange: r.positiveNumber('initializer_range', 0.02),
    padTokenId: r.tokenId('pad_token_id', 0),
  };
  r.divisible('dim', config.dim, 'n_heads', config.nHeads);
  activationByName(config.activation, `${file}: activation`);
  return config;
}
