// The RoBERTa family: RobertaForSequenceClassification and XLMRobertaForSequenceClassification (the same network).
import { encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { parseRobertaConfig, ROBERTA_CONFIG_DEFAULTS, XLM_ROBERTA_CONFIG_DEFAULTS } from './config.js';
import { RobertaForSequenceClassification } from './model.js';
import { ROBERTA_LAYOUT } from './weights.js';

export { parseRobertaConfig, ROBERTA_CONFIG_DEFAULTS, XLM_ROBERTA_CONFIG_DEFAULTS, type RobertaConfig } from './config.js';
export { RobertaClassificationHead, RobertaEmbeddings, RobertaForSequenceClassification, RobertaModel } from './model.js';
export { ROBERTA_LAYOUT, ROBERTA_LORA_TARGETS } from './weights.js';

export const robertaFamily: ModelFamily = encoderFamily<RobertaForSequenceClassification>({
  modelTypes: ['roberta', 'xlm-roberta'],
  create(config, file, labels) {
    const modelType = config.model_type === 'xlm-roberta' ? 'xlm-roberta' : 'roberta';
    return new RobertaForSequenceClassification(parseRobertaConfig(config, file, modelType), {
      source: config,
      defaults: modelType === 'roberta' ? ROBERTA_CONFIG_DEFAULTS : XLM_ROBERTA_CONFIG_DEFAULTS,
      modelType,
      architecture: modelType === 'roberta' ? 'RobertaForSequenceClassification' : 'XLMRobertaForSequenceClassification',
      labels,
    }, file);
  },
  layout: ROBERTA_LAYOUT,
  initializerRange: (model) => model.config.initializerRange,
  paddingRows: (model) => [
    { embedding: model.roberta.embeddings.word_embeddings, row: model.config.padTokenId },
    { embedding: model.roberta.embeddings.position_embeddings, row: model.config.padTokenId },
  ],
});
