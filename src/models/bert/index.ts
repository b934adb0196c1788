// The BERT family: BertForSequenceClassification from config.json and checkpoints.
import { encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { BERT_CONFIG_DEFAULTS, parseBertConfig } from './config.js';
import { BertForSequenceClassification } from './model.js';
import { BERT_LAYOUT } from './weights.js';

export { BERT_CONFIG_DEFAULTS, parseBertConfig, type BertConfig } from './config.js';
export { BertEmbeddings, BertForSequenceClassification, BertModel, BertPooler } from './model.js';
export { BERT_LAYOUT, BERT_LORA_TARGETS } from './weights.js';

export const bertFamily: ModelFamily = encoderFamily<BertForSequenceClassification>({
  modelTypes: ['bert'],
  create: (config, file, labels) => new BertForSequenceClassification(parseBertConfig(config, file), {
    source: config, defaults: BERT_CONFIG_DEFAULTS, modelType: 'bert', architecture: 'BertForSequenceClassification', labels,
  }, file),
  layout: BERT_LAYOUT,
  initializerRange: (model) => model.config.initializerRange,
  paddingRows: (model) => [{ embedding: model.bert.embeddings.word_embeddings, row: model.config.padTokenId }],
});
