// RobertaForSequenceClassification (and XLM-RoBERTa, the same network): BERT's encoder, fairseq positions, a tanh head.
import { additiveMask } from '../../nn/attention.js';
import { Dropout, type Embedding, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkLength, layerShapeOf } from '../bert/model.js';
import { BertEncoder } from '../encoder/bert-layers.js';
import { EncoderClassifierBase, firstToken, type ClassifierIdentity, type EncoderBaseInfo } from '../encoder/classifier-base.js';
import { paddedEmbedding, robertaPositions, zeroTypeIds } from '../encoder/embedding.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { TextInputs } from '../types.js';
import type { RobertaConfig } from './config.js';
import { ROBERTA_LORA_TARGETS } from './weights.js';

/**
 * Word + token type + position embeddings, LayerNorm, dropout. Positions count from padding_idx + 1 and
 * padding tokens keep padding_idx (whose row, like the word table's, gets no gradient).
 * Shapes: ids [B, T] -> [B, T, H].
 */
export class RobertaEmbeddings extends Module {
  word_embeddings: Embedding;
  token_type_embeddings: Embedding;
  LayerNorm: LayerNorm;
  dropout: Dropout;
  position_embeddings: Embedding;

  constructor(readonly config: RobertaConfig) {
    super();
    this.word_embeddings = placeholderEmbedding(config.vocabSize, config.hiddenSize);
    this.token_type_embeddings = placeholderEmbedding(config.typeVocabSize, config.hiddenSize);
    this.LayerNorm = new LayerNorm(config.hiddenSize, config.layerNormEps);
    this.dropout = new Dropout(config.hiddenDropoutProb);
    this.position_embeddings = placeholderEmbedding(config.maxPositionEmbeddings, config.hiddenSize);
  }

  forward(inputs: TextInputs): Tensor {
    const pad = this.config.padTokenId;
    checkLength(inputs.inputIds.shape[1]!, this.config.maxPositionEmbeddings - pad - 1, this.config);
    const words = paddedEmbedding(this.word_embeddings.weight, inputs.inputIds, pad);
    // RoBERTa tokenizers return no segment ids; with a single type there is nothing else to look up.
    const typeIds = this.config.typeVocabSize > 1 && inputs.tokenTypeIds ? inputs.tokenTypeIds : zeroTypeIds(inputs.inputIds);
    const types = this.token_type_embeddings.forward(typeIds);
    const positions = paddedEmbedding(this.position_embeddings.weight, robertaPositions(inputs.inputIds, pad), pad);
    return this.dropout.forward(this.LayerNorm.forward(words.add(types).add(positions)));
  }
}

/** RobertaModel without the pooler (neither head uses it: transformers builds both with add_pooling_layer=False). */
export class RobertaModel extends Module {
  embeddings: RobertaEmbeddings;
  encoder: BertEncoder;

  constructor(
    readonly config: RobertaConfig,
    where: string,
  ) {
    super();
    this.embeddings = new RobertaEmbeddings(config);
    this.encoder = new BertEncoder(layerShapeOf(config, where), config.numHiddenLayers);
  }

  lastHiddenState(inputs: TextInputs): Tensor {
    return this.encoder.forward(this.embeddings.forward(inputs), additiveMask(inputs.attentionMask));
  }
}

/** first token -> dropout -> dense -> tanh -> dropout -> out_proj. Shapes: [B, H] -> [B, C]. */
export class RobertaClassificationHead extends Module {
  dense: Linear;
  dropout: Dropout;
  out_proj: Linear;

  constructor(config: RobertaConfig, numLabels: number) {
    super();
    this.dense = placeholderLinear(config.hiddenSize, config.hiddenSize);
    this.dropout = new Dropout(config.classifierDropout ?? config.hiddenDropoutProb);
    this.out_proj = placeholderLinear(config.hiddenSize, numLabels);
  }

  forward(features: Tensor): Tensor {
    const x = this.dense.forward(this.dropout.forward(features)).tanh();
    return this.out_proj.forward(this.dropout.forward(x));
  }
}

/** Where RoBERTa's base sits in the parameter names. */
export function robertaBaseInfo(config: RobertaConfig): EncoderBaseInfo {
  return { name: 'roberta', layers: 'encoder.layer', hiddenSize: config.hiddenSize, numLayers: config.numHiddenLayers, loraTargets: ROBERTA_LORA_TARGETS };
}

export class RobertaForSequenceClassification extends EncoderClassifierBase {
  roberta: RobertaModel;
  classifier: RobertaClassificationHead;
  readonly headModules = ['classifier'] as const;

  constructor(
    readonly config: RobertaConfig,
    identity: ClassifierIdentity,
    where: string,
  ) {
    super(identity, robertaBaseInfo(config));
    this.roberta = new RobertaModel(config, where);
    this.classifier = new RobertaClassificationHead(config, this.numLabels);
  }

  get base(): RobertaModel {
    return this.roberta;
  }

  /** The first token's vector [B, H] (<s>). */
  features(inputs: TextInputs): Tensor {
    return firstToken(this.lastHiddenState(inputs));
  }

  classify(features: Tensor): Tensor {
    return this.classifier.forward(features);
  }
}
