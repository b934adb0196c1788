// The BERT family: BertForSequenceClassification and BertForTokenClassification from config.json and checkpoints.
import { EncoderForTokenClassification } from '../encoder/classifier-base.js';
import { architectureName, encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { BERT_CONFIG_DEFAULTS, parseBertConfig } from './config.js';
import { bertBaseInfo, BertForSequenceClassification, BertModel } from './model.js';
import { BERT_LAYOUT } from './weights.js';

export { BERT_CONFIG_DEFAULTS, parseBertConfig, type BertConfig } from './config.js';
export { bertBaseInfo, BertEmbeddings, BertForSequenceClassification, BertModel, BertPooler } from './model.js';
export { BERT_LAYOUT, BERT_LORA_TARGETS } from './weights.js';

export const bertFamily: ModelFamily = encoderFamily<BertModel>({
  modelTypes: ['bert'],
  create(config, file, head) {
    const parsed = parseBertConfig(config, file);
    const identity = { source: config, defaults: BERT_CONFIG_DEFAULTS, modelType: 'bert', architecture: architectureName('Bert', head.kind), head };
    if (head.kind === 'sequence-classification') return new BertForSequenceClassification(parsed, identity, file);
    const base = new BertModel(parsed, file, { pooler: false });
    return new EncoderForTokenClassification(base, bertBaseInfo(parsed), identity, parsed.classifierDropout ?? parsed.hiddenDropoutProb);
  },
  layout: BERT_LAYOUT,
  initializerRange: (base) => base.config.initializerRange,
  paddingRows: (base) => [{ embedding: base.embeddings.word_embeddings, row: base.config.padTokenId }],
});
