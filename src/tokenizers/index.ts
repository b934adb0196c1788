// Public surface of the tokenizers layer: loading a model folder's tokenizer and building a word-level one.

export type { EncodeOptions, Encoding, TextTokenizer, WordEncoding } from './types.js';
export { loadTokenizer, TOKENIZER_FILES } from './load.js';
export { buildWordLevelTokenizer, WORD_LEVEL_SPECIALS, type WordLevelOptions } from './word-level.js';
export { JsonTokenizer } from './json-tokenizer.js';
export { parseTokenizerJson, type TokenizerJson } from './tokenizer-json.js';
export { readTokenizerConfig, type TokenizerConfigJson } from './tokenizer-config.js';
export { GPT2_EOS, GPT2_TOKENIZER_CONFIG, gpt2Tokenizer, gpt2TokenizerJson, gpt3EncoderFolder } from './gpt2.js';
export { encodeToStore, storeRows, type StoreItem, type TokenStore } from './token-store.js';
export {
  encodeCached,
  finetuneCacheDir,
  tokenCacheKey,
  tokenizerFingerprint,
  type CachedEncodeOptions,
  type CachedStore,
} from './token-cache.js';
