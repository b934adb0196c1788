// The DistilBERT family: DistilBertForSequenceClassification and DistilBertForTokenClassification from config.json and checkpoints.
import { EncoderForTokenClassification } from '../encoder/classifier-base.js';
import { architectureName, encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { DISTILBERT_CONFIG_DEFAULTS, parseDistilBertConfig } from './config.js';
import { distilBertBaseInfo, DistilBertForSequenceClassification, DistilBertModel, sinusoidalTable } from './model.js';
import { DISTILBERT_LAYOUT } from './weights.js';

export { DISTILBERT_CONFIG_DEFAULTS, parseDistilBertConfig, type DistilBertConfig } from './config.js';
export { distilBertBaseInfo, DistilBertEmbeddings, DistilBertForSequenceClassification, DistilBertModel } from './model.js';
export { DISTILBERT_LAYOUT, DISTILBERT_LORA_TARGETS } from './weights.js';

export const distilbertFamily: ModelFamily = encoderFamily<DistilBertModel>({
  modelTypes: ['distilbert'],
  create(config, file, head) {
    const parsed = parseDistilBertConfig(config, file);
    const identity = {
      source: config,
      defaults: DISTILBERT_CONFIG_DEFAULTS,
      modelType: 'distilbert',
      architecture: architectureName('DistilBert', head.kind),
      head,
    };
    if (head.kind === 'sequence-classification') return new DistilBertForSequenceClassification(parsed, identity, file);
    return new EncoderForTokenClassification(new DistilBertModel(parsed, file), distilBertBaseInfo(parsed), identity, parsed.dropout);
  },
  layout: DISTILBERT_LAYOUT,
  initializerRange: (base) => base.config.initializerRange,
  paddingRows: (base) => [{ embedding: base.embeddings.word_embeddings, row: base.config.padTokenId }],
  afterInitialize(base) {
    if (!base.config.sinusoidalPosEmbds) return;
    const { maxPositionEmbeddings, dim } = base.config;
    base.embeddings.position_embeddings.weight.f32().set(sinusoidalTable(maxPositionEmbeddings, dim));
  },
});
