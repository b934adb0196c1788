// The models layer: BERT, DistilBERT and RoBERTa classifiers from Hugging Face folders, saving, freezing.
export type { EncoderClassifier, LabelNames, ModelInputs, SequenceClassifier } from './types.js';
export type { ModelFamily } from './family.js';
export {
  createSequenceClassifier, loadSequenceClassifier, readConfigJson, resolveLabels,
  type LoadClassifierOptions, type LoadedClassifier,
} from './load.js';
export { checkpointTensors, saveSequenceClassifier } from './save.js';
export { applyFreeze, parseFreezeSpec, type FreezeSpec } from './freeze.js';
export { batchInputs } from './inputs.js';
export { defaultLabels, labelList, labelsFromNames, labelsOf } from './labels.js';
export { familyFor, registerFamily, supportedModelTypes } from './registry.js';
export { ACTIVATION_NAMES } from './encoder/activation.js';
export { bertFamily } from './bert/index.js';
export { distilbertFamily } from './distilbert/index.js';
export { robertaFamily } from './roberta/index.js';
