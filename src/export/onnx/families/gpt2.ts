// GPT-2 as an ONNX graph with its cache: token + learned position embeddings, pre-norm blocks, fused q/k/v (Conv1D), tied lm_head.
import type { GPT2LMHeadModel } from '../../../models/gpt2/model.js';
import { cachedAttention, causalBias, linearWeights, splitHeads } from '../decoder-ops.js';
import { activation, layerNorm, scopeOf } from '../encoder-ops.js';
import type { GraphBuilder } from '../graph.js';
import { decoderExporter, type DecoderGraphInputs } from './decoder.js';

/** Shapes: ids [B, Tn] -> [B, Tn, H]. */
function hiddenStates(g: GraphBuilder, model: GPT2LMHeadModel, inputs: DecoderGraphInputs): string {
  const base = model.transformer;
  const config = model.config;
  const h = config.nEmbd;
  const heads = config.nHead;
  const d = h / heads;
  const scope = scopeOf('transformer');
  const words = g.node(scope, 'Gather', [g.weight('transformer.wte.weight', base.wte.weight), inputs.inputIds]);
  const positions = g.node(scope, 'Gather', [g.weight('transformer.wpe.weight', base.wpe.weight), inputs.positionIds]);
  let x = g.node(scope, 'Add', [words, positions]);
  const bias = causalBias(g, inputs.attentionMask, inputs.inputIds, null);
  base.h.forEach((block, i) => {
    const at = `transformer.h.${i}`;
    const attnScope = scopeOf(`${at}.attn`);
    const qkv = g.linear(`${at}.attn.c_attn`, linearWeights(block.attn.c_attn), layerNorm(g, `${at}.ln_1`, block.ln_1, x));
    const [q, k, v] = [0, 1, 2].map((part) =>
      splitHeads(g, attnScope, g.node(attnScope, 'Slice', [qkv, g.int64([part * h]), g.int64([(part + 1) * h]), g.int64([-1])]), heads, d),
    ) as [string, string, string];
    const scale = (config.scaleAttnWeights ? 1 / Math.sqrt(d) : 1) / (config.scaleAttnByInverseLayerIdx ? i + 1 : 1);
    const context = cachedAttention(g, `${at}.attn`, i, q, k, v, inputs.caches[i]!, bias, { heads, kvHeads: heads, headDim: d, scale });
    x = g.node(scopeOf(at), 'Add', [x, g.linear(`${at}.attn.c_proj`, linearWeights(block.attn.c_proj), context)]);
    const inner = g.linear(`${at}.mlp.c_fc`, linearWeights(block.mlp.c_fc), layerNorm(g, `${at}.ln_2`, block.ln_2, x));
    const act = activation(g, scopeOf(`${at}.mlp.act`), config.activationFunction, inner);
    x = g.node(scopeOf(at), 'Add', [x, g.linear(`${at}.mlp.c_proj`, linearWeights(block.mlp.c_proj), act)]);
  });
  return layerNorm(g, 'transformer.ln_f', base.ln_f, x);
}

export const gpt2Onnx = decoderExporter<GPT2LMHeadModel>({
  modelTypes: ['gpt2'],
  shape: (model) => ({ layers: model.config.nLayer, kvHeads: model.config.nHead, headDim: model.config.nEmbd / model.config.nHead }),
  hiddenStates,
});
