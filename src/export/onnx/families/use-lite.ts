// USE-lite as an ONNX graph: doubled embeddings plus the timing signal, pre-norm layers, masked mean, tanh layer and L2 normalisation.
import type { EncoderClassifierBase } from '../../../models/encoder/classifier-base.js';
import { L2_EPSILON, MASK_BIAS, timingSignal, type UseLiteEncoder, type UseLiteForSequenceClassification } from '../../../models/use-lite/model.js';
import type { GraphBuilder } from '../graph.js';
import { DataType } from '../proto.js';
import { additiveMask, attention, layerNorm, leadingRows, scopeOf, sequenceLength } from '../encoder-ops.js';
import { encoderExporter, type TextGraphInputs } from './encoder.js';

type UseLiteBased = EncoderClassifierBase & { readonly base: UseLiteEncoder };

/** Shapes: ids [B, T] -> [B, T, H] (E embedding size, H hidden size). */
function hiddenStates(g: GraphBuilder, model: UseLiteBased, inputs: TextGraphInputs): string {
  const encoder = model.base;
  const config = encoder.config;
  const scope = scopeOf('encoder.embeddings');
  const words = g.node(scope, 'Gather', [g.weight('encoder.embeddings.weight', encoder.embeddings.weight), inputs.inputIds]);
  // The signal's rows do not depend on the length asked for, so one table of every position serves all lengths.
  const signal = g.weight('encoder.timing_signal', timingSignal(config.maxPositionEmbeddings, config.embeddingSize, config.maxTimescale));
  let x = g.node(scope, 'Add', [g.node(scope, 'Mul', [words, g.float32([2], [])]), leadingRows(g, scope, signal, sequenceLength(g, scope, inputs.inputIds))]);
  const mask = additiveMask(g, inputs.attentionMask, MASK_BIAS);
  encoder.layer.forEach((layer, i) => {
    const at = `encoder.layer.${i}`;
    const inSize = layer.attention.inSize;
    const residual = layer.residual_projection ? g.linear(`${at}.residual_projection`, layer.residual_projection, x) : x;
    const qkv = g.linear(`${at}.attention.qkv_transform`, layer.attention.qkv_transform, layerNorm(g, `${at}.attention_norm`, layer.attention_norm, x));
    const [q, k, v] = [0, 1, 2].map((part) =>
      g.node(scopeOf(`${at}.attention`), 'Slice', [qkv, g.int64([part * inSize]), g.int64([(part + 1) * inSize]), g.int64([-1])]),
    ) as [string, string, string];
    const context = attention(g, `${at}.attention`, q, k, v, mask, layer.attention.heads, inSize);
    const h = g.node(scopeOf(at), 'Add', [residual, g.linear(`${at}.attention.output_transform`, layer.attention.output_transform, context)]);
    const ffn = layer.ffn;
    const inner = g.node(scopeOf(`${at}.ffn`), 'Relu', [g.linear(`${at}.ffn.conv1`, ffn.conv1, layerNorm(g, `${at}.ffn_norm`, layer.ffn_norm, h))]);
    x = g.node(scopeOf(at), 'Add', [h, g.linear(`${at}.ffn.conv2`, ffn.conv2, inner)]);
  });
  return x;
}

/** Mean over real tokens (max(len, 1) as divisor), tanh layer, unit length, then the scaled classifier. [B, T, H] -> [B, C]. */
function sequenceHead(g: GraphBuilder, taskModel: UseLiteBased, hidden: string, inputs: TextGraphInputs): string {
  const model = taskModel as unknown as UseLiteForSequenceClassification;
  const scope = scopeOf('encoder.pooling');
  const keep = g.node(scope, 'Cast', [inputs.attentionMask], { to: DataType.FLOAT });
  const count = g.node(scope, 'Max', [g.node(scope, 'ReduceSum', [keep, g.int64([1])], { keepdims: 1 }), g.float32([1], [])]);
  const weights = g.node(scope, 'Unsqueeze', [g.node(scope, 'Div', [keep, count]), g.int64([2])]);
  const pooled = g.node(scope, 'ReduceSum', [g.node(scope, 'Mul', [hidden, weights]), g.int64([1])], { keepdims: 0 });
  const y = g.node(scopeOf('encoder.tanh_layer'), 'Tanh', [g.linear('encoder.tanh_layer', model.encoder.tanh_layer!, pooled)]);
  const l2 = scopeOf('encoder.l2_normalize');
  const squares = g.node(l2, 'ReduceSum', [g.node(l2, 'Mul', [y, y]), g.int64([-1])], { keepdims: 1 });
  const unit = g.node(l2, 'Div', [y, g.node(l2, 'Sqrt', [g.node(l2, 'Max', [squares, g.float32([L2_EPSILON], [])])])]);
  const scaled = g.node(scopeOf('classifier'), 'Mul', [unit, g.float32([model.config.headInputScale], [])]);
  return g.linear('classifier', model.classifier, scaled);
}

export const useLiteOnnx = encoderExporter<UseLiteBased>({
  modelTypes: ['use-lite'],
  tokenTypeIds: () => false,
  lastHiddenState: hiddenStates,
  sequenceHead,
});
