// The USE-lite encoder as trainable modules (a 1:1 port of the TF.js graph) with a sequence or token head.
//
// Shapes: B sentences, T tokens, E embedding size (256), H hidden size (512), F feed-forward width (1536).
// Each step names the graph nodes it stands for; test/use-lite/reference.ts maps every node in full.
import { FinetuneError } from '../../errors.js';
import { multiHeadAttention } from '../../nn/attention.js';
import { Dropout, type Embedding, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { maximum } from '../../tensor/ops/elementwise.js';
import { attentionBias, maskedMeanWeights } from '../../tensor/ops/masks.js';
import { Tensor } from '../../tensor/tensor.js';
import { EncoderClassifierBase, EncoderForTokenClassification, type ClassifierIdentity, type EncoderBaseInfo } from '../encoder/classifier-base.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { HeadSpec, TextInputs } from '../types.js';
import { USE_LITE_ARCHITECTURE, USE_LITE_CONFIG_DEFAULTS, USE_LITE_MODEL_TYPE, useLiteConfigJson, type UseLiteConfig } from './config.js';
import { USE_LITE_LORA_TARGETS } from './weights.js';

/** `attention_bias_ignore_padding/mul/y`: the additive bias of padded keys (finite, so a row of padding gives no NaN). */
export const MASK_BIAS = -1e9;
/** `l2_normalize/Maximum/y`: the floor under the squared norm. */
export const L2_EPSILON = 1e-12;

/**
 * The graph's timing signal `TimingSignal/concat`: row t is sin(t * omega) | cos(t * omega) with
 * omega_i = exp(-i ln(maxTimescale) / (E/2 - 1)), in float32 arithmetic as TF.js computes it. [T, E].
 */
export function timingSignal(length: number, size: number, maxTimescale: number): Tensor {
  const half = size / 2;
  const out = new Float32Array(length * size);
  for (let i = 0; i < half; i++) {
    const omega = Math.fround(Math.exp((-i * Math.log(maxTimescale)) / Math.max(half - 1, 1)));
    for (let t = 0; t < length; t++) {
      const angle = Math.fround(t * omega);
      out[t * size + i] = Math.sin(angle);
      out[t * size + half + i] = Math.cos(angle);
    }
  }
  return new Tensor(out, [length, size]);
}

/** `MultiheadAttention`: fused q | k | v projection, per-head attention with 1/sqrt(head size) scaling, output projection. */
export class UseLiteAttention extends Module {
  qkv_transform: Linear;
  output_transform: Linear;

  constructor(
    readonly inSize: number,
    outSize: number,
    readonly heads: number,
    readonly dropout: number,
  ) {
    super();
    this.qkv_transform = placeholderLinear(inSize, 3 * inSize);
    this.output_transform = placeholderLinear(inSize, outSize);
  }

  /** u [B, T, in], mask [B, 1, 1, T] -> [B, T, out]. */
  forward(u: Tensor, mask: Tensor): Tensor {
    const d = this.inSize;
    const qkv = this.qkv_transform.forward(u);
    const [q, k, v] = [0, 1, 2].map((part) => qkv.slice(-1, part * d, (part + 1) * d));
    // Heads side by side in [B, T, in]: head h reads columns [h * in / heads, (h + 1) * in / heads) of q, k and v.
    const context = multiHeadAttention(q!, k!, v!, { heads: this.heads, mask, dropout: this.dropout, training: this.training });
    return this.output_transform.forward(context);
  }
}

/** `FFN`: relu(u W1 + b1) W2 + b2 (the graph's 1x1 convolutions conv1 and conv2). */
export class UseLiteFeedForward extends Module {
  conv1: Linear;
  conv2: Linear;

  constructor(hiddenSize: number, intermediateSize: number) {
    super();
    this.conv1 = placeholderLinear(hiddenSize, intermediateSize);
    this.conv2 = placeholderLinear(intermediateSize, hiddenSize);
  }

  forward(u: Tensor): Tensor {
    return this.conv2.forward(this.conv1.forward(u).relu());
  }
}

/**
 * `TransformerLayer`, pre-norm: h = P(x) + MHA(LN(x)); out = h + FFN(LN(h)), where P is the identity,
 * or in a layer that widens (the first: E -> H) the projection `AdjustResidualInput/dense` of the raw
 * input. Training adds dropout on each sub-layer's output before its residual add.
 */
export class UseLiteLayer extends Module {
  attention_norm: LayerNorm;
  attention: UseLiteAttention;
  residual_projection: Linear | null;
  ffn_norm: LayerNorm;
  ffn: UseLiteFeedForward;
  dropout: Dropout;

  constructor(inSize: number, config: UseLiteConfig) {
    super();
    const h = config.hiddenSize;
    this.attention_norm = new LayerNorm(inSize, config.layerNormEps);
    this.attention = new UseLiteAttention(inSize, h, config.numAttentionHeads, config.attentionProbsDropoutProb);
    this.residual_projection = inSize === h ? null : placeholderLinear(inSize, h);
    this.ffn_norm = new LayerNorm(h, config.layerNormEps);
    this.ffn = new UseLiteFeedForward(h, config.intermediateSize);
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  /** x [B, T, in], mask [B, 1, 1, T] -> [B, T, H]. */
  forward(x: Tensor, mask: Tensor): Tensor {
    const residual = this.residual_projection ? this.residual_projection.forward(x) : x;
    const h = residual.add(this.dropout.forward(this.attention.forward(this.attention_norm.forward(x), mask)));
    return h.add(this.dropout.forward(this.ffn.forward(this.ffn_norm.forward(h))));
  }
}

/**
 * The encoder: token ids -> unit-length sentence embeddings [B, H]. Padded positions compute values
 * that nothing reads (their keys are masked with MASK_BIAS, layer norms and the feed-forward work per
 * position, pooling skips them), so results do not depend on the padding or the batch.
 */
export class UseLiteEncoder extends Module {
  embeddings: Embedding;
  layer: UseLiteLayer[];
  /** The sentence embedding's projection; absent under a token head, which reads the layers' states. */
  tanh_layer: Linear | null;
  private readonly signals = new Map<number, Tensor>();

  constructor(
    readonly config: UseLiteConfig,
    options: { readonly pooling: boolean } = { pooling: true },
  ) {
    super();
    this.embeddings = placeholderEmbedding(config.vocabSize, config.embeddingSize);
    this.layer = Array.from({ length: config.numHiddenLayers }, (_, i) => new UseLiteLayer(i === 0 ? config.embeddingSize : config.hiddenSize, config));
    this.tanh_layer = options.pooling ? placeholderLinear(config.hiddenSize, config.hiddenSize) : null;
  }

  private timing(length: number): Tensor {
    let signal = this.signals.get(length);
    if (!signal) this.signals.set(length, (signal = timingSignal(length, this.config.embeddingSize, this.config.maxTimescale)));
    return signal;
  }

  private checkInputs(inputs: TextInputs): void {
    const [b, t] = inputs.inputIds.shape as [number, number];
    const mask = inputs.attentionMask.shape;
    if (inputs.inputIds.rank !== 2 || mask.length !== 2 || mask[0] !== b || mask[1] !== t) {
      throw new FinetuneError(`use-lite: input ids [${inputs.inputIds.shape.join(', ')}] and attention mask [${mask.join(', ')}] must both be [batch, tokens]`);
    }
    if (t > this.config.maxPositionEmbeddings) {
      throw new FinetuneError(
        `input of ${t} tokens is longer than the model takes (${this.config.maxPositionEmbeddings}, from max_position_embeddings); use a smaller --max-length`,
      );
    }
  }

  /** The last layer's output [B, T, H]. */
  lastHiddenState(inputs: TextInputs): Tensor {
    this.checkInputs(inputs);
    const t = inputs.inputIds.shape[1]!;
    // `Layer_0/add`: x0 = E[id] + (E[id] + PE(t)); the embedding really is counted twice, with no sqrt(E) scaling.
    let x = this.embeddings.forward(inputs.inputIds).mul(2).add(this.timing(t));
    const mask = attentionBias(inputs.attentionMask, MASK_BIAS);
    for (const layer of this.layer) x = layer.forward(x, mask);
    return x;
  }

  /** Mean over tokens, tanh layer, L2 normalisation: [B, H], each row of length 1. */
  forward(inputs: TextInputs): Tensor {
    const hidden = this.lastHiddenState(inputs);
    const [b, t] = inputs.inputIds.shape as [number, number];
    // Pooling: sum_t M h / max(len, 1); the graph's `Maximum` keeps an empty sentence from dividing by 0.
    const pooled = hidden.mul(maskedMeanWeights(inputs.attentionMask).reshape([b, t, 1])).sum(1);
    if (!this.tanh_layer) throw new FinetuneError('use-lite: this encoder was built for token states, without the sentence pooling layer');
    const y = this.tanh_layer.forward(pooled).tanh();
    const squares = y.mul(y).sum(-1, true);
    return y.mul(maximum(squares, Tensor.scalar(L2_EPSILON)).rsqrt());
  }
}

/** Where USE-lite's base sits in the parameter names. */
export function useLiteBaseInfo(config: UseLiteConfig): EncoderBaseInfo {
  return { name: 'encoder', layers: 'layer', hiddenSize: config.hiddenSize, numLayers: config.numHiddenLayers, loraTargets: USE_LITE_LORA_TARGETS };
}

function useLiteIdentity(config: UseLiteConfig, head: HeadSpec): ClassifierIdentity {
  const architecture = head.kind === 'token-classification' ? 'UseLiteForTokenClassification' : USE_LITE_ARCHITECTURE;
  return { source: useLiteConfigJson(config), defaults: USE_LITE_CONFIG_DEFAULTS, modelType: USE_LITE_MODEL_TYPE, architecture, head };
}

/**
 * USE-lite with a linear classifier on its sentence embedding (scaled by headInputScale, after dropout).
 * Built with zero placeholder weights: the package's weights, a checkpoint or the family's
 * initialisation (useLiteFamily.initialize) sets each of them once.
 */
export class UseLiteForSequenceClassification extends EncoderClassifierBase {
  encoder: UseLiteEncoder;
  dropout: Dropout;
  classifier: Linear;
  readonly headModules = ['classifier'] as const;

  constructor(
    readonly config: UseLiteConfig,
    head: HeadSpec,
  ) {
    super(useLiteIdentity(config, head), useLiteBaseInfo(config));
    this.encoder = new UseLiteEncoder(config);
    this.dropout = new Dropout(config.classifierDropout);
    this.classifier = placeholderLinear(config.hiddenSize, this.numLabels);
  }

  get base(): UseLiteEncoder {
    return this.encoder;
  }

  /** The unit-length sentence embedding [B, H]: what the package's `embed()` returns. */
  features(inputs: TextInputs): Tensor {
    return this.encoder.forward(inputs);
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(features).mul(this.config.headInputScale));
  }
}

/** A use-lite model with either head: tokens read the last layer's states [B, T, H] (no pooling, no scaling). */
export type UseLiteTaskModel = EncoderClassifierBase & { readonly encoder: UseLiteEncoder; readonly classifier: Linear };

/** Builds use-lite with the head `head` asks for. */
export function createUseLite(config: UseLiteConfig, head: HeadSpec): UseLiteTaskModel {
  if (head.kind === 'sequence-classification') return new UseLiteForSequenceClassification(config, head);
  return new EncoderForTokenClassification(
    new UseLiteEncoder(config, { pooling: false }),
    useLiteBaseInfo(config),
    useLiteIdentity(config, head),
    config.classifierDropout,
  ) as unknown as UseLiteTaskModel;
}
