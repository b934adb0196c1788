// ResNetForImageClassification with transformers' module names (parameter and buffer names are checkpoint keys).
import { Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, MaxPool2d } from '../../nn/vision.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Activation, activationByName } from '../encoder/activation.js';
import type { ClassifierIdentity } from '../encoder/classifier-base.js';
import { checkPixels, VisionClassifierBase } from '../vision/classifier-base.js';
import { type ImagePreprocessor, RESNET_PREPROCESSOR } from '../vision/preprocessor.js';
import type { ResNetConfig } from './config.js';
import { RESNET_HEAD } from './weights.js';

/** conv (no bias, padding k / 2) -> batch norm -> activation (none for the last of a residual branch). Shapes: [B, C, H, W] -> [B, O, H / s, W / s]. */
export class ResNetConvLayer extends Module {
  convolution: Conv2d;
  normalization: BatchNorm2d;
  private readonly activation: Activation | null;

  constructor(inChannels: number, outChannels: number, kernel: number, stride: number, activation: Activation | null) {
    super();
    this.convolution = new Conv2d(inChannels, outChannels, kernel, { stride, padding: Math.floor(kernel / 2), bias: false });
    this.normalization = new BatchNorm2d(outChannels);
    this.activation = activation;
  }

  forward(x: Tensor): Tensor {
    const y = this.normalization.forward(this.convolution.forward(x));
    return this.activation ? this.activation(y) : y;
  }
}

/** 1 x 1 projection of the residual (with the layer's stride) where channels or size change. */
export class ResNetShortCut extends Module {
  convolution: Conv2d;
  normalization: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, stride: number) {
    super();
    this.convolution = new Conv2d(inChannels, outChannels, 1, { stride, bias: false });
    this.normalization = new BatchNorm2d(outChannels);
  }

  forward(x: Tensor): Tensor {
    return this.normalization.forward(this.convolution.forward(x));
  }
}

/** A residual layer: basic (3 x 3, 3 x 3) or bottleneck (1 x 1 down to out / 4, 3 x 3, 1 x 1 up); act(branch(x) + shortcut(x)). */
export class ResNetResidualLayer extends Module {
  /** Absent (identity) when channels and size stay. */
  shortcut: ResNetShortCut | null;
  layer: ResNetConvLayer[];
  private readonly activation: Activation;

  constructor(config: ResNetConfig, inChannels: number, outChannels: number, stride: number) {
    super();
    const act = activationByName(config.hiddenAct, 'hidden_act');
    this.activation = act;
    this.shortcut = inChannels !== outChannels || stride !== 1 ? new ResNetShortCut(inChannels, outChannels, stride) : null;
    if (config.layerType === 'basic') {
      this.layer = [new ResNetConvLayer(inChannels, outChannels, 3, stride, act), new ResNetConvLayer(outChannels, outChannels, 3, 1, null)];
    } else {
      const reduced = outChannels / 4;
      const first = config.downsampleInBottleneck ? stride : 1;
      this.layer = [
        new ResNetConvLayer(inChannels, reduced, 1, first, act),
        new ResNetConvLayer(reduced, reduced, 3, stride / first, act),
        new ResNetConvLayer(reduced, outChannels, 1, 1, null),
      ];
    }
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const conv of this.layer) h = conv.forward(h);
    return this.activation(h.add(this.shortcut ? this.shortcut.forward(x) : x));
  }
}

/** A stage: its first layer changes channels (and strides), the rest keep them. */
export class ResNetStage extends Module {
  layers: ResNetResidualLayer[];

  constructor(config: ResNetConfig, inChannels: number, outChannels: number, stride: number, depth: number) {
    super();
    this.layers = Array.from({ length: depth }, (_, i) =>
      i === 0 ? new ResNetResidualLayer(config, inChannels, outChannels, stride) : new ResNetResidualLayer(config, outChannels, outChannels, 1),
    );
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = layer.forward(h);
    return h;
  }
}

/** The stem: 7 x 7 stride-2 conv block, then 3 x 3 stride-2 max pooling. Shapes: [B, C, H, W] -> [B, E, H / 4, W / 4]. */
export class ResNetEmbeddings extends Module {
  embedder: ResNetConvLayer;
  pooler: MaxPool2d;

  constructor(config: ResNetConfig) {
    super();
    this.embedder = new ResNetConvLayer(config.numChannels, config.embeddingSize, 7, 2, activationByName(config.hiddenAct, 'hidden_act'));
    this.pooler = new MaxPool2d({ kernel: 3, stride: 2, padding: 1 });
  }

  forward(x: Tensor): Tensor {
    return this.pooler.forward(this.embedder.forward(x));
  }
}

export class ResNetEncoder extends Module {
  stages: ResNetStage[];

  constructor(config: ResNetConfig) {
    super();
    const { hiddenSizes, depths } = config;
    this.stages = hiddenSizes.map((out, i) =>
      i === 0
        ? new ResNetStage(config, config.embeddingSize, out, config.downsampleInFirstStage ? 2 : 1, depths[0]!)
        : new ResNetStage(config, hiddenSizes[i - 1]!, out, 2, depths[i]!),
    );
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (const stage of this.stages) h = stage.forward(h);
    return h;
  }
}

/** ResNetModel: stem, stages, global average pooling. Shapes: [B, C, H, W] -> pooled [B, F] (F = the last hidden size). */
export class ResNetModel extends Module {
  embedder: ResNetEmbeddings;
  encoder: ResNetEncoder;
  pooler: AdaptiveAvgPool2d;

  constructor(readonly config: ResNetConfig) {
    super();
    this.embedder = new ResNetEmbeddings(config);
    this.encoder = new ResNetEncoder(config);
    this.pooler = new AdaptiveAvgPool2d(1);
  }

  /** The last stage's feature map [B, F, H / 32, W / 32] (transformers' last_hidden_state). */
  lastHiddenState(pixels: Tensor): Tensor {
    checkPixels(pixels, this.config.numChannels);
    return this.encoder.forward(this.embedder.forward(pixels));
  }

  pooled(pixels: Tensor): Tensor {
    const pooled = this.pooler.forward(this.lastHiddenState(pixels));
    return pooled.reshape([pooled.shape[0]!, pooled.shape[1]!]);
  }
}

/** nn.Sequential(Flatten, Linear): the Linear sits at index 1, so its keys are `classifier.1.*`. */
export class ResNetClassifier extends Module {
  readonly 1: Linear;

  constructor(features: number, classes: number) {
    super();
    this[1] = new Linear(features, classes);
  }

  forward(x: Tensor): Tensor {
    return this[1].forward(x);
  }
}

/** ResNetForImageClassification: pooled features [B, F] -> classifier -> logits [B, C]. */
export class ResNetForImageClassification extends VisionClassifierBase {
  resnet: ResNetModel;
  classifier: ResNetClassifier;

  constructor(
    readonly config: ResNetConfig,
    identity: ClassifierIdentity,
    preprocessor: ImagePreprocessor = RESNET_PREPROCESSOR,
  ) {
    super(
      identity,
      {
        embeddingsPrefix: 'resnet.embedder',
        layerPrefixes: config.depths.map((_, i) => `resnet.encoder.stages.${i}`),
        headModules: [RESNET_HEAD],
        // PEFT has no default for ResNet, and LoRA here wraps linear layers only.
        defaultLoraTargets: [],
        numChannels: config.numChannels,
      },
      preprocessor,
    );
    this.resnet = new ResNetModel(config);
    this.classifier = new ResNetClassifier(config.hiddenSizes.at(-1)!, this.numLabels);
  }

  protected pooled(pixels: Tensor): Tensor {
    return this.resnet.pooled(pixels);
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
