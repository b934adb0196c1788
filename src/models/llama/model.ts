// LlamaModel and LlamaForCausalLM (also Qwen2's and Mistral's layout) with transformers' module names: RMSNorm, rotary positions, grouped-query attention, SwiGLU MLP.
import { FinetuneError } from '../../errors.js';
import type { Embedding, Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { RMSNorm } from '../../nn/rms-norm.js';
import { rotaryTables } from '../../nn/rotary.js';
import { multiHeadAttention } from '../../tensor/ops/attention.js';
import { paddedEmbedding } from '../../tensor/ops/embedding.js';
import type { RotaryTables } from '../../tensor/ops/rotary.js';
import { rotaryEmbedding } from '../../tensor/ops/rotary.js';
import { swiglu } from '../../tensor/ops/swiglu.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CausalLMBase, type CausalIdentity, type DecoderBase, type DecoderLayer, type LayerContext } from '../causal/base.js';
import { type Activation, activationByName } from '../encoder/activation.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { LlamaConfig } from './config.js';

/** cos / sin tables grown on demand (doubling) up to the positions a batch uses, shared by every layer. */
class RotaryCache {
  private tables: RotaryTables | null = null;
  private size = 0;

  constructor(private readonly config: LlamaConfig) {}

  /** Tables covering positions [0, needed). */
  get(needed: number): RotaryTables {
    if (this.tables === null || needed > this.size) {
      this.size = Math.max(needed, 2 * this.size, 64);
      this.tables = rotaryTables(this.config.rope, this.size);
    }
    return this.tables;
  }
}

/** LlamaAttention: q / k / v projections, rotary positions on q and k, causal grouped-query attention, o_proj. */
export class LlamaAttention extends Module {
  q_proj: Linear;
  k_proj: Linear;
  v_proj: Linear;
  o_proj: Linear;

  constructor(
    private readonly config: LlamaConfig,
    private readonly rotary: RotaryCache,
  ) {
    super();
    const { hiddenSize: h, numAttentionHeads: heads, numKeyValueHeads: kv, headDim: d } = config;
    this.q_proj = placeholderLinear(h, heads * d, { bias: config.qkvBias });
    this.k_proj = placeholderLinear(h, kv * d, { bias: config.qkvBias });
    this.v_proj = placeholderLinear(h, kv * d, { bias: config.qkvBias });
    this.o_proj = placeholderLinear(heads * d, h, { bias: config.outputBias });
  }

  /** Shapes: x [B, Tn, H] -> [B, Tn, H]. */
  forward(x: Tensor, context: LayerContext): Tensor {
    const { numAttentionHeads: heads, numKeyValueHeads: kvHeads, headDim: d } = this.config;
    const [b, tn] = x.shape as [number, number, number];
    const tables = this.rotary.get(context.keys);
    const rotate = (t: Tensor, n: number): Tensor => rotaryEmbedding(t.reshape([b, tn, n, d]), context.positions, tables).reshape([b, tn, n * d]);
    const q = rotate(this.q_proj.forward(x), heads);
    let k = rotate(this.k_proj.forward(x), kvHeads);
    let v = this.v_proj.forward(x);
    if (context.cache) [k, v] = context.cache.append(context.layer, k, v);
    const window = this.config.slidingWindow;
    if (window !== null && k.shape[1]! > window) {
      throw new FinetuneError(`sliding_window: ${k.shape[1]} tokens exceed the window of ${window} (sliding-window attention is not supported)`);
    }
    const out = multiHeadAttention(q, k, v, {
      heads,
      kvHeads,
      causal: true,
      scale: 1 / Math.sqrt(d),
      dropout: this.training ? this.config.attentionDropout : 0,
      ...(context.mask ? { mask: context.mask } : {}),
    });
    return this.o_proj.forward(out);
  }
}

/** LlamaMLP: down(act(gate(x)) * up(x)), the SiLU case fused. */
export class LlamaMLP extends Module {
  gate_proj: Linear;
  up_proj: Linear;
  down_proj: Linear;
  private readonly act: Activation | null;

  constructor(config: LlamaConfig) {
    super();
    const { hiddenSize: h, intermediateSize: m, mlpBias: bias } = config;
    this.gate_proj = placeholderLinear(h, m, { bias });
    this.up_proj = placeholderLinear(h, m, { bias });
    this.down_proj = placeholderLinear(m, h, { bias });
    this.act = config.hiddenAct === 'silu' ? null : activationByName(config.hiddenAct, 'hidden_act');
  }

  forward(x: Tensor): Tensor {
    const gate = this.gate_proj.forward(x);
    const up = this.up_proj.forward(x);
    return this.down_proj.forward(this.act === null ? swiglu(gate, up) : this.act(gate).mul(up));
  }
}

/** LlamaDecoderLayer: pre-norm attention and MLP, each added to the residual stream. */
export class LlamaDecoderLayer extends Module implements DecoderLayer {
  self_attn: LlamaAttention;
  mlp: LlamaMLP;
  input_layernorm: RMSNorm;
  post_attention_layernorm: RMSNorm;

  constructor(config: LlamaConfig, rotary: RotaryCache) {
    super();
    this.self_attn = new LlamaAttention(config, rotary);
    this.mlp = new LlamaMLP(config);
    this.input_layernorm = new RMSNorm(config.hiddenSize, config.rmsNormEps);
    this.post_attention_layernorm = new RMSNorm(config.hiddenSize, config.rmsNormEps);
  }

  forward(x: Tensor, context: LayerContext): Tensor {
    const h = x.add(this.self_attn.forward(this.input_layernorm.forward(x), context));
    return h.add(this.mlp.forward(this.post_attention_layernorm.forward(h)));
  }
}

/** LlamaModel: embed_tokens (padding_idx = pad_token_id), the layers, the final RMSNorm. */
export class LlamaModel extends Module implements DecoderBase {
  embed_tokens: Embedding;
  layers: LlamaDecoderLayer[];
  norm: RMSNorm;

  constructor(readonly config: LlamaConfig) {
    super();
    const rotary = new RotaryCache(config);
    this.embed_tokens = placeholderEmbedding(config.vocabSize, config.hiddenSize);
    this.layers = Array.from({ length: config.numHiddenLayers }, () => new LlamaDecoderLayer(config, rotary));
    this.norm = new RMSNorm(config.hiddenSize, config.rmsNormEps);
  }

  get decoderLayers(): readonly DecoderLayer[] {
    return this.layers;
  }

  embed(ids: Tensor): Tensor {
    return paddedEmbedding(this.embed_tokens.weight, ids, this.config.padTokenId);
  }

  finalNorm(x: Tensor): Tensor {
    return this.norm.forward(x);
  }
}

/** LlamaForCausalLM (Qwen2ForCausalLM, MistralForCausalLM): LlamaModel and an lm_head, tied to embed_tokens when the config says. */
export class LlamaForCausalLM extends CausalLMBase {
  model: LlamaModel;
  lm_head: Linear;

  constructor(
    readonly config: LlamaConfig,
    identity: CausalIdentity,
  ) {
    super(identity);
    this.model = new LlamaModel(config);
    this.lm_head = placeholderLinear(config.hiddenSize, config.vocabSize, { bias: false });
    if (config.tieWordEmbeddings) {
      Object.defineProperty(this.lm_head, 'weight', { value: this.model.embed_tokens.weight, enumerable: true, writable: false, configurable: true });
    }
  }

  get base(): LlamaModel {
    return this.model;
  }
}
