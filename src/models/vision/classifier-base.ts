// What every image classifier shares: forward = classify(features), labels, config.json and checkpoint state, pixel checks.
import { FinetuneError } from '../../errors.js';
import { Module } from '../../nn/module.js';
import { formatShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ClassifierIdentity } from '../encoder/classifier-base.js';
import { savedConfigJson } from '../encoder/config-json.js';
import { labelCount } from '../labels.js';
import { type HeadSpec, imageInputs, type LabelNames, type ModelInputs } from '../types.js';
import type { ImageTaskModel } from './image-model.js';
import type { ImagePreprocessor } from './preprocessor.js';

/** Where a family's base sits in the parameter names: data, one per family. */
export interface VisionBaseInfo {
  /** Parameter-name prefix of the stem or patch embedding (`--freeze embeddings`). */
  readonly embeddingsPrefix: string;
  /** Parameter-name prefixes of the stages (ResNet) or blocks (ViT), lowest first (`--freeze N`). */
  readonly layerPrefixes: readonly string[];
  /** Head modules (trained under `--freeze base`, PEFT's modules_to_save). */
  readonly headModules: readonly string[];
  readonly defaultLoraTargets: readonly string[];
  readonly numChannels: number;
}

/**
 * Fails with one line when pixel values are not [B, C, H, W] with the model's channels (and, when given, its
 * fixed input size): a mistake in the data's preprocessing, not in the model.
 */
export function checkPixels(pixels: Tensor, channels: number, size?: { readonly height: number; readonly width: number }): void {
  const s = pixels.shape;
  const fits = s.length === 4 && s[1] === channels && (size === undefined || (s[2] === size.height && s[3] === size.width));
  if (!fits) {
    const want = size === undefined ? `[B, ${channels}, H, W]` : `[B, ${channels}, ${size.height}, ${size.width}]`;
    throw new FinetuneError(`pixel_values ${formatShape(s)} do not fit the model, which takes ${want}`);
  }
}

export abstract class VisionClassifierBase extends Module implements ImageTaskModel {
  readonly modelType: string;
  readonly architecture: string;
  readonly head: HeadSpec;
  readonly labels: LabelNames;
  readonly numLabels: number;
  readonly embeddingsPrefix: string;
  readonly layerPrefixes: readonly string[];
  readonly headModules: readonly string[];
  readonly defaultLoraTargets: readonly string[];
  readonly numChannels: number;
  /** Set by the loader from the folder's preprocessor_config.json (the family's default until then). */
  preprocessor: ImagePreprocessor;
  private readonly identity: ClassifierIdentity;

  constructor(identity: ClassifierIdentity, info: VisionBaseInfo, preprocessor: ImagePreprocessor) {
    super();
    this.identity = identity;
    this.modelType = identity.modelType;
    this.architecture = identity.architecture;
    this.head = identity.head;
    this.labels = identity.head.labels;
    this.numLabels = labelCount(identity.head.labels);
    this.embeddingsPrefix = info.embeddingsPrefix;
    this.layerPrefixes = info.layerPrefixes;
    this.headModules = info.headModules;
    this.defaultLoraTargets = info.defaultLoraTargets;
    this.numChannels = info.numChannels;
    this.preprocessor = preprocessor;
  }

  /** The pooled base output [B, F] from pixel values [B, C, H, W]. */
  protected abstract pooled(pixels: Tensor): Tensor;
  abstract classify(features: Tensor): Tensor;

  features(inputs: ModelInputs): Tensor {
    return this.pooled(imageInputs(inputs).pixelValues);
  }

  forward(inputs: ModelInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  configJson(): Record<string, unknown> {
    return savedConfigJson(this.identity.defaults, this.identity.source, this.architecture, this.head);
  }

  /** Parameters and persistent buffers (batch-norm statistics), as save_pretrained writes them. */
  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}
