// The DistilBERT family: DistilBertForSequenceClassification from config.json and checkpoints.
import { encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { DISTILBERT_CONFIG_DEFAULTS, parseDistilBertConfig } from './config.js';
import { DistilBertForSequenceClassification, sinusoidalTable } from './model.js';
import { DISTILBERT_LAYOUT } from './weights.js';

export { DISTILBERT_CONFIG_DEFAULTS, parseDistilBertConfig, type DistilBertConfig } from './config.js';
export { DistilBertEmbeddings, DistilBertForSequenceClassification, DistilBertModel } from './model.js';
export { DISTILBERT_LAYOUT, DISTILBERT_LORA_TARGETS } from './weights.js';

export const distilbertFamily: ModelFamily = encoderFamily<DistilBertForSequenceClassification>({
  modelTypes: ['distilbert'],
  create: (config, file, labels) => new DistilBertForSequenceClassification(parseDistilBertConfig(config, file), {
    source: config, defaults: DISTILBERT_CONFIG_DEFAULTS, modelType: 'distilbert', architecture: 'DistilBertForSequenceClassification', labels,
  }, file),
  layout: DISTILBERT_LAYOUT,
  initializerRange: (model) => model.config.initializerRange,
  paddingRows: (model) => [{ embedding: model.distilbert.embeddings.word_embeddings, row: model.config.padTokenId }],
  afterInitialize(model) {
    if (!model.config.sinusoidalPosEmbds) return;
    const { maxPositionEmbeddings, dim } = model.config;
    model.distilbert.embeddings.position_embeddings.weight.f32().set(sinusoidalTable(maxPositionEmbeddings, dim));
  },
});
