// What every encoder task model shares: forward = classify(features), config.json and checkpoint state, freeze prefixes, and the token head.
import { Dropout, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { labelCount } from '../labels.js';
import type { EncoderTaskModel, HeadSpec, LabelNames, TextInputs } from '../types.js';
import type { ConfigJson } from './config-fields.js';
import { savedConfigJson } from './config-json.js';
import { placeholderLinear } from './init.js';

/** Each row's first token ([CLS] or <s>), what the sequence classifiers read. Shapes: [B, T, H] -> [B, H]. */
export function firstToken(hidden: Tensor): Tensor {
  const [b, , h] = hidden.shape as [number, number, number];
  return hidden.slice(1, 0, 1).reshape([b, h]);
}

/** A family's base model (BertModel, DistilBertModel, ...): token ids to hidden states. */
export interface EncoderBase extends Module {
  /** [B, T] ids -> [B, T, H]. */
  lastHiddenState(inputs: TextInputs): Tensor;
}

/** Where a family's base sits in the parameter names, and its size: data, one per family. */
export interface EncoderBaseInfo {
  /** The base model's attribute: 'bert', 'distilbert', 'roberta', 'encoder'. */
  readonly name: string;
  /** Path of the layer list inside the base: 'encoder.layer', 'transformer.layer', 'layer'. */
  readonly layers: string;
  readonly hiddenSize: number;
  readonly numLayers: number;
  /** PEFT's default LoRA targets for the family. */
  readonly loraTargets: readonly string[];
}

/** Identity of a task model: where it came from and how it saves. */
export interface ClassifierIdentity {
  /** The config.json the model was built from (kept whole: unknown fields are written back). */
  readonly source: ConfigJson;
  /** Fields transformers writes for the class when the source lacks them. */
  readonly defaults: ConfigJson;
  readonly modelType: string;
  readonly architecture: string;
  readonly head: HeadSpec;
}

export abstract class EncoderClassifierBase extends Module implements EncoderTaskModel {
  readonly modelType: string;
  readonly architecture: string;
  readonly head: HeadSpec;
  readonly labels: LabelNames;
  readonly numLabels: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly embeddingsPrefix: string;
  readonly layerPrefixes: readonly string[];
  readonly defaultLoraTargets: readonly string[];
  private readonly identity: ClassifierIdentity;

  abstract readonly headModules: readonly string[];

  constructor(identity: ClassifierIdentity, base: EncoderBaseInfo) {
    super();
    this.identity = identity;
    this.modelType = identity.modelType;
    this.architecture = identity.architecture;
    this.head = identity.head;
    this.labels = identity.head.labels;
    this.numLabels = labelCount(identity.head.labels);
    this.hiddenSize = base.hiddenSize;
    this.numLayers = base.numLayers;
    this.embeddingsPrefix = `${base.name}.embeddings`;
    this.layerPrefixes = Array.from({ length: base.numLayers }, (_, i) => `${base.name}.${base.layers}.${i}`);
    this.defaultLoraTargets = base.loraTargets;
  }

  /** The family's base model. */
  abstract get base(): EncoderBase;
  abstract features(inputs: TextInputs): Tensor;
  abstract classify(features: Tensor): Tensor;

  lastHiddenState(inputs: TextInputs): Tensor {
    return this.base.lastHiddenState(inputs);
  }

  forward(inputs: TextInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  configJson(): Record<string, unknown> {
    return savedConfigJson(this.identity.defaults, this.identity.source, this.architecture, this.head);
  }

  /** Parameters (a tied one under its first name) and persistent buffers, as save_pretrained writes them. */
  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}

/**
 * `<Family>ForTokenClassification`, the same for every encoder: last hidden state -> dropout -> classifier
 * on every token. The base sits under its family's attribute name (`bert`, `roberta`, ...), so parameter
 * names are transformers' keys. Shapes: ids [B, T] -> features [B, T, H] -> logits [B, T, C].
 */
export class EncoderForTokenClassification extends EncoderClassifierBase {
  // Declared, not defined: the base is assigned first under a name only known at run time, and the
  // state dict follows assignment order (base, dropout, classifier) as transformers' does.
  declare dropout: Dropout;
  declare classifier: Linear;
  readonly headModules = ['classifier'] as const;
  private readonly baseName: string;

  constructor(base: EncoderBase, info: EncoderBaseInfo, identity: ClassifierIdentity, dropout: number) {
    super(identity, info);
    this.baseName = info.name;
    (this as unknown as Record<string, unknown>)[info.name] = base;
    this.dropout = new Dropout(dropout);
    this.classifier = placeholderLinear(info.hiddenSize, this.numLabels);
  }

  get base(): EncoderBase {
    return (this as unknown as Record<string, EncoderBase>)[this.baseName]!;
  }

  /** Every token's hidden state [B, T, H]. */
  features(inputs: TextInputs): Tensor {
    return this.base.lastHiddenState(inputs);
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(features));
  }
}
