// The inputs of indexed rows, tokenized when a batch asks for them: rows read by offset, encoded, kept in a small cache, then dropped.
import type { RowIndex } from '../../data/row-index.js';
import type { RowReader } from '../../data/row-reader.js';
import { FinetuneError } from '../../errors.js';
import type { EncodedInputs } from '../../tasks/task.js';
import type { TextTokenizer } from '../../tokenizers/types.js';

/** Encodings kept for rows read lately: a batch reads each of its rows more than once (lengths, ids, segment ids). */
const RECENT_ROWS = 4096;

/**
 * EncodedInputs over `rows` (positions into `index`) of an indexed file. Element k of `inputIds` (and
 * `typeIds` when the rows are pairs) reads row `rows[k]` and tokenizes it when first asked for;
 * `estimatedLengths` guesses every row's token count from its bytes, for length-grouped batches,
 * without tokenizing.
 */
export function indexedInputs(
  reader: RowReader,
  index: RowIndex,
  rows: Uint32Array,
  pairs: boolean,
  tokenizer: TextTokenizer,
  maxLength: number,
): EncodedInputs {
  const recent = new Map<number, { readonly ids: Int32Array; readonly types: Int32Array }>();
  const encode = (k: number): { readonly ids: Int32Array; readonly types: Int32Array } => {
    const hit = recent.get(k);
    if (hit) return hit;
    const row = reader.read(rows[k]!);
    const encoding = tokenizer.encode(row.text, row.textPair, { maxLength });
    if (encoding.ids.length === 0) throw new FinetuneError(`${row.origin}: the text gives no tokens`);
    const entry = { ids: Int32Array.from(encoding.ids), types: Int32Array.from(encoding.typeIds) };
    if (recent.size >= RECENT_ROWS) recent.delete(recent.keys().next().value as number);
    recent.set(k, entry);
    return entry;
  };
  const view = (part: 'ids' | 'types'): readonly Int32Array[] =>
    new Proxy([] as Int32Array[], {
      get(target, key, receiver) {
        if (key === 'length') return rows.length;
        if (typeof key === 'string') {
          const k = Number(key);
          if (Number.isInteger(k) && String(k) === key) return k >= 0 && k < rows.length ? encode(k)[part] : undefined;
        }
        return Reflect.get(target, key, receiver);
      },
      set() {
        return false;
      },
    });
  return {
    inputIds: view('ids'),
    typeIds: pairs ? view('types') : null,
    padId: tokenizer.padId,
    // About four bytes a token, plus the special tokens: close enough to group rows of similar length.
    estimatedLengths: () => {
      const lengths = new Array<number>(rows.length);
      for (let k = 0; k < rows.length; k++) lengths[k] = Math.min(maxLength, 2 + Math.ceil(index.lengths[rows[k]!]! / 4));
      return lengths;
    },
  };
}
