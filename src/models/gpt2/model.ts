// GPT2Model and GPT2LMHeadModel with transformers' module names (parameter names are checkpoint keys): Conv1D weights [in, out], learned positions, tied lm_head.
import { Dropout, type Embedding, LayerNorm, type Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { multiHeadAttention } from '../../tensor/ops/attention.js';
import type { Tensor } from '../../tensor/tensor.js';
import { CausalLMBase, type CausalIdentity, type DecoderBase, type DecoderLayer, type LayerContext } from '../causal/base.js';
import { type Activation, activationByName } from '../encoder/activation.js';
import { placeholderEmbedding, placeholderLinear } from '../encoder/init.js';
import type { Gpt2Config } from './config.js';

/** transformers' Conv1D: a Linear whose weight is stored [in, out] (zero placeholders until initialised or loaded). */
export function conv1d(inFeatures: number, outFeatures: number): Linear {
  return placeholderLinear(inFeatures, outFeatures, { fanInFanOut: true });
}

/** GPT2Attention: one fused q/k/v projection, causal multi-head attention, output projection. Shapes: [B, T, H] -> [B, T, H]. */
export class GPT2Attention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  attn_dropout: Dropout;
  resid_dropout: Dropout;
  private readonly scale: number;

  constructor(
    private readonly config: Gpt2Config,
    layerIndex: number,
  ) {
    super();
    const h = config.nEmbd;
    this.c_attn = conv1d(h, 3 * h);
    this.c_proj = conv1d(h, h);
    this.attn_dropout = new Dropout(config.attnPdrop);
    this.resid_dropout = new Dropout(config.residPdrop);
    const headDim = h / config.nHead;
    this.scale = (config.scaleAttnWeights ? 1 / Math.sqrt(headDim) : 1) / (config.scaleAttnByInverseLayerIdx ? layerIndex + 1 : 1);
  }

  forward(x: Tensor, context: LayerContext): Tensor {
    const h = this.config.nEmbd;
    const qkv = this.c_attn.forward(x);
    const q = qkv.slice(2, 0, h);
    let k = qkv.slice(2, h, 2 * h);
    let v = qkv.slice(2, 2 * h, 3 * h);
    if (context.cache) [k, v] = context.cache.append(context.layer, k, v);
    const out = multiHeadAttention(q, k, v, {
      heads: this.config.nHead,
      causal: true,
      scale: this.scale,
      dropout: this.attn_dropout.training ? this.config.attnPdrop : 0,
      ...(context.mask ? { mask: context.mask } : {}),
    });
    return this.resid_dropout.forward(this.c_proj.forward(out));
  }
}

/** GPT2MLP: c_fc -> activation -> c_proj -> dropout. */
export class GPT2MLP extends Module {
  c_fc: Linear;
  c_proj: Linear;
  dropout: Dropout;
  private readonly act: Activation;

  constructor(config: Gpt2Config) {
    super();
    this.c_fc = conv1d(config.nEmbd, config.nInner);
    this.c_proj = conv1d(config.nInner, config.nEmbd);
    this.dropout = new Dropout(config.residPdrop);
    this.act = activationByName(config.activationFunction, 'activation_function');
  }

  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.c_proj.forward(this.act(this.c_fc.forward(x))));
  }
}

/** GPT2Block: pre-norm attention and MLP, each added to the residual stream. */
export class GPT2Block extends Module implements DecoderLayer {
  ln_1: LayerNorm;
  attn: GPT2Attention;
  ln_2: LayerNorm;
  mlp: GPT2MLP;

  constructor(config: Gpt2Config, layerIndex: number) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, config.layerNormEpsilon);
    this.attn = new GPT2Attention(config, layerIndex);
    this.ln_2 = new LayerNorm(config.nEmbd, config.layerNormEpsilon);
    this.mlp = new GPT2MLP(config);
  }

  forward(x: Tensor, context: LayerContext): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x), context));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

/** GPT2Model: token and position embeddings, the blocks, the final LayerNorm. */
export class GPT2Model extends Module implements DecoderBase {
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: GPT2Block[];
  ln_f: LayerNorm;

  constructor(readonly config: Gpt2Config) {
    super();
    this.wte = placeholderEmbedding(config.vocabSize, config.nEmbd);
    this.wpe = placeholderEmbedding(config.nPositions, config.nEmbd);
    this.drop = new Dropout(config.embdPdrop);
    this.h = Array.from({ length: config.nLayer }, (_, i) => new GPT2Block(config, i));
    this.ln_f = new LayerNorm(config.nEmbd, config.layerNormEpsilon);
  }

  get decoderLayers(): readonly DecoderLayer[] {
    return this.h;
  }

  embed(ids: Tensor, positions: Tensor): Tensor {
    return this.drop.forward(this.wte.forward(ids).add(this.wpe.forward(positions)));
  }

  finalNorm(x: Tensor): Tensor {
    return this.ln_f.forward(x);
  }
}

/** GPT2LMHeadModel: GPT2Model and an lm_head whose weight is wte's (tied). Logits [B, T, V]. */
export class GPT2LMHeadModel extends CausalLMBase {
  transformer: GPT2Model;
  lm_head: Linear;

  constructor(
    readonly config: Gpt2Config,
    identity: CausalIdentity,
  ) {
    super(identity);
    this.transformer = new GPT2Model(config);
    this.lm_head = placeholderLinear(config.nEmbd, config.vocabSize, { bias: false });
    Object.defineProperty(this.lm_head, 'weight', { value: this.transformer.wte.weight, enumerable: true, writable: false, configurable: true });
  }

  get base(): GPT2Model {
    return this.transformer;
  }
}
