// Where each USE-lite parameter comes from in the TF.js graph's weightsManifest (data), and the checkpoint layout of saved folders.
import type { CheckpointLayout } from '../encoder/checkpoint.js';

/**
 * How a manifest tensor becomes a parameter: `copy` as is (vectors, the embedding table); `kernel`
 * transposed from the graph's [in, out] (or a 1x1 convolution's [1, 1, in, out]) to a Linear's [out, in].
 */
export type TfjsWeightLayout = 'copy' | 'kernel';

export interface TfjsWeightSource {
  /** The weightsManifest name. */
  readonly key: string;
  /** The shape stored in the manifest. */
  readonly shape: readonly number[];
  readonly layout: TfjsWeightLayout;
}

/** A scalar constant of the graph and the value the model's code assumes. */
export interface TfjsConstant {
  readonly key: string;
  readonly value: number;
  /** Relative tolerance (float32 constants are stored rounded). */
  readonly tolerance: number;
  /** What the value means, for the error message. */
  readonly meaning: string;
}

const A = 'module_apply_default/Encoder_en/KonaTransformer/';
const trained = (l: number, rest: string): string => `${A}Encode/Layer_${l}/TransformerLayer/${rest}/ConcatPartitions/concat`;
const folded = (l: number, rest: string): string => `${A}Encode/TransformerStack/Layer_${l}/TransformerLayer/${rest}`;
const kernel = (l: number, rest: string): string => `module/Encoder_en/KonaTransformer/Encode/Layer_${l}/TransformerLayer/${rest}/kernel/part_0`;

/** The pre-trained graph's sizes: embedding 256, hidden 512, feed-forward 1536, two layers. */
const E = 256;
const H = 512;
const F = 1536;

function layerSources(l: number): [string, TfjsWeightSource][] {
  const d = l === 0 ? E : H;
  const p = `encoder.layer.${l}`;
  const mha = 'MultiheadAttention';
  const entries: [string, TfjsWeightSource][] = [
    [`${p}.attention_norm.weight`, { key: trained(l, 'layer_prepostprocess/layer_norm/layer_norm_scale'), shape: [d], layout: 'copy' }],
    [`${p}.attention_norm.bias`, { key: trained(l, 'layer_prepostprocess/layer_norm/layer_norm_bias'), shape: [d], layout: 'copy' }],
    [`${p}.attention.qkv_transform.weight`, { key: kernel(l, `${mha}/qkv_transform_single`), shape: [1, 1, d, 3 * d], layout: 'kernel' }],
    [`${p}.attention.qkv_transform.bias`, { key: trained(l, `${mha}/qkv_transform_single/bias`), shape: [3 * d], layout: 'copy' }],
    [`${p}.attention.output_transform.weight`, { key: kernel(l, `${mha}/output_transform_single`), shape: [1, 1, d, H], layout: 'kernel' }],
    [`${p}.attention.output_transform.bias`, { key: trained(l, `${mha}/output_transform_single/bias`), shape: [H], layout: 'copy' }],
  ];
  if (l === 0) {
    entries.push(
      [`${p}.residual_projection.weight`, { key: trained(0, 'dense/kernel'), shape: [E, H], layout: 'kernel' }],
      [`${p}.residual_projection.bias`, { key: trained(0, 'dense/bias'), shape: [H], layout: 'copy' }],
    );
  }
  entries.push(
    [`${p}.ffn_norm.weight`, { key: trained(l, 'FFN/layer_prepostprocess/layer_norm/layer_norm_scale'), shape: [H], layout: 'copy' }],
    [`${p}.ffn_norm.bias`, { key: trained(l, 'FFN/layer_prepostprocess/layer_norm/layer_norm_bias'), shape: [H], layout: 'copy' }],
    [`${p}.ffn.conv1.weight`, { key: folded(l, 'FFN/conv1/Tensordot/Reshape_1'), shape: [H, F], layout: 'kernel' }],
    [`${p}.ffn.conv1.bias`, { key: trained(l, 'FFN/conv1/bias'), shape: [F], layout: 'copy' }],
    [`${p}.ffn.conv2.weight`, { key: folded(l, 'FFN/conv2/Tensordot/Reshape_1'), shape: [F, H], layout: 'kernel' }],
    [`${p}.ffn.conv2.bias`, { key: trained(l, 'FFN/conv2/bias'), shape: [H], layout: 'copy' }],
  );
  return entries;
}

/**
 * Every encoder parameter of the pre-trained model (config defaults) and its manifest tensor, in
 * parameter order. The graph's Const names come in three kinds: trained values saved in partitions
 * and concatenated (`.../ConcatPartitions/concat`), kernels read straight from the module
 * (`.../kernel/part_0`), and values the converter folded into the inference graph (`Tensordot/Reshape_1`).
 */
export const USE_LITE_TFJS_WEIGHTS: ReadonlyMap<string, TfjsWeightSource> = new Map([
  ['encoder.embeddings.weight', { key: 'module/Embeddings_en', shape: [8002, E], layout: 'copy' }],
  ...layerSources(0),
  ...layerSources(1),
  ['encoder.tanh_layer.weight', { key: 'module/Encoder_en/hidden_layers/tanh_layer_0/weights', shape: [H, H], layout: 'kernel' }],
  ['encoder.tanh_layer.bias', { key: 'module/Encoder_en/hidden_layers/tanh_layer_0/bias', shape: [H], layout: 'copy' }],
]);

/** Graph constants the model's code builds in; loading checks each against the package, so a different graph fails loudly. */
export const USE_LITE_TFJS_CONSTANTS: readonly TfjsConstant[] = [
  { key: `${A}ClipToMaxLength/Less/y`, value: 128, tolerance: 0, meaning: 'the longest input (max_position_embeddings)' },
  { key: folded(1, 'FFN/layer_prepostprocess/layer_norm/Cast/x'), value: 1e-6, tolerance: 1e-6, meaning: 'the layer-norm epsilon' },
  { key: folded(1, 'MultiheadAttention/DotProductAttention/attention_bias_ignore_padding/mul/y'), value: -1e9, tolerance: 1e-6, meaning: 'the padding bias' },
  { key: folded(1, 'MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2'), value: 4, tolerance: 0, meaning: 'the number of heads' },
  { key: folded(0, 'MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3'), value: E / 4, tolerance: 0, meaning: "the first layer's head size" },
  {
    key: folded(1, 'MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3'),
    value: H / 4,
    tolerance: 0,
    meaning: "the second layer's head size",
  },
  { key: folded(0, 'MultiheadAttention/mul/y'), value: 1 / Math.sqrt(E / 4), tolerance: 1e-6, meaning: "the first layer's query scale" },
  { key: folded(1, 'MultiheadAttention/mul/y'), value: 1 / Math.sqrt(H / 4), tolerance: 1e-6, meaning: "the second layer's query scale" },
  { key: 'module_apply_default/Encoder_en/hidden_layers/l2_normalize/Maximum/y', value: 1e-12, tolerance: 1e-6, meaning: 'the L2-normalisation floor' },
];

/** The timing signal's frequencies [1, E/2], checked against the formula the model computes them by. */
export const USE_LITE_TFJS_TIMING_KEY = `${A}Encode/TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`;

/** Layout of saved use-lite folders (model.safetensors holds the parameter names as they are). */
export const USE_LITE_LAYOUT: CheckpointLayout = {
  basePrefix: 'encoder.',
  baseRoots: ['embeddings.', 'layer.', 'tanh_layer.'],
  legacySuffixes: [],
  optional: [],
};

/** LoRA targets: the fused query-key-value projection and the attention output of every layer. */
export const USE_LITE_LORA_TARGETS = ['qkv_transform', 'output_transform'] as const;
