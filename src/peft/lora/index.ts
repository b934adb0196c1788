// LoRA: adapters on Linear layers, applied by PEFT's name rules, trained, merged, and exchanged with PEFT's file format.
export {
  ADAPTER_CONFIG_FILE,
  LORA_BIAS_VALUES,
  PEFT_FORMAT_VERSION,
  SEQ_CLS_HEAD_NAMES,
  loraConfigJson,
  loraConfigText,
  parseLoraConfig,
  readLoraConfig,
  type LoraBias,
  type LoraConfig,
  type ModuleSelector,
} from './config.js';
export { LoraLinear, type LoraLinearOptions } from './layer.js';
export { isModuleToSave, isTargetModule, patternValue, rankAndScale } from './patterns.js';
export { injectLora, loraState, modulesToSaveIn, removeLora, targetModuleNames, type InjectOptions, type LoraState } from './inject.js';
export { ALL_LINEAR, LORA_DEFAULTS, applyLora, loraConfigFromOptions, type LoraOptions } from './apply.js';
export { ADAPTER_WEIGHTS_FILE, PEFT_KEY_PREFIX, adapterTensors, saveAdapter, saveAdapterModel } from './save.js';
export { ADAPTER_WEIGHTS_FILES, attachAdapter, findAdapterWeights, isAdapterFolder, loadAdapter, parameterNameOfKey } from './load.js';
export { isAdapterOnlyFolder, loadClassifierWithAdapter, type LoadWithAdapterOptions, type LoadedAdapterClassifier } from './load-model.js';
export { mergeAdapters, mergeLora, unmergeAdapters } from './merge.js';
