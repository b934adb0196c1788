// The models layer: BERT, DistilBERT and RoBERTa bases with sequence or token heads, GPT-2 and Llama-family causal LMs, from Hugging Face folders, the built-in USE-lite, saving, freezing.
export type { EncoderTaskModel, HeadKind, HeadSpec, LabelNames, TextInputs, ProblemType, TaskModel } from './types.js';
export type { ModelFamily } from './family.js';
export {
  createTaskModel,
  loadTaskModel,
  readConfigJson,
  resolveLabels,
  type LoadClassifierOptions,
  type LoadedClassifier,
} from './load.js';
export { checkpointTensors, saveTaskModel } from './save.js';
export { applyFreeze, parseFreezeSpec, type FreezeSpec } from './freeze.js';
export { batchInputs } from './inputs.js';
export { defaultLabels, headSpec, labelList, labelsFromNames, labelsOf } from './labels.js';
export { BUILTIN_MODEL_NAMES, builtinModelLoader, familyFor, registerFamily, supportedModelTypes, type BuiltinModelLoader } from './registry.js';
export { ACTIVATION_NAMES } from './encoder/activation.js';
export { bertFamily } from './bert/index.js';
export { gpt2Family, GPT2LMHeadModel, parseGpt2Config, type Gpt2Config } from './gpt2/index.js';
export { llamaFamily, LlamaForCausalLM, parseLlamaConfig, type LlamaConfig } from './llama/index.js';
export { isCausalLM, setGradientCheckpointing, type CausalLMModel } from './causal/types.js';
export { CAUSAL_LM_HEAD } from './causal/base.js';
export { CAUSAL_MODEL_TYPES, isCausalArchitecture } from './causal/model-types.js';
export { KeyValueCache } from '../tensor/kv-cache.js';
export { distilbertFamily } from './distilbert/index.js';
export { robertaFamily } from './roberta/index.js';
export {
  findUseLitePackage,
  loadBuiltinUseLite,
  parseUseLiteConfig,
  useLiteFamily,
  UseLiteForSequenceClassification,
  USE_LITE_BUILTIN_NAME,
  USE_LITE_LORA_TARGETS,
  USE_LITE_PACKAGE,
  type UseLiteConfig,
} from './use-lite/index.js';
export { imageInputs, type ImageInputs, type ModelInputs } from './types.js';
export { type ImageTaskModel, isImageTaskModel, readPreprocessorFile } from './vision/image-model.js';
export {
  IMAGENET_MEAN,
  IMAGENET_STD,
  type ImagePreprocessor,
  preprocessorConfigJson,
  RESNET_PREPROCESSOR,
  readPreprocessorConfig,
  VIT_PREPROCESSOR,
} from './vision/preprocessor.js';
export { parseResNetConfig, type ResNetConfig, ResNetForImageClassification, resnetFamily } from './resnet/index.js';
export { parseViTConfig, type ViTConfig, ViTForImageClassification, vitFamily } from './vit/index.js';
export {
  loadBuiltinMobileNet,
  MOBILENET_V2_KERAS_TYPE,
  MobileNetV2KerasForImageClassification,
  mobileNetFromTfjs,
  mobileNetV2KerasFamily,
  NSFWJS_MOBILENET_BUILTIN_NAME,
  NSFWJS_PREPROCESSOR,
  readNsfwjsMobileNet,
} from './mobilenet-v2/index.js';
