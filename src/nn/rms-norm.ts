// RMSNorm as a module: transformers' LlamaRMSNorm (a `weight` of ones, no bias, eps from the config).
import { rmsNorm } from '../tensor/ops/rms-norm.js';
import type { Tensor } from '../tensor/tensor.js';
import { Module, Parameter } from './module.js';

export class RMSNorm extends Module {
  readonly weight: Parameter;

  /** `eps` defaults to 1e-6, LlamaRMSNorm's default (configs name it rms_norm_eps). */
  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super();
    this.weight = new Parameter(new Float32Array(dim).fill(1), [dim]);
  }

  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
