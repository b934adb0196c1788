// Rotary position embedding set-up from a Hugging Face config: inverse frequencies per rope type and the cos / sin tables.
import { FinetuneError } from '../errors.js';
import type { RotaryTables } from '../tensor/ops/rotary.js';
import { Tensor } from '../tensor/tensor.js';

/** The rope fields of config.json: `rope_parameters` (transformers 5) or `rope_scaling` (older files). */
export interface RopeParameters {
  /** 'default' | 'linear' | 'llama3' (default 'default'); older files say `type`. */
  readonly rope_type?: string;
  readonly type?: string;
  /** Base of the wavelengths (default: the config's rope_theta, else 10000). */
  readonly rope_theta?: number;
  /** linear and llama3: positions are stretched by this factor (required there). */
  readonly factor?: number;
  /** llama3 (required there): wavelengths above original / low_freq_factor are divided by factor. */
  readonly low_freq_factor?: number;
  /** llama3 (required there): wavelengths below original / high_freq_factor are kept. */
  readonly high_freq_factor?: number;
  /** llama3: the pre-training context (default: the config's max_position_embeddings). */
  readonly original_max_position_embeddings?: number;
  /** Fraction of each head that rotates (default: the config's, else 1). */
  readonly partial_rotary_factor?: number;
}

/** What ropeInverseFrequencies reads from a model's config.json. */
export interface RopeConfig {
  readonly hidden_size: number;
  readonly num_attention_heads: number;
  /** Per-head size (default hidden_size / num_attention_heads). */
  readonly head_dim?: number | null;
  /** Base when the rope parameters do not name one (default 10000). */
  readonly rope_theta?: number;
  /** Fraction of each head that rotates when the rope parameters do not say (default 1). */
  readonly partial_rotary_factor?: number;
  readonly max_position_embeddings?: number;
  /** transformers 5's rope settings; `rope_scaling` wins when both are present, as transformers reads them. */
  readonly rope_parameters?: RopeParameters | null;
  readonly rope_scaling?: RopeParameters | null;
}

/** Inverse frequencies [R / 2] (float32, as transformers computes them), R = rotated features per head. */
export interface RopeFrequencies {
  readonly invFreq: Float32Array;
  /** Multiplies cos and sin (1 for the default, linear and llama3 types). */
  readonly attentionScaling: number;
  /** R: features per head that rotate (head size times partial_rotary_factor). */
  readonly rotaryDim: number;
}

const f = Math.fround;

function required(params: RopeParameters, key: keyof RopeParameters, type: string): number {
  const value = params[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FinetuneError(`rope_parameters.${key}: rope_type '${type}' needs a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * inv_freq and the attention scaling of transformers' rope initialisers (modeling_rope_utils.py and
 * LlamaRotaryEmbedding.compute_default_rope_parameters) for rope_type 'default', 'linear' and 'llama3',
 * step by step in float32 as PyTorch evaluates them. Other rope types are refused with a FinetuneError.
 */
export function ropeInverseFrequencies(config: RopeConfig): RopeFrequencies {
  const params: RopeParameters = config.rope_scaling ?? config.rope_parameters ?? {};
  const type = params.rope_type ?? params.type ?? 'default';
  const base = params.rope_theta ?? config.rope_theta ?? 10000;
  if (!(base > 0)) throw new FinetuneError(`rope_parameters.rope_theta: ${base} must be a positive number`);
  const headDim = config.head_dim ?? Math.floor(config.hidden_size / config.num_attention_heads);
  const partial = params.partial_rotary_factor ?? config.partial_rotary_factor ?? 1;
  const dim = Math.floor(headDim * partial);
  if (!(Number.isInteger(headDim) && headDim > 0 && dim >= 2 && dim <= headDim)) {
    throw new FinetuneError(`head_dim: ${headDim} heads of which ${dim} rotate (partial_rotary_factor ${partial}) is not a usable rotary size`);
  }
  const inv = new Float32Array(Math.ceil(dim / 2));
  for (let i = 0; i < inv.length; i++) inv[i] = f(1 / f(f(base) ** f((2 * i) / dim)));
  const rotaryDim = 2 * inv.length;
  if (type === 'default') return { invFreq: inv, attentionScaling: 1, rotaryDim };
  if (type === 'linear') {
    const factor = required(params, 'factor', type);
    return { invFreq: inv.map((x) => f(x / factor)), attentionScaling: 1, rotaryDim };
  }
  if (type === 'llama3') {
    const factor = required(params, 'factor', type);
    const low = required(params, 'low_freq_factor', type);
    const high = required(params, 'high_freq_factor', type);
    const old = params.original_max_position_embeddings ?? config.max_position_embeddings;
    if (typeof old !== 'number') {
      throw new FinetuneError(`rope_parameters.original_max_position_embeddings: rope_type 'llama3' needs it (or max_position_embeddings)`);
    }
    const lowWavelen = f(old / low);
    const highWavelen = f(old / high);
    const span = f(high - low);
    const out = inv.map((x) => {
      const wavelen = f(f(2 * Math.PI) / x);
      const scaled = wavelen > lowWavelen ? f(x / factor) : x;
      if (wavelen < highWavelen || wavelen > lowWavelen) return scaled;
      const smooth = f(f(f(old / wavelen) - low) / span);
      return f(f(f(f(1 - smooth) * scaled) / factor) + f(smooth * scaled));
    });
    return { invFreq: out, attentionScaling: 1, rotaryDim };
  }
  throw new FinetuneError(`rope_parameters.rope_type: '${type}' is not supported (default, linear, llama3)`);
}

/**
 * cos and sin [positions, R / 2] of angle p * invFreq[i] (the float32 product, as transformers' rotary module
 * forms it), each times the attention scaling: the tables rotaryEmbedding reads.
 */
export function rotaryTables(frequencies: Pick<RopeFrequencies, 'invFreq' | 'attentionScaling'>, positions: number): RotaryTables {
  if (!(Number.isInteger(positions) && positions >= 0)) throw new Error(`rotaryTables: positions ${positions} must be an integer >= 0`);
  const { invFreq, attentionScaling } = frequencies;
  const half = invFreq.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f(p * invFreq[i]!);
      cos[p * half + i] = f(Math.cos(angle)) * attentionScaling;
      sin[p * half + i] = f(Math.sin(angle)) * attentionScaling;
    }
  }
  return { cos: new Tensor(cos, [positions, half]), sin: new Tensor(sin, [positions, half]) };
}
