// Rotary position embedding (transformers' apply_rotary_pos_emb with rotate_half) on [B, T, heads, D], forward and backward.
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** cos and sin of every position's angles: [P, R / 2] each, R the rotated features per head (buffers, no gradient). */
export interface RotaryTables {
  readonly cos: Tensor;
  readonly sin: Tensor;
}

/**
 * Rotates x [B, T, heads, D] (the layout the q / k projections produce, which the fused attention reads in place)
 * by the angles of its positions: int32 [B, T] (per sequence, e.g. left padding) or [T] (shared). With R = 2 * the
 * tables' width, features i and i + R/2 (i < R/2) of each head rotate as a pair (the GPT-NeoX / Llama half split);
 * features past R pass through (partial rotary). Equals x * cos + rotate_half(x) * sin on the duplicated tables.
 */
export function rotaryEmbedding(x: Tensor, positions: Tensor, tables: RotaryTables): Tensor {
  const { cos, sin } = tables;
  if (x.rank !== 4) throw new Error(`rotaryEmbedding: x ${formatShape(x.shape)} must be [B, T, heads, D]`);
  const [batch, tokens, heads, dim] = x.shape as [number, number, number, number];
  if (cos.rank !== 2 || sin.rank !== 2 || cos.shape[0] !== sin.shape[0] || cos.shape[1] !== sin.shape[1]) {
    throw new Error(`rotaryEmbedding: cos ${formatShape(cos.shape)} and sin ${formatShape(sin.shape)} must both be [P, R / 2]`);
  }
  const [tablePositions, half] = cos.shape as [number, number];
  if (2 * half > dim) throw new Error(`rotaryEmbedding: tables rotate ${2 * half} features, more than the head size ${dim}`);
  const shared = positions.rank === 1;
  if (
    positions.dtype !== 'int32' ||
    !(shared ? positions.shape[0] === tokens : positions.rank === 2 && positions.shape[0] === batch && positions.shape[1] === tokens)
  ) {
    throw new Error(`rotaryEmbedding: positions ${formatShape(positions.shape)} (${positions.dtype}) must be int32 [${batch}, ${tokens}] or [${tokens}]`);
  }
  const ids = positions.i32();
  const run = (input: Float32Array, inverse: boolean): Float32Array => {
    const out = allocF32(input.length);
    const bad = getBackend().rotary(input, cos.f32(), sin.f32(), tablePositions, 2 * half, ids, shared, batch, tokens, heads, dim, inverse, out);
    if (bad >= 0) throw new Error(`rotaryEmbedding: position ${ids[bad]} at index ${bad} is outside the table of ${tablePositions} positions`);
    return out;
  };
  return Tensor.fromOp(run(x.f32(), false), x.shape, 'rotary', [x], (g) => [new Tensor(run(g.f32(), true), x.shape)]);
}
