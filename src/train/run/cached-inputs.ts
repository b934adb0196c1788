// The tokenized inputs of a run's texts from the on-disk token cache: flat token stores seen as the rows the tasks read.
import type { EncodedInputs } from '../../tasks/task.js';
import { checkMaxLength } from '../../tasks/text-inputs.js';
import { type CachedEncodeOptions, encodeCached } from '../../tokenizers/token-cache.js';
import { type StoreItem, storeRows } from '../../tokenizers/token-store.js';
import type { TextTokenizer } from '../../tokenizers/types.js';

/** encodeTexts through the token cache: the same rows, read from disk when these texts met this tokenizer and max length before. */
export function cachedTextInputs(
  items: readonly StoreItem[],
  tokenizer: TextTokenizer,
  options: CachedEncodeOptions,
): { readonly inputs: EncodedInputs; readonly hit: boolean; readonly warnings: readonly string[] } {
  checkMaxLength(options.maxLength);
  const { store, hit, warning } = encodeCached(items, tokenizer, options);
  return {
    inputs: { inputIds: storeRows(store), typeIds: store.typeIds ? storeRows(store, true) : null, padId: tokenizer.padId },
    hit,
    warnings: warning === undefined ? [] : [warning],
  };
}
