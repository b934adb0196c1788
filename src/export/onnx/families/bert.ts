// BERT and RoBERTa (XLM-R) as ONNX graphs: their embeddings, the shared BERT encoder stack, their sequence heads.
import { FLOAT32_MIN } from '../../../tensor/ops/masks.js';
import type { BertForSequenceClassification, BertModel } from '../../../models/bert/model.js';
import type { BertConfig } from '../../../models/bert/config.js';
import type { EncoderClassifierBase } from '../../../models/encoder/classifier-base.js';
import type { BertEncoder } from '../../../models/encoder/bert-layers.js';
import type { RobertaForSequenceClassification, RobertaModel } from '../../../models/roberta/model.js';
import type { GraphBuilder } from '../graph.js';
import { DataType } from '../proto.js';
import { activation, additiveMask, attention, firstToken, layerNorm, leadingRows, scopeOf, sequenceLength } from '../encoder-ops.js';
import { basePath, encoderExporter, type TextGraphInputs } from './encoder.js';

/** `<base>.encoder.layer.{i}`: post-LayerNorm layers. Shapes: x [B, T, H] -> [B, T, H]. */
export function bertEncoder(g: GraphBuilder, path: string, encoder: BertEncoder, config: BertConfig, x: string, mask: string): string {
  let h = x;
  encoder.layer.forEach((layer, i) => {
    const at = `${path}.layer.${i}`;
    const self = layer.attention.self;
    const q = g.linear(`${at}.attention.self.query`, self.query, h);
    const k = g.linear(`${at}.attention.self.key`, self.key, h);
    const v = g.linear(`${at}.attention.self.value`, self.value, h);
    const context = attention(g, `${at}.attention.self`, q, k, v, mask, config.numAttentionHeads, config.hiddenSize);
    const projected = g.linear(`${at}.attention.output.dense`, layer.attention.output.dense, context);
    const residual = g.node(scopeOf(`${at}.attention.output`), 'Add', [projected, h]);
    const attended = layerNorm(g, `${at}.attention.output.LayerNorm`, layer.attention.output.LayerNorm, residual);
    const inner = activation(
      g,
      scopeOf(`${at}.intermediate.intermediate_act_fn`),
      config.hiddenAct,
      g.linear(`${at}.intermediate.dense`, layer.intermediate.dense, attended),
    );
    const out = g.node(scopeOf(`${at}.output`), 'Add', [g.linear(`${at}.output.dense`, layer.output.dense, inner), attended]);
    h = layerNorm(g, `${at}.output.LayerNorm`, layer.output.LayerNorm, out);
  });
  return h;
}

type BertBased = EncoderClassifierBase & { readonly base: BertModel | RobertaModel };

/** Segment embeddings: looked up from token_type_ids, or row 0 broadcast when the model takes none. */
function typeEmbeddings(g: GraphBuilder, path: string, table: BertModel['embeddings']['token_type_embeddings'], inputs: TextGraphInputs): string {
  const weight = g.weight(`${path}.weight`, table.weight);
  return g.node(scopeOf(path), 'Gather', [weight, inputs.tokenTypeIds ?? g.int64([0], [])]);
}

function bertEmbeddings(g: GraphBuilder, path: string, base: BertModel, inputs: TextGraphInputs): string {
  const e = base.embeddings;
  const scope = scopeOf(`${path}.embeddings`);
  const words = g.node(scope, 'Gather', [g.weight(`${path}.embeddings.word_embeddings.weight`, e.word_embeddings.weight), inputs.inputIds]);
  const types = typeEmbeddings(g, `${path}.embeddings.token_type_embeddings`, e.token_type_embeddings, inputs);
  const table = g.weight(`${path}.embeddings.position_embeddings.weight`, e.position_embeddings.weight);
  const positions = leadingRows(g, scope, table, sequenceLength(g, scope, inputs.inputIds));
  const sum = g.node(scope, 'Add', [g.node(scope, 'Add', [words, types]), positions]);
  return layerNorm(g, `${path}.embeddings.LayerNorm`, e.LayerNorm, sum);
}

/** fairseq positions: real tokens count from pad + 1, padding tokens (by id) keep pad. */
function robertaEmbeddings(g: GraphBuilder, path: string, base: RobertaModel, inputs: TextGraphInputs): string {
  const e = base.embeddings;
  const pad = base.config.padTokenId;
  const scope = scopeOf(`${path}.embeddings`);
  const words = g.node(scope, 'Gather', [g.weight(`${path}.embeddings.word_embeddings.weight`, e.word_embeddings.weight), inputs.inputIds]);
  const types = typeEmbeddings(g, `${path}.embeddings.token_type_embeddings`, e.token_type_embeddings, inputs);
  const real = g.node(scope, 'Cast', [g.node(scope, 'Not', [g.node(scope, 'Equal', [inputs.inputIds, g.int64([pad], [])])])], { to: DataType.INT64 });
  const counted = g.node(scope, 'Mul', [g.node(scope, 'CumSum', [real, g.int64([1], [])]), real]);
  const ids = g.node(scope, 'Add', [counted, g.int64([pad], [])]);
  const positions = g.node(scope, 'Gather', [g.weight(`${path}.embeddings.position_embeddings.weight`, e.position_embeddings.weight), ids]);
  const sum = g.node(scope, 'Add', [g.node(scope, 'Add', [words, types]), positions]);
  return layerNorm(g, `${path}.embeddings.LayerNorm`, e.LayerNorm, sum);
}

function hiddenStates(g: GraphBuilder, model: BertBased, inputs: TextGraphInputs, roberta: boolean): string {
  const path = basePath(model);
  const base = model.base;
  const x = roberta ? robertaEmbeddings(g, path, base as RobertaModel, inputs) : bertEmbeddings(g, path, base as BertModel, inputs);
  return bertEncoder(g, `${path}.encoder`, base.encoder, base.config, x, additiveMask(g, inputs.attentionMask, FLOAT32_MIN));
}

export const bertOnnx = encoderExporter<BertBased>({
  modelTypes: ['bert'],
  tokenTypeIds: () => true,
  lastHiddenState: (g, model, inputs) => hiddenStates(g, model, inputs, false),
  sequenceHead(g, taskModel, hidden) {
    const model = taskModel as unknown as BertForSequenceClassification;
    const pooler = model.bert.pooler!;
    const pooled = g.node(scopeOf('bert.pooler'), 'Tanh', [g.linear('bert.pooler.dense', pooler.dense, firstToken(g, scopeOf('bert.pooler'), hidden))]);
    return g.linear('classifier', model.classifier, pooled);
  },
});

export const robertaOnnx = encoderExporter<BertBased>({
  modelTypes: ['roberta', 'xlm-roberta'],
  // Segment ids change the result only when the table has more than one row (models/roberta/model.ts).
  tokenTypeIds: (model) => model.base.config.typeVocabSize > 1,
  lastHiddenState: (g, model, inputs) => hiddenStates(g, model, inputs, true),
  sequenceHead(g, taskModel, hidden) {
    const head = (taskModel as unknown as RobertaForSequenceClassification).classifier;
    const dense = g.linear('classifier.dense', head.dense, firstToken(g, scopeOf('classifier'), hidden));
    return g.linear('classifier.out_proj', head.out_proj, g.node(scopeOf('classifier'), 'Tanh', [dense]));
  },
});
