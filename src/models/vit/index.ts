// The ViT family: ViTForImageClassification from config.json and google/vit-* checkpoints.
import { FinetuneError } from '../../errors.js';
import type { ModelFamily } from '../family.js';
import { imageFamily } from '../vision/family-kit.js';
import { parseViTConfig, VIT_CONFIG_DEFAULTS } from './config.js';
import { initViTWeights } from './init.js';
import { ViTForImageClassification } from './model.js';
import { VIT_LAYOUT } from './weights.js';

export { parseViTConfig, VIT_CONFIG_DEFAULTS, type ViTConfig } from './config.js';
export { initViTWeights } from './init.js';
export { ViTEmbeddings, ViTForImageClassification, ViTLayer, ViTModel } from './model.js';
export { VIT_LAYOUT, VIT_LORA_TARGETS } from './weights.js';

export const vitFamily: ModelFamily = imageFamily({
  modelTypes: ['vit'],
  create(config, file, head) {
    if (head.kind !== 'image-classification') throw new FinetuneError(`${file}: a vit model classifies images; it has no ${head.kind} head`);
    return new ViTForImageClassification(parseViTConfig(config, file), {
      source: config,
      defaults: VIT_CONFIG_DEFAULTS,
      modelType: 'vit',
      architecture: 'ViTForImageClassification',
      head,
    });
  },
  layout: VIT_LAYOUT,
  initialize: (module, model) => initViTWeights(module, (model as ViTForImageClassification).config.initializerRange),
});
