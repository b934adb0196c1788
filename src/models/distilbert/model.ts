// DistilBertModel and DistilBertForSequenceClassification (the token head is the shared EncoderForTokenClassification) with transformers' module names (parameter names are checkpoint keys).
import { additiveMask } from '../../nn/attention.js';
import { Dropout, type Embedding, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { FinetuneError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { activationByName, type Activation } from '../encoder/activation.js';
import { selfAttention } from '../encoder/attention.js';
import { EncoderClassifierBase, firstToken, type ClassifierIdentity, type EncoderBaseInfo } from '../encoder/classifier-base.js';
import { absolutePositions, paddedEmbedding } from '../encoder/embedding.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { TextInputs } from '../types.js';
import { DISTILBERT_LAYER_NORM_EPS, type DistilBertConfig } from './config.js';
import { DISTILBERT_LORA_TARGETS } from './weights.js';

/** word + position embeddings, LayerNorm, dropout (no segment ids). Shapes: ids [B, T] -> [B, T, H]. */
export class DistilBertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(readonly config: DistilBertConfig) {
    super();
    this.word_embeddings = placeholderEmbedding(config.vocabSize, config.dim);
    this.position_embeddings = placeholderEmbedding(config.maxPositionEmbeddings, config.dim);
    this.LayerNorm = new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS);
    this.dropout = new Dropout(config.dropout);
  }

  forward(inputs: TextInputs): Tensor {
    const t = inputs.inputIds.shape[1]!;
    if (t > this.config.maxPositionEmbeddings) {
      throw new FinetuneError(
        `input of ${t} tokens is longer than the model takes (max_position_embeddings ${this.config.maxPositionEmbeddings}); use a smaller --max-length`,
      );
    }
    const words = paddedEmbedding(this.word_embeddings.weight, inputs.inputIds, this.config.padTokenId);
    const positions = this.position_embeddings.forward(absolutePositions(t));
    return this.dropout.forward(this.LayerNorm.forward(words.add(positions)));
  }
}

class DistilBertSelfAttention extends Module {
  q_lin: Linear;
  k_lin: Linear;
  v_lin: Linear;
  out_lin: Linear;

  constructor(private readonly config: DistilBertConfig) {
    super();
    this.q_lin = placeholderLinear(config.dim, config.dim);
    this.k_lin = placeholderLinear(config.dim, config.dim);
    this.v_lin = placeholderLinear(config.dim, config.dim);
    this.out_lin = placeholderLinear(config.dim, config.dim);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    const context = selfAttention(x, this.q_lin, this.k_lin, this.v_lin, {
      heads: this.config.nHeads,
      mask,
      dropout: this.config.attentionDropout,
      training: this.training,
    });
    return this.out_lin.forward(context);
  }
}

class FFN extends Module {
  lin1: Linear;
  lin2: Linear;
  dropout: Dropout;

  constructor(
    config: DistilBertConfig,
    private readonly activation: Activation,
  ) {
    super();
    this.lin1 = placeholderLinear(config.dim, config.hiddenDim);
    this.lin2 = placeholderLinear(config.hiddenDim, config.dim);
    this.dropout = new Dropout(config.dropout);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.lin2.forward(this.activation(this.lin1.forward(x))));
  }
}

/** One post-LayerNorm layer. Shapes: x [B, T, H], mask [B, 1, 1, T] -> [B, T, H]. */
class TransformerBlock extends Module {
  attention: DistilBertSelfAttention;
  sa_layer_norm: LayerNorm;
  ffn: FFN;
  output_layer_norm: LayerNorm;

  constructor(config: DistilBertConfig, activation: Activation) {
    super();
    this.attention = new DistilBertSelfAttention(config);
    this.sa_layer_norm = new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS);
    this.ffn = new FFN(config, activation);
    this.output_layer_norm = new LayerNorm(config.dim, DISTILBERT_LAYER_NORM_EPS);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    const attended = this.sa_layer_norm.forward(this.attention.forward(x, mask).add(x));
    return this.output_layer_norm.forward(this.ffn.forward(attended).add(attended));
  }
}

class Transformer extends Module {
  layer: TransformerBlock[];

  constructor(config: DistilBertConfig, activation: Activation) {
    super();
    this.layer = Array.from({ length: config.nLayers }, () => new TransformerBlock(config, activation));
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    let h = x;
    for (const layer of this.layer) h = layer.forward(h, mask);
    return h;
  }
}

export class DistilBertModel extends Module {
  embeddings: DistilBertEmbeddings;
  transformer: Transformer;

  constructor(
    readonly config: DistilBertConfig,
    where: string,
  ) {
    super();
    this.embeddings = new DistilBertEmbeddings(config);
    this.transformer = new Transformer(config, activationByName(config.activation, `${where}: activation`));
  }

  lastHiddenState(inputs: TextInputs): Tensor {
    return this.transformer.forward(this.embeddings.forward(inputs), additiveMask(inputs.attentionMask));
  }
}

/** Where DistilBERT's base sits in the parameter names. */
export function distilBertBaseInfo(config: DistilBertConfig): EncoderBaseInfo {
  return { name: 'distilbert', layers: 'transformer.layer', hiddenSize: config.dim, numLayers: config.nLayers, loraTargets: DISTILBERT_LORA_TARGETS };
}

/** first token -> pre_classifier -> ReLU -> dropout -> classifier. */
export class DistilBertForSequenceClassification extends EncoderClassifierBase {
  distilbert: DistilBertModel;
  pre_classifier: Linear;
  classifier: Linear;
  dropout: Dropout;
  readonly headModules = ['pre_classifier', 'classifier'] as const;

  constructor(
    readonly config: DistilBertConfig,
    identity: ClassifierIdentity,
    where: string,
  ) {
    super(identity, distilBertBaseInfo(config));
    this.distilbert = new DistilBertModel(config, where);
    this.pre_classifier = placeholderLinear(config.dim, config.dim);
    this.classifier = placeholderLinear(config.dim, this.numLabels);
    this.dropout = new Dropout(config.seqClassifDropout);
  }

  get base(): DistilBertModel {
    return this.distilbert;
  }

  /** The first token's vector [B, H] ([CLS]). */
  features(inputs: TextInputs): Tensor {
    return firstToken(this.lastHiddenState(inputs));
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(this.pre_classifier.forward(features).relu()));
  }
}

/** DistilBERT's sinusoidal position table: sin on even columns, cos on odd, as transformers builds it. */
export function sinusoidalTable(positions: number, dim: number): Float32Array {
  const out = new Float32Array(positions * dim);
  for (let pos = 0; pos < positions; pos++) {
    for (let j = 0; j < dim; j++) {
      const angle = pos / 10000 ** ((2 * Math.floor(j / 2)) / dim);
      out[pos * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return out;
}
