// GPT2Config: the config.json fields a GPT-2 model reads, their defaults (transformers' GPT2Config), and checks.
import { FinetuneError } from '../../errors.js';
import { activationByName } from '../encoder/activation.js';
import { ConfigReader, type ConfigJson } from '../encoder/config-fields.js';

/** GPT-2's config (also DistilGPT2's). Defaults are transformers'. */
export interface Gpt2Config {
  /** Rows of the token table wte (default 50257). */
  readonly vocabSize: number;
  /** Rows of the position table wpe: the longest input (default 1024). */
  readonly nPositions: number;
  /** Hidden width H (default 768). */
  readonly nEmbd: number;
  /** Decoder blocks (default 12). */
  readonly nLayer: number;
  /** Attention heads; must divide nEmbd (default 12). */
  readonly nHead: number;
  /** Width of the MLP (n_inner; default null, meaning 4 * nEmbd). */
  readonly nInner: number;
  /** MLP activation, a transformers ACT2FN name (default 'gelu_new', the tanh form). */
  readonly activationFunction: string;
  /** Dropout after each sub-layer (default 0.1). */
  readonly residPdrop: number;
  /** Dropout after the embeddings (default 0.1). */
  readonly embdPdrop: number;
  /** Dropout on attention probabilities (default 0.1). */
  readonly attnPdrop: number;
  /** LayerNorm epsilon (default 1e-5). */
  readonly layerNormEpsilon: number;
  /** Standard deviation of new weights (default 0.02). */
  readonly initializerRange: number;
  /** Divide scores by sqrt(head size) (default true). */
  readonly scaleAttnWeights: boolean;
  /** Also divide layer i's scores by i + 1 (default false). */
  readonly scaleAttnByInverseLayerIdx: boolean;
}

/** Fields transformers 5 writes for a default GPT2Config (less model_type and transformers_version). */
export const GPT2_CONFIG_DEFAULTS: ConfigJson = {
  activation_function: 'gelu_new',
  add_cross_attention: false,
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  n_embd: 768,
  n_head: 12,
  n_inner: null,
  n_layer: 12,
  n_positions: 1024,
  pad_token_id: null,
  reorder_and_upcast_attn: false,
  resid_pdrop: 0.1,
  scale_attn_by_inverse_layer_idx: false,
  scale_attn_weights: true,
  summary_activation: null,
  summary_first_dropout: 0.1,
  summary_proj_to_labels: true,
  summary_type: 'cls_index',
  summary_use_proj: true,
  tie_word_embeddings: true,
  use_cache: true,
  vocab_size: 50257,
};

/** Reads a GPT-2 config.json. */
export function parseGpt2Config(json: ConfigJson, file: string): Gpt2Config {
  const r = new ConfigReader({ ...GPT2_CONFIG_DEFAULTS, ...json }, file);
  if (r.boolean('add_cross_attention', false)) throw new FinetuneError(`${file}: add_cross_attention is true; only decoder-only GPT-2 is supported`);
  if (!r.boolean('tie_word_embeddings', true)) throw new FinetuneError(`${file}: tie_word_embeddings is false; GPT2LMHeadModel always ties lm_head to wte`);
  const nEmbd = r.positiveInt('n_embd');
  const config: Gpt2Config = {
    vocabSize: r.positiveInt('vocab_size'),
    nPositions: r.positiveInt('n_positions'),
    nEmbd,
    nLayer: r.positiveInt('n_layer'),
    nHead: r.positiveInt('n_head'),
    nInner: r.positiveInt('n_inner', 4 * nEmbd),
    activationFunction: r.string('activation_function', 'gelu_new'),
    residPdrop: r.probability('resid_pdrop', 0.1),
    embdPdrop: r.probability('embd_pdrop', 0.1),
    attnPdrop: r.probability('attn_pdrop', 0.1),
    layerNormEpsilon: r.positiveNumber('layer_norm_epsilon', 1e-5),
    initializerRange: r.positiveNumber('initializer_range', 0.02),
    scaleAttnWeights: r.boolean('scale_attn_weights', true),
    scaleAttnByInverseLayerIdx: r.boolean('scale_attn_by_inverse_layer_idx', false),
  };
  r.divisible('n_embd', config.nEmbd, 'n_head', config.nHead);
  activationByName(config.activationFunction, `${file}: activation_function`);
  return config;
}
