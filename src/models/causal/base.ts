// What every causal language model shares: the decoder loop (with checkpointing and the cache), positions from the mask, config.json and the checkpoint.
import type { Linear } from '../../nn/layers.js';
import { Module } from '../../nn/module.js';
import { isGradEnabled, noGrad } from '../../tensor/autograd.js';
import { checkpoint } from '../../tensor/checkpoint.js';
import { positionIdsFromMask } from '../../tensor/ops/causal-positions.js';
import { attentionBias } from '../../tensor/ops/masks.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { ConfigJson } from '../encoder/config-fields.js';
import type { HeadSpec, LabelNames, TextInputs } from '../types.js';
import { KeyValueCache } from '../../tensor/kv-cache.js';
import type { CausalLMModel } from './types.js';

/** What a decoder layer reads besides the hidden states. Shapes: B batch, Tn new tokens, Tk keys (cached + new). */
export interface LayerContext {
  /** int32 [B, Tn]: each new token's position (cumsum of the mask - 1; 1 at padding). */
  readonly positions: Tensor;
  /** Additive key mask [B, 1, 1, Tk] (0 / float32 minimum), or undefined when no key is padding. */
  readonly mask: Tensor | undefined;
  /** The cache the layer appends its keys and values to (generation), or null. */
  readonly cache: KeyValueCache | null;
  /** This layer's index (its slot in the cache). */
  readonly layer: number;
  /** Tk: tokens the keys cover (cached + new); every position is below it. */
  readonly keys: number;
}

/** A decoder layer: hidden states [B, Tn, H] -> [B, Tn, H]. */
export interface DecoderLayer extends Module {
  forward(x: Tensor, context: LayerContext): Tensor;
}

/** A family's decoder (GPT2Model, LlamaModel): embeddings, layers, final norm. */
export interface DecoderBase extends Module {
  /** ids int32 [B, Tn] at `positions` -> [B, Tn, H]. */
  embed(ids: Tensor, positions: Tensor): Tensor;
  readonly decoderLayers: readonly DecoderLayer[];
  /** The final norm: [B, Tn, H] -> [B, Tn, H]. */
  finalNorm(x: Tensor): Tensor;
}

/** Identity and sizes of a causal model, from its config.json. */
export interface CausalIdentity {
  /** The config.json the model was built from (unknown fields are written back). */
  readonly source: ConfigJson;
  /** Fields transformers writes for the class when the source lacks them. */
  readonly defaults: ConfigJson;
  readonly modelType: string;
  readonly architecture: string;
  /** The base's attribute: 'transformer' (GPT-2) or 'model' (Llama). */
  readonly baseName: string;
  /** Path of the layer list inside the base: 'h' or 'layers'. */
  readonly layers: string;
  /** Embedding module inside the base: 'wte' or 'embed_tokens'. */
  readonly embeddings: string;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly maxPositions: number;
  /** Key (and value) width of a layer: kvHeads * D. */
  readonly kvWidth: number;
  readonly loraTargets: readonly string[];
}

const NO_LABELS: LabelNames = { id2label: {}, label2id: {} };

/** The head spec of every causal model: the lm_head over the vocabulary, no class labels. */
export const CAUSAL_LM_HEAD: HeadSpec = { kind: 'causal-lm', labels: NO_LABELS, problemType: 'single_label_classification' };

/** Keys save_pretrained replaces in the source config.json. */
const REPLACED_KEYS = ['architectures', 'id2label', 'label2id', 'torch_dtype', 'dtype', 'num_labels', '_num_labels', 'problem_type'];

function tokenId(value: unknown): number | null {
  const first = Array.isArray(value) ? value[0] : value;
  return Number.isInteger(first) && (first as number) >= 0 ? (first as number) : null;
}

export abstract class CausalLMBase extends Module implements CausalLMModel {
  readonly head = CAUSAL_LM_HEAD;
  readonly labels = NO_LABELS;
  readonly headModules: readonly string[] = [];
  readonly modelType: string;
  readonly architecture: string;
  readonly numLabels: number;
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly maxPositions: number;
  readonly embeddingsPrefix: string;
  readonly layerPrefixes: readonly string[];
  readonly defaultLoraTargets: readonly string[];
  readonly bosTokenId: number | null;
  readonly eosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  gradientCheckpointing = false;
  private readonly identity: CausalIdentity;

  abstract readonly lm_head: Linear;

  constructor(identity: CausalIdentity) {
    super();
    this.identity = identity;
    this.modelType = identity.modelType;
    this.architecture = identity.architecture;
    this.numLabels = identity.vocabSize;
    this.vocabSize = identity.vocabSize;
    this.hiddenSize = identity.hiddenSize;
    this.numLayers = identity.numLayers;
    this.maxPositions = identity.maxPositions;
    this.embeddingsPrefix = `${identity.baseName}.${identity.embeddings}`;
    this.layerPrefixes = Array.from({ length: identity.numLayers }, (_, i) => `${identity.baseName}.${identity.layers}.${i}`);
    this.defaultLoraTargets = identity.loraTargets;
    const { source } = identity;
    this.bosTokenId = tokenId(source.bos_token_id);
    this.eosTokenId = tokenId(source.eos_token_id);
    const eos = Array.isArray(source.eos_token_id) ? source.eos_token_id : [source.eos_token_id];
    this.eosTokenIds = eos.filter((id): id is number => Number.isInteger(id) && (id as number) >= 0);
    this.padTokenId = tokenId(source.pad_token_id);
  }

  /** The family's decoder (GPT2Model, LlamaModel). */
  abstract get base(): DecoderBase;

  private run(inputs: TextInputs, cache: KeyValueCache | null): Tensor {
    const ids = inputs.inputIds;
    const tn = ids.shape[1]!;
    const past = cache?.length ?? 0;
    const mask = inputs.attentionMask;
    if (mask.rank !== 2 || mask.shape[0] !== ids.shape[0] || mask.shape[1] !== past + tn) {
      throw new Error(`causal LM: attention mask [${mask.shape.join(', ')}] must be [${ids.shape[0]}, ${past + tn}] (cached + new tokens)`);
    }
    const { positions, padded } = positionIdsFromMask(mask, tn);
    const base = this.base;
    let x = base.embed(ids, positions);
    const additive = padded ? attentionBias(mask) : undefined;
    const recompute = this.gradientCheckpointing && this.training && cache === null && isGradEnabled();
    base.decoderLayers.forEach((layer, i) => {
      const context: LayerContext = { positions, mask: additive, cache, layer: i, keys: past + tn };
      x = recompute ? checkpoint((h) => layer.forward(h, context), [x], layer.parameters()) : layer.forward(x, context);
    });
    if (cache) cache.advance(tn);
    return base.finalNorm(x);
  }

  /** The final-norm hidden states [B, T, H]. */
  features(inputs: TextInputs): Tensor {
    return this.run(inputs, null);
  }

  /** The lm_head: [B, T, H] -> logits [B, T, V]. */
  classify(features: Tensor): Tensor {
    return this.lm_head.forward(features);
  }

  forward(inputs: TextInputs): Tensor {
    return this.classify(this.features(inputs));
  }

  createCache(batch: number, capacity: number): KeyValueCache {
    return new KeyValueCache(batch, capacity, this.numLayers, this.identity.kvWidth);
  }

  forwardCached(inputs: TextInputs, cache: KeyValueCache): Tensor {
    return noGrad(() => this.classify(this.run(inputs, cache)));
  }

  /** The config.json save_pretrained writes: the source's fields over the class defaults, the architecture, float32. */
  configJson(): Record<string, unknown> {
    const merged: Record<string, unknown> = { ...this.identity.defaults };
    for (const [key, value] of Object.entries(this.identity.source)) if (!REPLACED_KEYS.includes(key)) merged[key] = value;
    merged.architectures = [this.architecture];
    merged.dtype = 'float32';
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(merged).sort()) sorted[key] = merged[key];
    return sorted;
  }

  /** Parameters (a tied lm_head once, under the embedding's name, as save_pretrained drops it) and persistent buffers. */
  checkpointState(): Map<string, Tensor> {
    return this.stateDict();
  }
}
