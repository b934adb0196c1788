// LlamaConfig: the config.json fields a Llama-architecture model reads (Llama, Qwen2, Mistral), their defaults per model_type, and checks.
import { FinetuneError } from '../../errors.js';
import { ropeInverseFrequencies, type RopeConfig, type RopeFrequencies } from '../../nn/rotary.js';
import { activationByName } from '../encoder/activation.js';
import { ConfigReader, type ConfigJson } from '../encoder/config-fields.js';

/** A Llama-architecture config. Defaults are transformers' for the model_type (see LLAMA_DEFAULTS). */
export interface LlamaConfig {
  /** Rows of embed_tokens (llama default 32000). */
  readonly vocabSize: number;
  /** Hidden width H (default 4096). */
  readonly hiddenSize: number;
  /** Width of the gated MLP (llama default 11008). */
  readonly intermediateSize: number;
  /** Decoder layers (default 32). */
  readonly numHiddenLayers: number;
  /** Query heads (default 32). */
  readonly numAttentionHeads: number;
  /** Key / value heads (grouped-query; default numAttentionHeads, mistral 8); must divide numAttentionHeads. */
  readonly numKeyValueHeads: number;
  /** Per-head size D (default hiddenSize / numAttentionHeads). */
  readonly headDim: number;
  /** MLP gate activation (default 'silu'). */
  readonly hiddenAct: string;
  /** Longest context the model was made for (llama default 2048). */
  readonly maxPositionEmbeddings: number;
  /** RMSNorm epsilon (default 1e-6). */
  readonly rmsNormEps: number;
  /** Standard deviation of new weights (default 0.02). */
  readonly initializerRange: number;
  /** lm_head shares embed_tokens' weight (default false). */
  readonly tieWordEmbeddings: boolean;
  /** Biases on q/k/v (qwen2: always; llama: attention_bias, default false, also on o_proj). */
  readonly qkvBias: boolean;
  /** Bias on o_proj (llama's attention_bias; default false). */
  readonly outputBias: boolean;
  /** Biases on the MLP projections (mlp_bias; default false). */
  readonly mlpBias: boolean;
  /** Dropout on attention probabilities (default 0). */
  readonly attentionDropout: number;
  /** Mistral's sliding window: longest input attended in full (default null: none). */
  readonly slidingWindow: number | null;
  /** pad_token_id (embed_tokens' padding_idx), or null. */
  readonly padTokenId: number | null;
  /** Rotary inverse frequencies from rope_theta and rope_scaling / rope_parameters (types default, linear, llama3). */
  readonly rope: RopeFrequencies;
}

/** Fields transformers 5 writes for a default config of each model_type (less model_type and transformers_version). */
export const LLAMA_DEFAULTS: Readonly<Record<string, ConfigJson>> = {
  llama: {
    attention_bias: false,
    attention_dropout: 0,
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 11008,
    max_position_embeddings: 2048,
    mlp_bias: false,
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 32,
    pad_token_id: null,
    pretraining_tp: 1,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: false,
    use_cache: true,
    vocab_size: 32000,
  },
  qwen2: {
    attention_dropout: 0,
    bos_token_id: null,
    eos_token_id: null,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 22016,
    max_position_embeddings: 32768,
    max_window_layers: 28,
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 32,
    pad_token_id: null,
    rms_norm_eps: 1e-6,
    sliding_window: null,
    tie_word_embeddings: false,
    use_cache: true,
    use_sliding_window: false,
    vocab_size: 151936,
  },
  mistral: {
    attention_dropout: 0,
    bos_token_id: 1,
    eos_token_id: 2,
    hidden_act: 'silu',
    hidden_size: 4096,
    initializer_range: 0.02,
    intermediate_size: 14336,
    max_position_embeddings: 131072,
    num_attention_heads: 32,
    num_hidden_layers: 32,
    num_key_value_heads: 8,
    pad_token_id: null,
    rms_norm_eps: 1e-6,
    sliding_window: 4096,
    tie_word_embeddings: false,
    use_cache: true,
    vocab_size: 32000,
  },
};

function optionalTokenId(r: ConfigReader, key: string): number | null {
  const v = r.json[key];
  return v === null || v === undefined ? null : r.tokenId(key, 0);
}

/** Reads a Llama, Qwen2 or Mistral config.json (`modelType` picks the defaults). */
export function parseLlamaConfig(json: ConfigJson, file: string, modelType: string): LlamaConfig {
  const defaults = LLAMA_DEFAULTS[modelType];
  if (!defaults) throw new FinetuneError(`${file}: model_type '${modelType}' is not a Llama-architecture model`);
  const merged = { ...defaults, ...json };
  const r = new ConfigReader(merged, file);
  if (modelType === 'qwen2' && r.boolean('use_sliding_window', false)) {
    throw new FinetuneError(`${file}: use_sliding_window is true; sliding-window attention is not supported`);
  }
  const heads = r.positiveInt('num_attention_heads');
  const hiddenSize = r.positiveInt('hidden_size');
  const headDimDefault = Math.floor(hiddenSize / heads);
  const attentionBias = modelType === 'llama' && r.boolean('attention_bias', false);
  const window = modelType === 'mistral' && merged.sliding_window !== null && merged.sliding_window !== undefined ? r.positiveInt('sliding_window') : null;
  const config: LlamaConfig = {
    vocabSize: r.positiveInt('vocab_size'),
    hiddenSize,
    intermediateSize: r.positiveInt('intermediate_size'),
    numHiddenLayers: r.positiveInt('num_hidden_layers'),
    numAttentionHeads: heads,
    numKeyValueHeads: r.positiveInt('num_key_value_heads', heads),
    headDim: r.positiveInt('head_dim', headDimDefault),
    hiddenAct: r.string('hidden_act', 'silu'),
    maxPositionEmbeddings: r.positiveInt('max_position_embeddings'),
    rmsNormEps: r.positiveNumber('rms_norm_eps', 1e-6),
    initializerRange: r.positiveNumber('initializer_range', 0.02),
    tieWordEmbeddings: r.boolean('tie_word_embeddings', false),
    qkvBias: modelType === 'qwen2' || attentionBias,
    outputBias: attentionBias,
    mlpBias: modelType === 'llama' && r.boolean('mlp_bias', false),
    attentionDropout: r.probability('attention_dropout', 0),
    slidingWindow: window,
    padTokenId: optionalTokenId(r, 'pad_token_id'),
    rope: ropeFrequencies(merged, file),
  };
  if (config.numAttentionHeads % config.numKeyValueHeads !== 0) {
    throw new FinetuneError(`${file}: num_attention_heads ${heads} is not divisible by num_key_value_heads ${config.numKeyValueHeads}`);
  }
  if (config.padTokenId !== null && config.padTokenId >= config.vocabSize) {
    throw new FinetuneError(`${file}: pad_token_id ${config.padTokenId} is outside the vocabulary of ${config.vocabSize}`);
  }
  if ((json.pretraining_tp ?? 1) !== 1) throw new FinetuneError(`${file}: pretraining_tp ${String(json.pretraining_tp)} is not supported (only 1)`);
  activationByName(config.hiddenAct, `${file}: hidden_act`);
  return config;
}

function ropeFrequencies(merged: ConfigJson, file: string): RopeFrequencies {
  try {
    return ropeInverseFrequencies(merged as unknown as RopeConfig);
  } catch (error) {
    if (error instanceof FinetuneError) throw new FinetuneError(`${file}: ${error.message}`);
    throw error;
  }
}
