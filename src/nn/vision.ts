// Vision layers with PyTorch's names and initialisation: Conv2d, BatchNorm2d (running statistics as buffers) and the pooling layers.
import { batchNorm2d } from '../tensor/ops/batch-norm.js';
import { conv2d, type Conv2dOptions } from '../tensor/ops/conv.js';
import { adaptiveAvgPool2d, type AvgPool2dOptions, avgPool2d, type MaxPool2dOptions, maxPool2d } from '../tensor/ops/pooling.js';
import type { Pair } from '../tensor/ops/window.js';
import { defaultRandom, type Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { kaimingUniform } from './init.js';
import { Module, ModuleBuffer, Parameter } from './module.js';

export interface Conv2dLayerOptions extends Conv2dOptions {
  /** Add a bias (default true; networks followed by batch norm leave it out). */
  readonly bias?: boolean;
  /** Generator for the initial weights (default: the global seeded one). */
  readonly rng?: Random;
}

/**
 * torch.nn.Conv2d: weight [O, C / groups, KH, KW], bias [O], both uniform in +-1/sqrt(fan_in) as PyTorch's
 * default (kaiming_uniform with a = sqrt(5)). Shapes: x [N, C, H, W] -> [N, O, OH, OW].
 */
export class Conv2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  private readonly options: Conv2dOptions;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Pair,
    options: Conv2dLayerOptions = {},
  ) {
    super();
    const [kh, kw] = typeof kernelSize === 'number' ? [kernelSize, kernelSize] : kernelSize;
    const groups = options.groups ?? 1;
    if (!(Number.isInteger(groups) && groups >= 1 && inChannels % groups === 0 && outChannels % groups === 0)) {
      throw new Error(`Conv2d: groups ${groups} must divide ${inChannels} input and ${outChannels} output channels`);
    }
    const fanIn = (inChannels / groups) * kh * kw;
    const rng = options.rng ?? defaultRandom();
    this.weight = new Parameter(new Float32Array(outChannels * fanIn), [outChannels, inChannels / groups, kh, kw]);
    kaimingUniform(this.weight, fanIn, rng);
    this.bias = options.bias === false ? null : new Parameter(new Float32Array(outChannels), [outChannels]);
    if (this.bias) kaimingUniform(this.bias, fanIn, rng);
    const { bias: _bias, rng: _rng, ...geometry } = options;
    this.options = geometry;
  }

  /** Stride, padding, dilation and groups as constructed (what an exported graph's Conv node needs). */
  get geometry(): Conv2dOptions {
    return this.options;
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, this.options);
  }
}

export interface BatchNorm2dLayerOptions {
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Weight of each batch in the running statistics (default 0.1; null: cumulative average). */
  readonly momentum?: number | null;
}

/**
 * torch.nn.BatchNorm2d: weight (1) and bias (0) [C] trained; running_mean (0), running_var (1) and
 * num_batches_tracked saved and checkpointed as buffers, never trained. Training mode normalises with the
 * batch's statistics and updates the running ones; evaluation mode uses the running ones.
 */
export class BatchNorm2d extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;
  readonly running_mean: ModuleBuffer;
  readonly running_var: ModuleBuffer;
  readonly num_batches_tracked: ModuleBuffer;
  /**
   * Weight of each batch in the running statistics (null: cumulative average). Settable: a Keras model's
   * 0.999 (0.001 here) would keep its pre-training statistics through a short fine-tuning run.
   */
  momentum: number | null;

  constructor(
    readonly numFeatures: number,
    readonly options: BatchNorm2dLayerOptions = {},
  ) {
    super();
    this.momentum = options.momentum === undefined ? 0.1 : options.momentum;
    this.weight = new Parameter(new Float32Array(numFeatures).fill(1), [numFeatures]);
    this.bias = new Parameter(new Float32Array(numFeatures), [numFeatures]);
    this.running_mean = new ModuleBuffer(new Float32Array(numFeatures), [numFeatures]);
    this.running_var = new ModuleBuffer(new Float32Array(numFeatures).fill(1), [numFeatures]);
    this.num_batches_tracked = new ModuleBuffer(new Int32Array(1), []);
  }

  forward(x: Tensor): Tensor {
    return batchNorm2d(x, this.weight, this.bias, this.running_mean, this.running_var, {
      training: this.training,
      momentum: this.momentum,
      eps: this.options.eps ?? 1e-5,
      numBatchesTracked: this.num_batches_tracked,
    });
  }
}

/** torch.nn.MaxPool2d. */
export class MaxPool2d extends Module {
  constructor(readonly options: MaxPool2dOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.options);
  }
}

/** torch.nn.AvgPool2d. */
export class AvgPool2d extends Module {
  constructor(readonly options: AvgPool2dOptions) {
    super();
  }

  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.options);
  }
}

/** torch.nn.AdaptiveAvgPool2d: [N, C, H, W] -> [N, C, OH, OW] (global pooling with outputSize 1). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair) {
    super();
  }

  forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize);
  }
}
