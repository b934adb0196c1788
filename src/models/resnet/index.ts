// The ResNet family: ResNetForImageClassification from config.json and microsoft/resnet-* checkpoints.
import { FinetuneError } from '../../errors.js';
import type { ModelFamily } from '../family.js';
import { imageFamily } from '../vision/family-kit.js';
import { parseResNetConfig, resnetConfigDefaults } from './config.js';
import { initResNetWeights } from './init.js';
import { ResNetForImageClassification } from './model.js';
import { RESNET_LAYOUT } from './weights.js';

export { parseResNetConfig, type ResNetConfig, resnetConfigDefaults } from './config.js';
export { initResNetWeights } from './init.js';
export { ResNetClassifier, ResNetForImageClassification, ResNetModel } from './model.js';
export { RESNET_HEAD, RESNET_LAYOUT } from './weights.js';

export const resnetFamily: ModelFamily = imageFamily({
  modelTypes: ['resnet'],
  create(config, file, head) {
    if (head.kind !== 'image-classification') throw new FinetuneError(`${file}: a resnet model classifies images; it has no ${head.kind} head`);
    const parsed = parseResNetConfig(config, file);
    return new ResNetForImageClassification(parsed, {
      source: config,
      defaults: resnetConfigDefaults(parsed),
      modelType: 'resnet',
      architecture: 'ResNetForImageClassification',
      head,
    });
  },
  layout: RESNET_LAYOUT,
  initialize: initResNetWeights,
});
