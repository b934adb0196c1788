// MobileNetV2KerasForImageClassification: a Keras CNN backbone (from TF.js Layers) with global average pooling and a new linear head.
import { Dropout, Linear } from '../../nn/layers.js';
import { adaptiveAvgPool2d } from '../../tensor/ops/pooling.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ClassifierIdentity } from '../encoder/classifier-base.js';
import { checkPixels, VisionClassifierBase } from '../vision/classifier-base.js';
import type { ImagePreprocessor } from '../vision/preprocessor.js';
import type { MobileNetV2KerasConfig } from './config.js';
import { KerasGraph } from './graph.js';
import { BACKBONE } from './weights.js';

/** What nsfwjs feeds its models: 224 x 224 RGB scaled to [0, 1] (no mean or std), bilinear resizing. */
export const NSFWJS_PREPROCESSOR: ImagePreprocessor = {
  size: { height: 224, width: 224 },
  rescaleFactor: 1 / 255,
  imageMean: [0, 0, 0],
  imageStd: [1, 1, 1],
  resample: 'bilinear',
};

/** Shapes: pixels [B, C, H, W] -> backbone [B, F, h, w] -> pooled features [B, F] -> dropout -> logits [B, classes]. */
export class MobileNetV2KerasForImageClassification extends VisionClassifierBase {
  backbone: KerasGraph;
  dropout: Dropout;
  classifier: Linear;

  constructor(
    readonly config: MobileNetV2KerasConfig,
    identity: ClassifierIdentity,
    preprocessor: ImagePreprocessor = NSFWJS_PREPROCESSOR,
    channels?: ConstructorParameters<typeof KerasGraph>[2],
  ) {
    const backbone = new KerasGraph(config.layers, 'config.json keras_model_config', channels);
    const groups = backbone.groupNames();
    super(
      identity,
      {
        embeddingsPrefix: `${BACKBONE}.stem`,
        layerPrefixes: groups.filter((g) => g !== 'stem').map((g) => `${BACKBONE}.${g}`),
        headModules: ['classifier'],
        // PEFT has no default for MobileNetV2, and LoRA here wraps linear layers only.
        defaultLoraTargets: [],
        numChannels: config.numChannels,
      },
      preprocessor,
    );
    this.backbone = backbone;
    this.dropout = new Dropout(config.classifierDropoutProb);
    this.classifier = new Linear(config.hiddenSize, this.numLabels);
  }

  protected pooled(pixels: Tensor): Tensor {
    checkPixels(pixels, this.config.numChannels);
    const out = this.backbone.forward(pixels);
    return out.rank === 4 ? adaptiveAvgPool2d(out, 1).reshape([out.shape[0]!, out.shape[1]!]) : out;
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(features));
  }
}
