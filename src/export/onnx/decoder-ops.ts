// The pieces every causal decoder export shares, as ONNX subgraphs: the causal key mask, cached grouped-query attention, rotary positions, RMSNorm.
//
// Shapes: B batch, Tn new tokens, Tp cached tokens, Tk = Tp + Tn keys, N query heads, KV key / value heads, D head size.
import type { Linear } from '../../nn/layers.js';
import { FLOAT32_MIN } from '../../tensor/ops/masks.js';
import { type GraphBuilder, type LinearWeights, scopeOf } from './graph.js';
import { DataType } from './proto.js';

/** A Linear as the graph builder reads it: weight [out, in] (transformers' Conv1D stores [in, out] and is turned here). */
export function linearWeights(layer: Linear): LinearWeights {
  const w = layer.weight;
  const bias = layer.bias ? { data: layer.bias.data } : null;
  if (!layer.fanInFanOut) return { weight: { data: w.data, shape: w.shape }, bias };
  const [inFeatures, out] = w.shape as [number, number];
  const turned = new Float32Array(inFeatures * out);
  for (let i = 0; i < inFeatures; i++) for (let o = 0; o < out; o++) turned[o * inFeatures + i] = w.data[i * out + o]!;
  return { weight: { data: turned, shape: [out, inFeatures] }, bias };
}

/** Dimension `axis` of `x` as a 1-element int64 tensor. */
export function dim(g: GraphBuilder, scope: string, x: string, axis: number): string {
  return g.node(scope, 'Slice', [g.node(scope, 'Shape', [x]), g.int64([axis]), g.int64([axis + 1])]);
}

/**
 * The additive attention bias [B, 1, Tn, Tk]: 0 where new token i may see key j (j <= Tp + i, the key is not padding, and
 * within `window` tokens when one is set), the float32 minimum elsewhere, as transformers' causal mask with padding.
 */
export function causalBias(g: GraphBuilder, attentionMask: string, inputIds: string, window: number | null): string {
  const s = '/model/causal_mask';
  const tk = g.node(s, 'Squeeze', [dim(g, s, attentionMask, 1), g.int64([0])]);
  const tn = g.node(s, 'Squeeze', [dim(g, s, inputIds, 1), g.int64([0])]);
  const zero = g.int64([0], []);
  const one = g.int64([1], []);
  const keys = g.node(s, 'Unsqueeze', [g.node(s, 'Range', [zero, tk, one]), g.int64([0])]);
  const queries = g.node(s, 'Unsqueeze', [g.node(s, 'Add', [g.node(s, 'Range', [zero, tn, one]), g.node(s, 'Sub', [tk, tn])]), g.int64([1])]);
  let allowed = g.node(s, 'LessOrEqual', [keys, queries]);
  if (window !== null) allowed = g.node(s, 'And', [allowed, g.node(s, 'Greater', [keys, g.node(s, 'Sub', [queries, g.int64([window], [])])])]);
  const real = g.node(s, 'Unsqueeze', [g.node(s, 'Cast', [attentionMask], { to: DataType.BOOL }), g.int64([1, 2])]);
  const both = g.node(s, 'And', [g.node(s, 'Unsqueeze', [allowed, g.int64([0, 1])]), real]);
  return g.node(s, 'Where', [both, g.float32([0], []), g.float32([FLOAT32_MIN], [])]);
}

/** [B, Tn, heads * D] -> [B, heads, Tn, D]. */
export function splitHeads(g: GraphBuilder, scope: string, x: string, heads: number, d: number): string {
  return g.node(scope, 'Transpose', [g.node(scope, 'Reshape', [x, g.int64([0, 0, heads, d])])], { perm: [0, 2, 1, 3] });
}

/** The rotary tables picked by position_ids: cos and sin [B, 1, Tn, R], each half repeated (the Llama half split). */
export interface RotaryAtPositions {
  readonly cos: string;
  readonly sin: string;
  /** R: features per head that rotate. */
  readonly rotaryDim: number;
}

/** Rows of cos / sin tables [P, R / 2] (as models/llama computes them) at position_ids [B, Tn]. */
export function rotaryAtPositions(g: GraphBuilder, cos: Float32Array, sin: Float32Array, positions: number, positionIds: string): RotaryAtPositions {
  const s = '/model/rotary_emb';
  const half = cos.length / positions;
  const doubled = (table: Float32Array): Float32Array => {
    const out = new Float32Array(positions * 2 * half);
    for (let p = 0; p < positions; p++) {
      out.set(table.subarray(p * half, (p + 1) * half), p * 2 * half);
      out.set(table.subarray(p * half, (p + 1) * half), p * 2 * half + half);
    }
    return out;
  };
  const pick = (name: string, table: Float32Array): string => {
    const weight = g.initializer(`model.rotary_emb.${name}_cached`, DataType.FLOAT, [positions, 2 * half], doubled(table));
    return g.node(s, 'Unsqueeze', [g.node(s, 'Gather', [weight, positionIds]), g.int64([1])]);
  };
  return { cos: pick('cos', cos), sin: pick('sin', sin), rotaryDim: 2 * half };
}

/** x * cos + rotate_half(x) * sin on the first R features of x [B, heads, Tn, D]; the rest pass through. */
export function applyRotary(g: GraphBuilder, scope: string, x: string, rotary: RotaryAtPositions, d: number): string {
  const r = rotary.rotaryDim;
  const part = (from: number, to: number, input = x): string => g.node(scope, 'Slice', [input, g.int64([from]), g.int64([to]), g.int64([-1])]);
  const rotated = r === d ? x : part(0, r);
  const x1 = part(0, r / 2, rotated);
  const x2 = part(r / 2, r, rotated);
  const half = g.node(scope, 'Concat', [g.node(scope, 'Neg', [x2]), x1], { axis: -1 });
  const out = g.node(scope, 'Add', [g.node(scope, 'Mul', [rotated, rotary.cos]), g.node(scope, 'Mul', [half, rotary.sin])]);
  return r === d ? out : g.node(scope, 'Concat', [out, part(r, d)], { axis: -1 });
}

/** The key / value cache of one layer: graph inputs past_key_values.{i}.key / .value, outputs present.{i}.key / .value. */
export interface LayerCache {
  readonly pastKey: string;
  readonly pastValue: string;
}

/**
 * softmax(q k^T * scale + bias) v with the cache: keys and values [B, KV, Tn, D] are appended to the past ones
 * (present.{layer}.key / .value become graph outputs), repeated to N heads for grouped-query attention.
 * q [B, N, Tn, D] -> context [B, Tn, N * D].
 */
export function cachedAttention(
  g: GraphBuilder,
  path: string,
  layer: number,
  q: string,
  k: string,
  v: string,
  cache: LayerCache,
  bias: string,
  shape: { readonly heads: number; readonly kvHeads: number; readonly headDim: number; readonly scale: number },
): string {
  const scope = scopeOf(path);
  const { heads, kvHeads, headDim: d } = shape;
  const key = g.node(scope, 'Concat', [cache.pastKey, k], { axis: 2 });
  const value = g.node(scope, 'Concat', [cache.pastValue, v], { axis: 2 });
  const presentDims = ['batch_size', kvHeads, 'total_sequence_length', d];
  g.output(`present.${layer}.key`, key, DataType.FLOAT, presentDims);
  g.output(`present.${layer}.value`, value, DataType.FLOAT, presentDims);
  const repeat = (x: string): string => {
    if (kvHeads === heads) return x;
    const tiled = g.node(scope, 'Tile', [g.node(scope, 'Unsqueeze', [x, g.int64([2])]), g.int64([1, 1, heads / kvHeads, 1, 1])]);
    return g.node(scope, 'Reshape', [tiled, g.int64([0, heads, -1, d])]);
  };
  const keysT = g.node(scope, 'Transpose', [repeat(key)], { perm: [0, 1, 3, 2] });
  const scores = g.node(scope, 'Mul', [g.node(scope, 'MatMul', [q, keysT]), g.float32([shape.scale], [])]);
  const probs = g.node(scope, 'Softmax', [g.node(scope, 'Add', [scores, bias])], { axis: -1 });
  const context = g.node(scope, 'Transpose', [g.node(scope, 'MatMul', [probs, repeat(value)])], { perm: [0, 2, 1, 3] });
  return g.node(scope, 'Reshape', [context, g.int64([0, 0, heads * d])]);
}

/** LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * weight over the last axis. */
export function rmsNorm(
  g: GraphBuilder,
  path: string,
  norm: { readonly weight: { readonly data: ArrayLike<number>; readonly shape: readonly number[] }; readonly eps: number },
  x: string,
): string {
  const scope = scopeOf(path);
  const meanSquare = g.node(scope, 'ReduceMean', [g.node(scope, 'Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const normed = g.node(scope, 'Div', [x, g.node(scope, 'Sqrt', [g.node(scope, 'Add', [meanSquare, g.float32([norm.eps], [])])])]);
  return g.node(scope, 'Mul', [normed, g.weight(`${path}.weight`, norm.weight)]);
}
