// The nn layer: modules, parameters, layers, attention helpers and initialisers.
export { Module, ModuleBuffer, Parameter, matchesPattern, type NamePattern, type NamedOptions } from './module.js';
export { Linear, Embedding, LayerNorm, Dropout, type LinearOptions } from './layers.js';
export {
  scaledDotProductAttention,
  multiHeadAttention,
  splitHeads,
  mergeHeads,
  additiveMask,
  type AttentionOptions,
  type MultiHeadAttentionOptions,
} from './attention.js';
export { RMSNorm } from './rms-norm.js';
export { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, MaxPool2d, type BatchNorm2dLayerOptions, type Conv2dLayerOptions } from './vision.js';
export {
  ropeInverseFrequencies,
  rotaryTables,
  type RopeConfig,
  type RopeParameters,
  type RopeFrequencies,
} from './rotary.js';
export * as init from './init.js';
export { QuantizedLinear, quantizeLinearLayers, replaceLinearLayers } from './quantized-linear.js';
export { PackedLinear, packLinearLayers } from './packed-linear.js';
