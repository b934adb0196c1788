// Texts (and text pairs) to unpadded token ids, and a batch of them padded with the tokenizer's pad id.
import { FinetuneError } from '../errors.js';
import type { TextInputs } from '../models/types.js';
import { Tensor } from '../tensor/tensor.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import type { EncodedInputs } from './task.js';

/** A text to encode, with the second text of a pair task, and where it came from (for messages). */
export interface TextItem {
  readonly text: string;
  readonly textPair?: string;
  readonly origin?: string;
}

export interface EncodeTextOptions {
  /** Longest sequence kept, special tokens included; longer texts are truncated. */
  readonly maxLength: number;
  /** Names the data set in errors (e.g. the file). */
  readonly source?: string;
}

/** Checks a max length option. */
export function checkMaxLength(maxLength: number): void {
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new FinetuneError(`max length ${maxLength} must be an integer >= 2`);
}

/** Tokenizes every item once; an item that gives no tokens fails, naming it. */
export function encodeTexts(items: readonly TextItem[], tokenizer: TextTokenizer, options: EncodeTextOptions): EncodedInputs {
  checkMaxLength(options.maxLength);
  const pairs = items.some((e) => e.textPair !== undefined);
  const inputIds: Int32Array[] = [];
  const typeIds: Int32Array[] = [];
  items.forEach((item, i) => {
    const encoding = tokenizer.encode(item.text, item.textPair, { maxLength: options.maxLength });
    if (encoding.ids.length === 0) {
      throw new FinetuneError(`${item.origin ?? `${options.source ?? 'data'}: example ${i + 1}`}: the text gives no tokens`);
    }
    inputIds.push(Int32Array.from(encoding.ids));
    if (pairs) typeIds.push(Int32Array.from(encoding.typeIds));
  });
  return { inputIds, typeIds: pairs ? typeIds : null, padId: tokenizer.padId };
}

/** The inputs of the examples at `indices`, padded on the right to the longest. Shapes [B, T]; T the longest. */
export function collateInputs(data: EncodedInputs, indices: readonly number[]): { inputs: TextInputs; tokens: number; length: number } {
  const b = indices.length;
  let t = 1;
  for (const i of indices) t = Math.max(t, data.inputIds[i]!.length);
  const ids = new Int32Array(b * t).fill(data.padId);
  const mask = new Int32Array(b * t);
  const types = data.typeIds ? new Int32Array(b * t) : null;
  let tokens = 0;
  indices.forEach((index, row) => {
    const source = data.inputIds[index]!;
    ids.set(source, row * t);
    mask.fill(1, row * t, row * t + source.length);
    if (types) types.set(data.typeIds![index]!, row * t);
    tokens += source.length;
  });
  const inputs: TextInputs = {
    inputIds: new Tensor(ids, [b, t]),
    attentionMask: new Tensor(mask, [b, t]),
    ...(types ? { tokenTypeIds: new Tensor(types, [b, t]) } : {}),
  };
  return { inputs, tokens, length: t };
}

/** The token count of every example (estimated, when the data is tokenized per batch). */
export function inputLengths(data: EncodedInputs): number[] {
  if (data.estimatedLengths) return data.estimatedLengths();
  return data.inputIds.map((ids) => ids.length);
}
