// The RoBERTa family: RoBERTa and XLM-RoBERTa (the same network) for sequence and token classification.
import { EncoderForTokenClassification } from '../encoder/classifier-base.js';
import { architectureName, encoderFamily } from '../encoder/family-kit.js';
import type { ModelFamily } from '../family.js';
import { parseRobertaConfig, ROBERTA_CONFIG_DEFAULTS, XLM_ROBERTA_CONFIG_DEFAULTS } from './config.js';
import { robertaBaseInfo, RobertaForSequenceClassification, RobertaModel } from './model.js';
import { ROBERTA_LAYOUT } from './weights.js';

export { parseRobertaConfig, ROBERTA_CONFIG_DEFAULTS, XLM_ROBERTA_CONFIG_DEFAULTS, type RobertaConfig } from './config.js';
export { robertaBaseInfo, RobertaClassificationHead, RobertaEmbeddings, RobertaForSequenceClassification, RobertaModel } from './model.js';
export { ROBERTA_LAYOUT, ROBERTA_LORA_TARGETS } from './weights.js';

export const robertaFamily: ModelFamily = encoderFamily<RobertaModel>({
  modelTypes: ['roberta', 'xlm-roberta'],
  create(config, file, head) {
    const modelType = config.model_type === 'xlm-roberta' ? 'xlm-roberta' : 'roberta';
    const parsed = parseRobertaConfig(config, file, modelType);
    const identity = {
      source: config,
      defaults: modelType === 'roberta' ? ROBERTA_CONFIG_DEFAULTS : XLM_ROBERTA_CONFIG_DEFAULTS,
      modelType,
      architecture: architectureName(modelType === 'roberta' ? 'Roberta' : 'XLMRoberta', head.kind),
      head,
    };
    if (head.kind === 'sequence-classification') return new RobertaForSequenceClassification(parsed, identity, file);
    const dropout = parsed.classifierDropout ?? parsed.hiddenDropoutProb;
    return new EncoderForTokenClassification(new RobertaModel(parsed, file), robertaBaseInfo(parsed), identity, dropout);
  },
  layout: ROBERTA_LAYOUT,
  initializerRange: (base) => base.config.initializerRange,
  paddingRows: (base) => [
    { embedding: base.embeddings.word_embeddings, row: base.config.padTokenId },
    { embedding: base.embeddings.position_embeddings, row: base.config.padTokenId },
  ],
});
