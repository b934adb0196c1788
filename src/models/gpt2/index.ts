// The GPT-2 family: GPT2LMHeadModel from config.json and checkpoints (GPT-2, DistilGPT2).
import { init } from '../../nn/index.js';
import { causalFamily } from '../causal/family.js';
import type { ModelFamily } from '../family.js';
import { GPT2_CONFIG_DEFAULTS, parseGpt2Config } from './config.js';
import { GPT2LMHeadModel } from './model.js';
import { GPT2_IGNORED_KEYS, GPT2_LAYOUT, GPT2_LORA_TARGETS } from './weights.js';

export { GPT2_CONFIG_DEFAULTS, parseGpt2Config, type Gpt2Config } from './config.js';
export { conv1d, GPT2Attention, GPT2Block, GPT2LMHeadModel, GPT2MLP, GPT2Model } from './model.js';
export { GPT2_IGNORED_KEYS, GPT2_LAYOUT, GPT2_LORA_TARGETS } from './weights.js';

export const gpt2Family: ModelFamily = causalFamily<GPT2LMHeadModel>({
  modelTypes: ['gpt2'],
  build(config, file) {
    const parsed = parseGpt2Config(config, file);
    return new GPT2LMHeadModel(parsed, {
      source: config,
      defaults: GPT2_CONFIG_DEFAULTS,
      modelType: 'gpt2',
      architecture: 'GPT2LMHeadModel',
      baseName: 'transformer',
      layers: 'h',
      embeddings: 'wte',
      vocabSize: parsed.vocabSize,
      hiddenSize: parsed.nEmbd,
      numLayers: parsed.nLayer,
      maxPositions: parsed.nPositions,
      kvWidth: parsed.nEmbd,
      loraTargets: GPT2_LORA_TARGETS,
    });
  },
  layout: GPT2_LAYOUT,
  ignoredKeys: GPT2_IGNORED_KEYS,
  initializerRange: (model) => model.config.initializerRange,
  paddingRows: () => [],
  // GPT-2 scales the residual projections' weights by 1 / sqrt(2 * n_layer) (transformers' GPT2PreTrainedModel._init_weights).
  afterInitialize(model) {
    const std = model.config.initializerRange / Math.sqrt(2 * model.config.nLayer);
    for (const block of model.transformer.h) {
      init.normal(block.attn.c_proj.weight, std);
      init.normal(block.mlp.c_proj.weight, std);
    }
  },
});
