// Turns tokenizer encodings into a padded model batch (int32 ids, attention mask, segment ids).
import { Tensor } from '../tensor/tensor.js';
import type { Encoding } from '../tokenizers/types.js';
import type { TextInputs } from './types.js';

/** Pads `encodings` on the right to the longest one with `padId`. Shapes: [B, T] each. */
export function batchInputs(encodings: readonly Encoding[], padId: number): TextInputs {
  const b = encodings.length;
  const t = Math.max(1, ...encodings.map((e) => e.ids.length));
  const ids = new Int32Array(b * t).fill(padId);
  const mask = new Int32Array(b * t);
  const types = new Int32Array(b * t);
  encodings.forEach((e, row) => {
    ids.set(e.ids, row * t);
    mask.fill(1, row * t, row * t + e.ids.length);
    types.set(e.typeIds, row * t);
  });
  return {
    inputIds: new Tensor(ids, [b, t]),
    attentionMask: new Tensor(mask, [b, t]),
    tokenTypeIds: new Tensor(types, [b, t]),
  };
}
