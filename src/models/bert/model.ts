// BertModel and BertForSequenceClassification, with transformers' module names (parameter names are checkpoint keys).
import { additiveMask } from '../../nn/attention.js';
import { Dropout, Embedding, LayerNorm, Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { FinetuneError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { activationByName } from '../encoder/activation.js';
import { BertEncoder, type BertLayerShape } from '../encoder/bert-layers.js';
import { EncoderClassifierBase, firstToken, type ClassifierIdentity } from '../encoder/classifier-base.js';
import { absolutePositions, paddedEmbedding, zeroTypeIds } from '../encoder/embedding.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { ModelInputs } from '../types.js';
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
    throw new FinetuneError(`input of ${length} tokens is longer than the model takes (${limit}, from max_position_embeddings ${config.maxPositionEmbeddings}); use a smaller --max-length`);
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

  forward(inputs: ModelInputs): Tensor {
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

/** The base model: embeddings, encoder, pooler. */
export class BertModel extends Module {
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler;

  constructor(config: BertConfig, where: string) {
    super();
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(layerShapeOf(config, where), config.numHiddenLayers);
    this.pooler = new BertPooler(config.hiddenSize);
  }

  lastHiddenState(inputs: ModelInputs): Tensor {
    return this.encoder.forward(this.embeddings.forward(inputs), additiveMask(inputs.attentionMask));
  }
}

/** BertForSequenceClassification: pooled output -> dropout -> classifier. */
export class BertForSequenceClassification extends EncoderClassifierBase {
  bert: BertModel;
  dropout: Dropout;
  classifier: Linear;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly headModules = ['classifier'] as const;
  readonly embeddingsPrefix = 'bert.embeddings';
  readonly defaultLoraTargets = BERT_LORA_TARGETS;

  constructor(readonly config: BertConfig, identity: ClassifierIdentity, where: string) {
    super(identity);
    this.hiddenSize = config.hiddenSize;
    this.numLayers = config.numHiddenLayers;
    this.bert = new BertModel(config, where);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.classifier = placeholderLinear(config.hiddenSize, this.numLabels);
  }

  protected layerPrefix(index: number): string {
    return `bert.encoder.layer.${index}`;
  }

  lastHiddenState(inputs: ModelInputs): Tensor {
    return this.bert.lastHiddenState(inputs);
  }

  /** The pooled output [B, H]. */
  features(inputs: ModelInputs): Tensor {
    return this.bert.pooler.forward(this.lastHiddenState(inputs));
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(this.dropout.forward(features));
  }
}
