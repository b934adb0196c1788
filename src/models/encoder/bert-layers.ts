// The BERT encoder stack (shared by BERT and RoBERTa), with transformers' module names so parameter names are checkpoint keys.
import { Dropout, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Activation } from './activation.js';
import { selfAttention } from './attention.js';
import { placeholderLinear } from './init.js';

/** The sizes and rates one BERT-style layer needs. */
export interface BertLayerShape {
  readonly hiddenSize: number;
  readonly heads: number;
  readonly intermediateSize: number;
  readonly activation: Activation;
  readonly hiddenDropout: number;
  readonly attentionDropout: number;
  readonly layerNormEps: number;
}

class BertSelfAttention extends Module {
  query: Linear;
  key: Linear;
  value: Linear;

  constructor(readonly shape: BertLayerShape) {
    super();
    this.query = placeholderLinear(shape.hiddenSize, shape.hiddenSize);
    this.key = placeholderLinear(shape.hiddenSize, shape.hiddenSize);
    this.value = placeholderLinear(shape.hiddenSize, shape.hiddenSize);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    return selfAttention(x, this.query, this.key, this.value, {
      heads: this.shape.heads,
      mask,
      dropout: this.shape.attentionDropout,
      training: this.training,
    });
  }
}

/** dense -> dropout -> LayerNorm(residual + .): BertSelfOutput and BertOutput alike. */
class ResidualOutput extends Module {
  dense: Linear;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(inFeatures: number, shape: BertLayerShape) {
    super();
    this.dense = placeholderLinear(inFeatures, shape.hiddenSize);
    this.LayerNorm = new LayerNorm(shape.hiddenSize, shape.layerNormEps);
    this.dropout = new Dropout(shape.hiddenDropout);
  }

  forward(x: Tensor, residual: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(x)).add(residual));
  }
}

class BertAttention extends Module {
  self: BertSelfAttention;
  output: ResidualOutput;

  constructor(shape: BertLayerShape) {
    super();
    this.self = new BertSelfAttention(shape);
    this.output = new ResidualOutput(shape.hiddenSize, shape);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    return this.output.forward(this.self.forward(x, mask), x);
  }
}

class BertIntermediate extends Module {
  dense: Linear;

  constructor(private readonly shape: BertLayerShape) {
    super();
    this.dense = placeholderLinear(shape.hiddenSize, shape.intermediateSize);
  }

  forward(x: Tensor): Tensor {
    return this.shape.activation(this.dense.forward(x));
  }
}

/** One post-LayerNorm transformer layer. Shapes: x [B, T, H], mask [B, 1, 1, T] -> [B, T, H]. */
export class BertLayer extends Module {
  attention: BertAttention;
  intermediate: BertIntermediate;
  output: ResidualOutput;

  constructor(shape: BertLayerShape) {
    super();
    this.attention = new BertAttention(shape);
    this.intermediate = new BertIntermediate(shape);
    this.output = new ResidualOutput(shape.intermediateSize, shape);
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    const attended = this.attention.forward(x, mask);
    return this.output.forward(this.intermediate.forward(attended), attended);
  }
}

/** The stack of layers: `encoder.layer.{i}`. */
export class BertEncoder extends Module {
  layer: BertLayer[];

  constructor(shape: BertLayerShape, layers: number) {
    super();
    this.layer = Array.from({ length: layers }, () => new BertLayer(shape));
  }

  forward(x: Tensor, mask: Tensor): Tensor {
    let h = x;
    for (const layer of this.layer) h = layer.forward(h, mask);
    return h;
  }
}
