// Position ids of a causal language model's new tokens from the padding mask (transformers' generate rule). No gradients.
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Positions int32 [B, Tn] of the last `tn` tokens of `mask` [B, Tk] (1 token / 0 padding): cumsum(mask) - 1, and 1
 * at padding, as transformers' generate builds position_ids, so left padding starts every row at 0. Also says whether
 * any position of the mask is padding (no key mask is needed otherwise).
 */
export function positionIdsFromMask(mask: Tensor, tn: number): { positions: Tensor; padded: boolean } {
  if (mask.rank !== 2 || !(Number.isInteger(tn) && tn >= 0 && tn <= mask.shape[1]!)) {
    throw new Error(`positionIdsFromMask: mask ${formatShape(mask.shape)} must be [B, Tk] with Tk >= ${tn}`);
  }
  const [b, tk] = mask.shape as [number, number];
  const keep = mask.data;
  const out = new Int32Array(b * tn);
  let padded = false;
  for (let row = 0; row < b; row++) {
    let count = 0;
    for (let j = 0; j < tk; j++) {
      const on = keep[row * tk + j] !== 0;
      if (on) count++;
      else padded = true;
      if (j >= tk - tn) out[row * tn + j - (tk - tn)] = on ? count - 1 : 1;
    }
  }
  return { positions: new Tensor(out, [b, tn]), padded };
}
