// DistilBERT as an ONNX graph: word + position embeddings, `transformer.layer.{i}`, the pre_classifier head.
import type { DistilBertForSequenceClassification, DistilBertModel } from '../../../models/distilbert/model.js';
import type { EncoderClassifierBase } from '../../../models/encoder/classifier-base.js';
import { FLOAT32_MIN } from '../../../tensor/ops/masks.js';
import type { GraphBuilder } from '../graph.js';
import { activation, additiveMask, attention, firstToken, layerNorm, leadingRows, scopeOf, sequenceLength } from '../encoder-ops.js';
import { basePath, encoderExporter, type TextGraphInputs } from './encoder.js';

type DistilBertBased = EncoderClassifierBase & { readonly base: DistilBertModel };

function hiddenStates(g: GraphBuilder, model: DistilBertBased, inputs: TextGraphInputs): string {
  const path = basePath(model);
  const base = model.base;
  const config = base.config;
  const e = base.embeddings;
  const scope = scopeOf(`${path}.embeddings`);
  const words = g.node(scope, 'Gather', [g.weight(`${path}.embeddings.word_embeddings.weight`, e.word_embeddings.weight), inputs.inputIds]);
  const table = g.weight(`${path}.embeddings.position_embeddings.weight`, e.position_embeddings.weight);
  const positions = leadingRows(g, scope, table, sequenceLength(g, scope, inputs.inputIds));
  let h = layerNorm(g, `${path}.embeddings.LayerNorm`, e.LayerNorm, g.node(scope, 'Add', [words, positions]));
  const mask = additiveMask(g, inputs.attentionMask, FLOAT32_MIN);
  base.transformer.layer.forEach((layer, i) => {
    const at = `${path}.transformer.layer.${i}`;
    const a = layer.attention;
    const q = g.linear(`${at}.attention.q_lin`, a.q_lin, h);
    const k = g.linear(`${at}.attention.k_lin`, a.k_lin, h);
    const v = g.linear(`${at}.attention.v_lin`, a.v_lin, h);
    const context = attention(g, `${at}.attention`, q, k, v, mask, config.nHeads, config.dim);
    const attended = g.node(scopeOf(at), 'Add', [g.linear(`${at}.attention.out_lin`, a.out_lin, context), h]);
    const normed = layerNorm(g, `${at}.sa_layer_norm`, layer.sa_layer_norm, attended);
    const inner = activation(g, scopeOf(`${at}.ffn.activation`), config.activation, g.linear(`${at}.ffn.lin1`, layer.ffn.lin1, normed));
    const out = g.node(scopeOf(at), 'Add', [g.linear(`${at}.ffn.lin2`, layer.ffn.lin2, inner), normed]);
    h = layerNorm(g, `${at}.output_layer_norm`, layer.output_layer_norm, out);
  });
  return h;
}

export const distilbertOnnx = encoderExporter<DistilBertBased>({
  modelTypes: ['distilbert'],
  tokenTypeIds: () => false,
  lastHiddenState: hiddenStates,
  sequenceHead(g, taskModel, hidden) {
    const model = taskModel as unknown as DistilBertForSequenceClassification;
    const first = firstToken(g, scopeOf('pre_classifier'), hidden);
    const pre = g.node(scopeOf('pre_classifier'), 'Relu', [g.linear('pre_classifier', model.pre_classifier, first)]);
    return g.linear('classifier', model.classifier, pre);
  },
});
