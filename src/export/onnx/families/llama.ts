// Llama (Qwen2, Mistral) as an ONNX graph with its cache: RMSNorm, rotary positions from position_ids, grouped-query attention, SwiGLU.
import type { LlamaForCausalLM } from '../../../models/llama/model.js';
import { rotaryTables } from '../../../nn/rotary.js';
import { applyRotary, cachedAttention, causalBias, linearWeights, rmsNorm, rotaryAtPositions, splitHeads } from '../decoder-ops.js';
import { activation, scopeOf } from '../encoder-ops.js';
import type { GraphBuilder } from '../graph.js';
import { decoderExporter, type DecoderGraphInputs } from './decoder.js';

/** Shapes: ids [B, Tn] -> [B, Tn, H]. */
function hiddenStates(g: GraphBuilder, model: LlamaForCausalLM, inputs: DecoderGraphInputs): string {
  const base = model.model;
  const config = model.config;
  const { numAttentionHeads: heads, numKeyValueHeads: kvHeads, headDim: d } = config;
  let x = g.node(scopeOf('model.embed_tokens'), 'Gather', [g.weight('model.embed_tokens.weight', base.embed_tokens.weight), inputs.inputIds]);
  const tables = rotaryTables(config.rope, config.maxPositionEmbeddings);
  const rotary = rotaryAtPositions(g, tables.cos.f32(), tables.sin.f32(), config.maxPositionEmbeddings, inputs.positionIds);
  const bias = causalBias(g, inputs.attentionMask, inputs.inputIds, config.slidingWindow);
  base.layers.forEach((layer, i) => {
    const at = `model.layers.${i}`;
    const attn = layer.self_attn;
    const s = scopeOf(`${at}.self_attn`);
    const normed = rmsNorm(g, `${at}.input_layernorm`, layer.input_layernorm, x);
    const q = applyRotary(g, s, splitHeads(g, s, g.linear(`${at}.self_attn.q_proj`, linearWeights(attn.q_proj), normed), heads, d), rotary, d);
    const k = applyRotary(g, s, splitHeads(g, s, g.linear(`${at}.self_attn.k_proj`, linearWeights(attn.k_proj), normed), kvHeads, d), rotary, d);
    const v = splitHeads(g, s, g.linear(`${at}.self_attn.v_proj`, linearWeights(attn.v_proj), normed), kvHeads, d);
    const context = cachedAttention(g, `${at}.self_attn`, i, q, k, v, inputs.caches[i]!, bias, { heads, kvHeads, headDim: d, scale: 1 / Math.sqrt(d) });
    x = g.node(scopeOf(at), 'Add', [x, g.linear(`${at}.self_attn.o_proj`, linearWeights(attn.o_proj), context)]);
    const mlp = layer.mlp;
    const post = rmsNorm(g, `${at}.post_attention_layernorm`, layer.post_attention_layernorm, x);
    const gate = activation(g, scopeOf(`${at}.mlp.act_fn`), config.hiddenAct, g.linear(`${at}.mlp.gate_proj`, linearWeights(mlp.gate_proj), post));
    const up = g.linear(`${at}.mlp.up_proj`, linearWeights(mlp.up_proj), post);
    x = g.node(scopeOf(at), 'Add', [x, g.linear(`${at}.mlp.down_proj`, linearWeights(mlp.down_proj), g.node(scopeOf(`${at}.mlp`), 'Mul', [gate, up]))]);
  });
  return rmsNorm(g, 'model.norm', base.norm, x);
}

export const llamaOnnx = decoderExporter<LlamaForCausalLM>({
  modelTypes: ['llama', 'qwen2', 'mistral'],
  shape: (model) => ({ layers: model.config.numHiddenLayers, kvHeads: model.config.numKeyValueHeads, headDim: model.config.headDim }),
  hiddenStates,
});
