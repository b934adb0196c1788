// The Llama family: LlamaForCausalLM, Qwen2ForCausalLM and MistralForCausalLM from config.json and checkpoints (SmolLM2, TinyLlama, Llama 3.x, Qwen2.x).
import { causalFamily } from '../causal/family.js';
import type { ModelFamily } from '../family.js';
import { LLAMA_DEFAULTS, parseLlamaConfig } from './config.js';
import { LlamaForCausalLM } from './model.js';
import { LLAMA_IGNORED_KEYS, LLAMA_LAYOUT, LLAMA_LORA_TARGETS } from './weights.js';

export { LLAMA_DEFAULTS, parseLlamaConfig, type LlamaConfig } from './config.js';
export { LlamaAttention, LlamaDecoderLayer, LlamaForCausalLM, LlamaMLP, LlamaModel } from './model.js';
export { LLAMA_IGNORED_KEYS, LLAMA_LAYOUT, LLAMA_LORA_TARGETS } from './weights.js';

const ARCHITECTURES: Readonly<Record<string, string>> = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', mistral: 'MistralForCausalLM' };

export const llamaFamily: ModelFamily = causalFamily<LlamaForCausalLM>({
  modelTypes: Object.keys(ARCHITECTURES),
  build(config, file) {
    const modelType = String(config.model_type);
    const parsed = parseLlamaConfig(config, file, modelType);
    return new LlamaForCausalLM(parsed, {
      source: config,
      defaults: LLAMA_DEFAULTS[modelType]!,
      modelType,
      architecture: ARCHITECTURES[modelType]!,
      baseName: 'model',
      layers: 'layers',
      embeddings: 'embed_tokens',
      vocabSize: parsed.vocabSize,
      hiddenSize: parsed.hiddenSize,
      numLayers: parsed.numHiddenLayers,
      maxPositions: parsed.maxPositionEmbeddings,
      kvWidth: parsed.numKeyValueHeads * parsed.headDim,
      loraTargets: LLAMA_LORA_TARGETS,
    });
  },
  layout: LLAMA_LAYOUT,
  ignoredKeys: LLAMA_IGNORED_KEYS,
  initializerRange: (model) => model.config.initializerRange,
  paddingRows: (model) => (model.config.padTokenId === null ? [] : [{ embedding: model.model.embed_tokens, row: model.config.padTokenId }]),
});
