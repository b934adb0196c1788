// BertModel and BertForSequenceClassification (the token head is the shared EncoderForTokenClassification), with transformers' module names (parameter names are checkpoint keys).
import { additiveMask } from '../../nn/attention.js';
import { Dropout, type Embedding, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { FinetuneError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { activationByName } from '../encoder/activation.js';
import { BertEncoder, type BertLayerShape } from '../encoder/bert-layers.js';
import { EncoderClassifierBase, firstToken, type ClassifierIdentity, type EncoderBaseInfo } from '../encoder/classifier-base.js';
import { absolutePositions, paddedEmbedding, zeroTypeIds } from '../encoder/embedding.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { TextInputs } from '../types.js';
import type { BertConfig } from './config.js';
import { BERT_LORA_TARGETS } from './weights.js';

/** The layer shape a BERT-style config describes. */
export function layerShapeOf(config: BertConfig, where: string): BertLayerShape {
  return {
    hiddenSize: config.hiddenSize,
    heads: config.numAttentionHeads,
    intermediateSize: config.intermediateSize,
    activation: activationByName(config.hiddenAct, `${where}: hidden_act`),
    hiddenDropout: config.hiddenDropoutProb,
    attentionDropout: config.attentionProbsDropoutProb,
    layerNormEps: config.layerNormEps,
  };
}

/** Fails with one line when a batch is longer than the position table allows. */
export function checkLength(length: number, limit: number, config: BertConfig): void {
  if (length > limit) {
    throw new FinetuneError(
      `input of ${length} tokens is longer than the model takes (${limit}, from max_position_embeddings ${config.maxPositionEmbeddings}); use a smaller --max-length`,
    );
  }
}

/** word + token type + position embeddings, LayerNorm, dropout. Shapes: ids [B, T] -> [B, T, H]. */
export class BertEmbeddings extends Module {
  word_embeddings: Embedding;
  position_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;

  constructor(readonly config: BertConfig) {
    super();
    this.word_embeddings = placeholderEmbedding(config.vocabSize, config.hiddenSize);
    this.position_embeddings = placeholderEmbedding(config.maxPositionEmbeddings, config.hiddenSize);
    this.token_type_embeddings = placeholderEmbedding(config.typeVocabSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, config.layerNormEps);
    this.dropout = new Dropout(config.hiddenDropoutProb);
  }

  forward(inputs: TextInputs): Tensor {
    const t = inputs.inputIds.shape[1]!;
    checkLength(t, this.config.maxPositionEmbeddings, this.config);
    const words = paddedEmbedding(this.word_embeddings.weight, inputs.inputIds, this.config.padTokenId);
    const types = this.token_type_embeddings.forward(inputs.tokenTypeIds ?? zeroTypeIds(inputs.inputIds));
    const positions = this.position_embeddings.forward(absolutePositions(t));
    return this.dropout.forward(this.LayerNorm.forward(words.add(types).add(positions)));
  }
}

/** tanh(dense(first token)): BERT's pooled output [B, H]. */
export class BertPooler extends Module {
  dense: Linear;

  constructor(hiddenSize: number) {
    super();
    this.dense = placeholderLinear(hiddenSize, hiddenSize);
  }

  forward(hidden: Tensor): Tensor {
    return this.dense.forward(firstToken(hidden)).tanh();
  }
}

/** The base model: embeddings, encoder and (for sequence classification) the pooler. */
export class BertModel extends Module {
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  /** Absent under token classification, as transformers builds BertModel(add_pooling_layer=False). */
  pooler: BertPooler | null;

  constructor(
    readonly config: BertConfig,
    where: string,
    options: { readonly pooler: boolean } = { pooler: true },
  ) {
    super();
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(layerShapeOf(config, where), config.numHiddenLayers);
    this.pooler = options.pooler ? new BertPooler(config.hiddenSize) : null;
  }

  lastHiddenState(inputs: TextInputs): Tensor {
    return this.encoder.forward(this.embeddings.forward(inputs), additiveMask(inputs.attentionMask));
  }
}

/** Where BERT's base sits in the parameter names. */
export function bertBaseInfo(config: BertConfig): EncoderBaseInfo {
  return { name: 'bert', layers: 'encoder.layer', hiddenSize: config.hiddenSize, numLayers: config.numHiddenLayers, loraTargets: BERT_LORA_TARGETS };
}

/** BertForSequenceClassification: pooled output -> dropout -> classifier. */
export class BertForSequenceClassification extends EncoderClassifierBase {
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;
  readonly headModules = ['classifier'] as const;

  constructor(
    readonly config: BertConfig,
    identity: ClassifierIdentity,
    where: string,
  ) {
    super(identity, bertBaseInfo(config));
    this.bert = new BertModel(config, where);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = placeholderLinear(config.hiddenSize, this.numLabels);
  }

  get base(): BertModel {
    return this.bert;
  }

  /** The pooled output [B, H]. */
  features(inputs: TextInputs): Tensor {
    return this.bert.pooler!.forward(this.lastHiddenState(inputs));
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(features));
  }
}
