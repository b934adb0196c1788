// The MobileNetV2 (Keras / TF.js Layers) family: our saved layout, and the built-in backbone from nsfwjs.
import { FinetuneError } from '../../errors.js';
import type { CheckpointLayout } from '../encoder/checkpoint.js';
import type { ModelFamily } from '../family.js';
import { imageFamily } from '../vision/family-kit.js';
import { MOBILENET_V2_KERAS_ARCHITECTURE, MOBILENET_V2_KERAS_TYPE, mobileNetV2KerasConfigJson, parseMobileNetV2KerasConfig } from './config.js';
import { initMobileNetWeights } from './init.js';
import { MobileNetV2KerasForImageClassification } from './model.js';

export * from './config.js';
export { KerasGraph, layersUpTo, mobileNetGroup } from './graph.js';
export { buildKerasLayer, KERAS_LAYER_CLASSES, KerasConv, zeroPad } from './keras-layers.js';
export { MobileNetV2KerasForImageClassification, NSFWJS_PREPROCESSOR } from './model.js';
export {
  findNsfwjsMobileNet,
  loadBuiltinMobileNet,
  MOBILENET_V2_BACKBONE_OUTPUT,
  mobileNetFromTfjs,
  NSFWJS_MOBILENET_BUILTIN_NAME,
  NSFWJS_PACKAGE,
  readNsfwjsMobileNet,
} from './pretrained.js';
export { BACKBONE, kerasInChannels, kerasWeightsToState } from './weights.js';

/** Our saved layout's keys are our parameter names; nothing to translate. */
const LAYOUT: CheckpointLayout = { basePrefix: 'backbone.', baseRoots: [], legacySuffixes: [], optional: [] };

export const mobileNetV2KerasFamily: ModelFamily = imageFamily({
  modelTypes: [MOBILENET_V2_KERAS_TYPE],
  create(config, file, head) {
    if (head.kind !== 'image-classification') throw new FinetuneError(`${file}: MobileNetV2 classifies images; it has no ${head.kind} head`);
    const parsed = parseMobileNetV2KerasConfig(config, file);
    return new MobileNetV2KerasForImageClassification(parsed, {
      source: config,
      defaults: mobileNetV2KerasConfigJson(parsed),
      modelType: MOBILENET_V2_KERAS_TYPE,
      architecture: MOBILENET_V2_KERAS_ARCHITECTURE,
      head,
    });
  },
  layout: LAYOUT,
  initialize: (module) => initMobileNetWeights(module),
});
