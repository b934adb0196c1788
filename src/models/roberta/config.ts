// RobertaConfig and XLMRobertaConfig: BERT's fields with RoBERTa's defaults (padding id 1, <s> 0, </s> 2).
import { BERT_CONFIG_DEFAULTS, parseBertConfig, type BertConfig } from '../bert/config.js';
import type { ConfigJson } from '../encoder/config-fields.js';

/** Fields transformers 5 writes for a default RobertaConfig (less model_type and transformers_version). */
export const ROBERTA_CONFIG_DEFAULTS: ConfigJson = {
  ...BERT_CONFIG_DEFAULTS,
  bos_token_id: 0,
  eos_token_id: 2,
  pad_token_id: 1,
  vocab_size: 50265,
};

/** Fields transformers 5 writes for a default XLMRobertaConfig (its vocab_size default is BERT's). */
export const XLM_ROBERTA_CONFIG_DEFAULTS: ConfigJson = {
  ...ROBERTA_CONFIG_DEFAULTS,
  vocab_size: 30522,
};

/** RoBERTa's config is BERT's (see BertConfig for each field) with the defaults above. */
export type RobertaConfig = BertConfig;

export function parseRobertaConfig(json: ConfigJson, file: string, modelType: 'roberta' | 'xlm-roberta'): RobertaConfig {
  return parseBertConfig(json, file, modelType === 'roberta' ? ROBERTA_CONFIG_DEFAULTS : XLM_ROBERTA_CONFIG_DEFAULTS);
}
