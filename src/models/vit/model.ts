// ViTForImageClassification with the module names of google/vit-* checkpoints (parameter names are the saved keys).
import { multiHeadAttention } from '../../nn/attention.js';
import { Dropout, LayerNorm, Linear } from '../../nn/layers.js';
import { Module, Parameter } from '../../nn/module.js';
import { Conv2d } from '../../nn/vision.js';
import { concat } from '../../tensor/ops/layout.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Activation, activationByName } from '../encoder/activation.js';
import type { ClassifierIdentity } from '../encoder/classifier-base.js';
import { placeholderLinear } from '../encoder/init.js';
import { checkPixels, VisionClassifierBase } from '../vision/classifier-base.js';
import { type ImagePreprocessor, VIT_PREPROCESSOR } from '../vision/preprocessor.js';
import type { ViTConfig } from './config.js';
import { VIT_LORA_TARGETS } from './weights.js';

/** Non-overlapping patches projected to H: a conv with kernel = stride = patch. Shapes: [B, C, IH, IW] -> [B, H, IH / P, IW / P]. */
export class ViTPatchEmbeddings extends Module {
  projection: Conv2d;

  constructor(config: ViTConfig) {
    super();
    this.projection = new Conv2d(config.numChannels, config.hiddenSize, config.patchSize as [number, number], { stride: config.patchSize as [number, number] });
  }

  forward(pixels: Tensor): Tensor {
    return this.projection.forward(pixels);
  }
}

/** [CLS] + patch tokens, plus learned positions, dropout. Shapes: [B, C, IH, IW] -> [B, N + 1, H], N = patches. */
export class ViTEmbeddings extends Module {
  cls_token: Parameter;
  position_embeddings: Parameter;
  patch_embeddings: ViTPatchEmbeddings;
  dropout: Dropout;

  constructor(readonly config: ViTConfig) {
    super();
    const h = config.hiddenSize;
    const patches = (config.imageSize[0] / config.patchSize[0]) * (config.imageSize[1] / config.patchSize[1]);
    this.cls_token = new Parameter(new Float32Array(h), [1, 1, h]);
    this.position_embeddings = new Parameter(new Float32Array((patches + 1) * h), [1, patches + 1, h]);
    this.patch_embeddings = new ViTPatchEmbeddings(config);
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  forward(pixels: Tensor): Tensor {
    const [height, width] = this.config.imageSize;
    checkPixels(pixels, this.config.numChannels, { height, width });
    const grid = this.patch_embeddings.forward(pixels);
    const [b, h, gh, gw] = grid.shape as [number, number, number, number];
    const tokens = grid.reshape([b, h, gh * gw]).transpose(1, 2);
    const withCls = concat([this.cls_token.expand([b, 1, h]), tokens], 1);
    return this.dropout.forward(withCls.add(this.position_embeddings));
  }
}

export class ViTSelfAttention extends Module {
  query: Linear;
  key: Linear;
  value: Linear;

  constructor(readonly config: ViTConfig) {
    super();
    const h = config.hiddenSize;
    const make = (): Linear => (config.qkvBias ? placeholderLinear(h, h) : new Linear(h, h, { bias: false }));
    this.query = make();
    this.key = make();
    this.value = make();
  }

  /** Shapes: [B, T, H] -> [B, T, H] (heads merged, before the output projection). */
  forward(x: Tensor): Tensor {
    return multiHeadAttention(this.query.forward(x), this.key.forward(x), this.value.forward(x), {
      heads: this.config.numAttentionHeads,
      dropout: this.config.attentionProbsDropoutProb,
      training: this.training,
    });
  }
}

/** A projection then dropout (ViTSelfOutput, and ViTOutput before its residual). */
export class ViTProjection extends Module {
  dense: Linear;
  dropout: Dropout;

  constructor(inFeatures: number, outFeatures: number, p: number) {
    super();
    this.dense = placeholderLinear(inFeatures, outFeatures);
    this.dropout = new Dropout(p);
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.dense.forward(x));
  }
}

export class ViTAttention extends Module {
  attention: ViTSelfAttention;
  output: ViTProjection;

  constructor(config: ViTConfig) {
    super();
    this.attention = new ViTSelfAttention(config);
    this.output = new ViTProjection(config.hiddenSize, config.hiddenSize, config.hiddenDropoutProb);
  }

  forward(x: Tensor): Tensor {
    return this.output.forward(this.attention.forward(x));
  }
}

export class ViTIntermediate extends Module {
  dense: Linear;
  private readonly activation: Activation;

  constructor(config: ViTConfig) {
    super();
    this.dense = placeholderLinear(config.hiddenSize, config.intermediateSize);
    this.activation = activationByName(config.hiddenAct, 'hidden_act');
  }

  forward(x: Tensor): Tensor {
    return this.activation(this.dense.forward(x));
  }
}

/** A pre-LayerNorm block: x + attn(LN(x)), then + mlp(LN(.)). Shapes: [B, T, H] -> [B, T, H]. */
export class ViTLayer extends Module {
  attention: ViTAttention;
  intermediate: ViTIntermediate;
  output: ViTProjection;
  layernorm_before: LayerNorm;
  layernorm_after: LayerNorm;

  constructor(config: ViTConfig) {
    super();
    this.attention = new ViTAttention(config);
    this.intermediate = new ViTIntermediate(config);
    this.output = new ViTProjection(config.intermediateSize, config.hiddenSize, config.hiddenDropoutProb);
    this.layernorm_before = new LayerNorm(config.hiddenSize, config.layerNormEps);
    this.layernorm_after = new LayerNorm(config.hiddenSize, config.layerNormEps);
  }

  forward(x: Tensor): Tensor {
    const attended = this.attention.forward(this.layernorm_before.forward(x)).add(x);
    return this.output.forward(this.intermediate.forward(this.layernorm_after.forward(attended))).add(attended);
  }
}

export class ViTEncoder extends Module {
  layer: ViTLayer[];

  constructor(config: ViTConfig) {
    super();
    this.layer = Array.from({ length: config.numHiddenLayers }, () => new ViTLayer(config));
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layer) h = layer.forward(h);
    return h;
  }
}

/** ViTModel without the pooler (as ViTForImageClassification builds it). Shapes: [B, C, IH, IW] -> [B, N + 1, H]. */
export class ViTModel extends Module {
  embeddings: ViTEmbeddings;
  encoder: ViTEncoder;
  layernorm: LayerNorm;

  constructor(readonly config: ViTConfig) {
    super();
    this.embeddings = new ViTEmbeddings(config);
    this.encoder = new ViTEncoder(config);
    this.layernorm = new LayerNorm(config.hiddenSize, config.layerNormEps);
  }

  lastHiddenState(pixels: Tensor): Tensor {
    return this.layernorm.forward(this.encoder.forward(this.embeddings.forward(pixels)));
  }
}

/** ViTForImageClassification: the final [CLS] token [B, H] -> classifier -> logits [B, C]. */
export class ViTForImageClassification extends VisionClassifierBase {
  vit: ViTModel;
  classifier: Linear;

  constructor(
    readonly config: ViTConfig,
    identity: ClassifierIdentity,
    preprocessor: ImagePreprocessor = VIT_PREPROCESSOR,
  ) {
    super(
      identity,
      {
        embeddingsPrefix: 'vit.embeddings',
        layerPrefixes: Array.from({ length: config.numHiddenLayers }, (_, i) => `vit.encoder.layer.${i}`),
        headModules: ['classifier'],
        defaultLoraTargets: VIT_LORA_TARGETS,
        numChannels: config.numChannels,
      },
      preprocessor,
    );
    this.vit = new ViTModel(config);
    this.classifier = placeholderLinear(config.hiddenSize, this.numLabels);
  }

  protected pooled(pixels: Tensor): Tensor {
    const hidden = this.vit.lastHiddenState(pixels);
    const [b, , h] = hidden.shape as [number, number, number];
    return hidden.slice(1, 0, 1).reshape([b, h]);
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
