// ViTConfig: the config.json fields a ViT reads, their defaults (transformers' ViTConfig, vit-base-patch16-224), and checks.
import { FinetuneError } from '../../errors.js';
import { activationByName } from '../encoder/activation.js';
import { type ConfigJson, ConfigReader } from '../encoder/config-fields.js';

export interface ViTConfig {
  /** Width H of every token (default 768). */
  readonly hiddenSize: number;
  /** Transformer blocks (default 12). */
  readonly numHiddenLayers: number;
  /** Attention heads; must divide hiddenSize (default 12). */
  readonly numAttentionHeads: number;
  /** Width of the MLP (default 3072). */
  readonly intermediateSize: number;
  /** MLP activation, a transformers ACT2FN name (default 'gelu', the erf form). */
  readonly hiddenAct: string;
  /** Dropout after embeddings, attention output and MLP (default 0). */
  readonly hiddenDropoutProb: number;
  /** Dropout on attention probabilities (default 0). */
  readonly attentionProbsDropoutProb: number;
  /** Standard deviation of new weights (default 0.02). */
  readonly initializerRange: number;
  /** LayerNorm epsilon (default 1e-12). */
  readonly layerNormEps: number;
  /** Input size [height, width] the position table is for (default 224; a number means a square). */
  readonly imageSize: readonly [number, number];
  /** Patch size [height, width]; must divide imageSize (default 16). */
  readonly patchSize: readonly [number, number];
  /** Channels of pixel_values (default 3). */
  readonly numChannels: number;
  /** Biases on query, key and value (default true). */
  readonly qkvBias: boolean;
}

/** Fields transformers 5 writes for a default ViTConfig (less model_type and transformers_version). */
export const VIT_CONFIG_DEFAULTS: ConfigJson = {
  attention_probs_dropout_prob: 0,
  encoder_stride: 16,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  hidden_size: 768,
  image_size: 224,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-12,
  num_attention_heads: 12,
  num_channels: 3,
  num_hidden_layers: 12,
  patch_size: 16,
  pooler_act: 'tanh',
  qkv_bias: true,
};

function sizePair(json: ConfigJson, key: string, fallback: number, file: string): [number, number] {
  const v = json[key] ?? fallback;
  const pair = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
    throw new FinetuneError(`${file}: ${key} must be a positive integer or [height, width], got ${JSON.stringify(v)}`);
  }
  return [pair[0] as number, pair[1] as number];
}

/** Reads a ViT config.json (`file` names it in errors). */
export function parseViTConfig(json: ConfigJson, file: string): ViTConfig {
  const r = new ConfigReader({ ...VIT_CONFIG_DEFAULTS, ...json }, file);
  const config: ViTConfig = {
    hiddenSize: r.positiveInt('hidden_size'),
    numHiddenLayers: r.positiveInt('num_hidden_layers'),
    numAttentionHeads: r.positiveInt('num_attention_heads'),
    intermediateSize: r.positiveInt('intermediate_size'),
    hiddenAct: r.string('hidden_act', 'gelu'),
    hiddenDropoutProb: r.probability('hidden_dropout_prob', 0),
    attentionProbsDropoutProb: r.probability('attention_probs_dropout_prob', 0),
    initializerRange: r.positiveNumber('initializer_range', 0.02),
    layerNormEps: r.positiveNumber('layer_norm_eps', 1e-12),
    imageSize: sizePair(json, 'image_size', 224, file),
    patchSize: sizePair(json, 'patch_size', 16, file),
    numChannels: r.positiveInt('num_channels'),
    qkvBias: r.boolean('qkv_bias', true),
  };
  r.divisible('hidden_size', config.hiddenSize, 'num_attention_heads', config.numAttentionHeads);
  for (const axis of [0, 1] as const) {
    if (config.imageSize[axis] % config.patchSize[axis] !== 0) {
      throw new FinetuneError(`${file}: image_size ${config.imageSize.join('x')} is not divisible by patch_size ${config.patchSize.join('x')}`);
    }
  }
  activationByName(config.hiddenAct, `${file}: hidden_act`);
  return config;
}
