// What the encoder classifiers share: forward = classify(features), config.json and checkpoint state, freeze prefixes.
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { labelCount } from '../labels.js';
import type { EncoderClassifier, LabelNames, ModelInputs } from '../types.js';
import type { ConfigJson } from './config-fields.js';
import { savedConfigJson } from './config-json.js';

/** Each row's first token ([CLS] or <s>), what the classifiers read. Shapes: [B, T, H] -> [B, H]. */
export function firstToken(hidden: Tensor): Tensor {
  const [b, , h] = hidden.shape as [number, number, number];
  return hidden.slice(1, 0, 1).reshape([b, h]);
}

/** Identity of a classifier: where it came from and how it saves. */
export interface ClassifierIdentity {
  /** The config.json the model was built from (kept whole: unknown fields are written back). */
  readonly source: ConfigJson;
  /** Fields transformers writes for the class when the source lacks them. */
  readonly defaults: ConfigJson;
  readonly modelType: string;
  readonly architecture: string;
  readonly labels: LabelNames;
}

export abstract class EncoderClassifierBase extends Module implements EncoderClassifier {
  readonly modelType: string;
  readonly architecture: string;
  readonly labels: LabelNames;
  readonly numLabels: number;
  private readonly identity: ClassifierIdentity;

  abstract readonly hiddenSize: number;
  abstract readonly numLayers: number;
  abstract readonly headModules: readonly string[];
  abstract readonly embeddingsPrefix: string;
  abstract readonly defaultLoraTargets: readonly string[];

  constructor(identity: ClassifierIdentity) {
    super();
    this.identity = identity;
    this.modelType = identity.modelType;
    this.architecture = identity.architecture;
    this.labels = identity.labels;
    this.numLabels = labelCount(identity.labels);
  }

  abstract features(inputs: ModelInputs): Tensor;
  abstract classify(features: Tensor): Tensor;
  abstract lastHiddenState(inputs: ModelInputs): Tensor;
  /** Prefix of encoder layer i's parameters, e.g. 'bert.encoder.layer.3'. */
  protected abstract layerPrefix(index: number): string;

  get layerPrefixes(): readonly string[] {
    return Array.from({ length: this.numLayers }, (_, i) => this.layerPrefix(i));
  }

  forward(inputs: ModelInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  configJson(): Record<string, unknown> {
    return savedConfigJson(this.identity.defaults, this.identity.source, this.architecture, this.labels);
  }

  /** Parameters (a tied one under its first name) and persistent buffers, as save_pretrained writes them. */
  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}
