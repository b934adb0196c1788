// ResNetConfig: the config.json fields a ResNet reads, their defaults (transformers' ResNetConfig, resnet-50), and checks.
import { FinetuneError } from '../../errors.js';
import { activationByName } from '../encoder/activation.js';
import { type ConfigJson, ConfigReader } from '../encoder/config-fields.js';

export interface ResNetConfig {
  /** Channels of pixel_values (default 3). */
  readonly numChannels: number;
  /** Channels out of the 7 x 7 stem convolution (default 64). */
  readonly embeddingSize: number;
  /** Output channels of each stage (default [256, 512, 1024, 2048]). */
  readonly hiddenSizes: readonly number[];
  /** Layers in each stage (default [3, 4, 6, 3]). */
  readonly depths: readonly number[];
  /** 'basic' (two 3 x 3 convolutions: resnet-18/34) or 'bottleneck' (1 x 1, 3 x 3, 1 x 1: resnet-50 up) (default 'bottleneck'). */
  readonly layerType: 'basic' | 'bottleneck';
  /** Activation after each convolution block, a transformers ACT2FN name (default 'relu'). */
  readonly hiddenAct: string;
  /** Stride 2 in the first stage too (default false). */
  readonly downsampleInFirstStage: boolean;
  /** Bottleneck layers stride in their first 1 x 1 convolution instead of the 3 x 3 (default false). */
  readonly downsampleInBottleneck: boolean;
}

/** Reads a ResNet config.json (`file` names it in errors). */
export function parseResNetConfig(json: ConfigJson, file: string): ResNetConfig {
  const r = new ConfigReader(json, file);
  const list = (key: string, fallback: readonly number[]): readonly number[] => {
    const v = json[key] ?? fallback;
    if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isInteger(x) && x >= 1)) {
      throw new FinetuneError(`${file}: ${key} must be a non-empty list of positive integers, got ${JSON.stringify(json[key])}`);
    }
    return v as number[];
  };
  const layerType = r.string('layer_type', 'bottleneck');
  if (layerType !== 'basic' && layerType !== 'bottleneck') throw new FinetuneError(`${file}: layer_type '${layerType}' is not 'basic' or 'bottleneck'`);
  const config: ResNetConfig = {
    numChannels: r.positiveInt('num_channels', 3),
    embeddingSize: r.positiveInt('embedding_size', 64),
    hiddenSizes: list('hidden_sizes', [256, 512, 1024, 2048]),
    depths: list('depths', [3, 4, 6, 3]),
    layerType,
    hiddenAct: r.string('hidden_act', 'relu'),
    downsampleInFirstStage: r.boolean('downsample_in_first_stage', false),
    downsampleInBottleneck: r.boolean('downsample_in_bottleneck', false),
  };
  if (config.hiddenSizes.length !== config.depths.length) {
    throw new FinetuneError(`${file}: hidden_sizes has ${config.hiddenSizes.length} stages but depths ${config.depths.length}`);
  }
  if (layerType === 'bottleneck') {
    const bad = config.hiddenSizes.find((s) => s % 4 !== 0);
    if (bad !== undefined) throw new FinetuneError(`${file}: hidden_sizes entry ${bad} is not divisible by 4 (a bottleneck layer reduces by 4)`);
  }
  activationByName(config.hiddenAct, `${file}: hidden_act`);
  return config;
}

/** The fields transformers writes for this config (stage names and backbone outputs follow the depths). */
export function resnetConfigDefaults(config: ResNetConfig): ConfigJson {
  const stages = config.depths.length;
  return {
    depths: [...config.depths],
    downsample_in_bottleneck: config.downsampleInBottleneck,
    downsample_in_first_stage: config.downsampleInFirstStage,
    embedding_size: config.embeddingSize,
    hidden_act: config.hiddenAct,
    hidden_sizes: [...config.hiddenSizes],
    layer_type: config.layerType,
    num_channels: config.numChannels,
    out_features: [`stage${stages}`],
    out_indices: [stages],
    stage_names: ['stem', ...Array.from({ length: stages }, (_, i) => `stage${i + 1}`)],
  };
}
