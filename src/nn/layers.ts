// The basic layers: Linear, Embedding, LayerNorm and Dropout.
import { dropout } from '../tensor/ops/activations.js';
import { embedding } from '../tensor/ops/embedding.js';
import { linear } from '../tensor/ops/linear.js';
import { linearInOut } from '../tensor/ops/linear-in-out.js';
import { layerNorm } from '../tensor/ops/normalization.js';
import { defaultRandom, type Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { constant, kaimingUniform, normal } from './init.js';
import { Module, Parameter } from './module.js';

function zerosParameter(shape: number[]): Parameter {
  return new Parameter(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
}

export interface LinearOptions {
  /** Add a bias (default true). */
  readonly bias?: boolean;
  /** Generator for the initial weights (default: the global seeded one). */
  readonly rng?: Random;
  /** Store W as [in, out] (transformers' Conv1D in GPT-2, PEFT's fan_in_fan_out) instead of [out, in] (default false). */
  readonly fanInFanOut?: boolean;
}

/**
 * y = x W^T + b with W stored [out, in] as PyTorch and checkpoints do, or y = x W with W stored [in, out] when
 * `fanInFanOut` (GPT-2's Conv1D). Shapes: x [..., in] -> [..., out].
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  /** Whether weight is stored [in, out] (see LinearOptions.fanInFanOut). */
  readonly fanInFanOut: boolean;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    const rng = options.rng ?? defaultRandom();
    this.fanInFanOut = options.fanInFanOut ?? false;
    this.weight = zerosParameter(this.fanInFanOut ? [inFeatures, outFeatures] : [outFeatures, inFeatures]);
    kaimingUniform(this.weight, inFeatures, rng);
    this.bias = options.bias === false ? null : zerosParameter([outFeatures]);
    if (this.bias) kaimingUniform(this.bias, inFeatures, rng);
  }

  forward(x: Tensor): Tensor {
    return this.fanInFanOut ? linearInOut(x, this.weight, this.bias) : linear(x, this.weight, this.bias);
  }
}

/** A lookup table [num, dim]; ids of any shape -> [..., dim]. */
export class Embedding extends Module {
  readonly weight: Parameter;

  constructor(
    readonly numEmbeddings: number,
    readonly dim: number,
    options: { rng?: Random } = {},
  ) {
    super();
    this.weight = zerosParameter([numEmbeddings, dim]);
    normal(this.weight, 1, options.rng ?? defaultRandom());
  }

  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}

/** Layer normalisation over the last axis with a learned scale and shift. */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(
    readonly dim: number,
    readonly eps = 1e-5,
  ) {
    super();
    this.weight = zerosParameter([dim]);
    constant(this.weight, 1);
    this.bias = zerosParameter([dim]);
  }

  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** Inverted dropout, active only in training mode. */
export class Dropout extends Module {
  constructor(
    readonly p: number,
    private readonly rng?: Random,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return dropout(x, { p: this.p, training: this.training, ...(this.rng ? { rng: this.rng } : {}) });
  }
}
