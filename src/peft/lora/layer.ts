// LoraLinear: a Linear layer plus a trainable low-rank update, base(x) + B(A(dropout(x))) * scale, with merge and unmerge.
import { FinetuneError } from '../../errors.js';
import { constant } from '../../nn/init.js';
import { Dropout, Linear } from '../../nn/layers.js';
import { Module, type Parameter } from '../../nn/module.js';
import { noGrad } from '../../tensor/autograd.js';
import { matmul } from '../../tensor/ops/matmul.js';
import { defaultRandom, type Random } from '../../tensor/random.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface LoraLinearOptions {
  /** Rank of the update. */
  readonly r: number;
  /** The update's factor: alpha / r, or alpha / sqrt(r) with rsLoRA (see rankAndScale). */
  readonly scale: number;
  /** Dropout on the update's input, active in training mode only (default 0). */
  readonly dropout?: number;
  /** Generator for A's initial values (default: the global seeded one). */
  readonly rng?: Random;
}

/**
 * Wraps a Linear: y = x W^T + b + B(A(dropout(x))) * scale, with A [r, in] drawn as PyTorch's
 * kaiming_uniform_(a = sqrt(5)) (PEFT's default) and B [out, r] zero, so a new adapter changes
 * nothing until it trains. The layer adopts the base's `weight` and `bias` parameters, so their
 * names stay those of the checkpoint ('...query.weight') and the adapter's are '...query.lora_A.weight'
 * and '...query.lora_B.weight', as PEFT saves them. Shapes: x [..., in] -> [..., out].
 */
export class LoraLinear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly lora_A: Linear;
  readonly lora_B: Linear;
  readonly lora_dropout: Dropout;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly r: number;
  readonly scale: number;
  /** The wrapped layer, hidden from the module tree (its parameters are this layer's weight and bias). */
  declare readonly base: Linear;
  private mergedInto = false;

  constructor(base: Linear, options: LoraLinearOptions) {
    super();
    if (!(Number.isInteger(options.r) && options.r >= 1)) throw new FinetuneError(`LoRA rank must be a positive integer, got ${options.r}`);
    if (!Number.isFinite(options.scale)) throw new FinetuneError(`LoRA scale must be a finite number, got ${options.scale}`);
    Object.defineProperty(this, 'base', { value: base, enumerable: false });
    this.weight = base.weight;
    this.bias = base.bias;
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
    this.r = options.r;
    this.scale = options.scale;
    const rng = options.rng ?? defaultRandom();
    this.lora_A = new Linear(base.inFeatures, options.r, { bias: false, rng });
    this.lora_B = new Linear(options.r, base.outFeatures, { bias: false, rng });
    constant(this.lora_B.weight, 0);
    this.lora_dropout = new Dropout(options.dropout ?? 0);
  }

  /** Whether the update is currently folded into `weight` (forward then skips the adapter branch). */
  get merged(): boolean {
    return this.mergedInto;
  }

  forward(x: Tensor): Tensor {
    const y = this.base.forward(x);
    if (this.mergedInto) return y;
    const update = this.lora_B.forward(this.lora_A.forward(this.lora_dropout.forward(x)));
    return y.add(update.mul(this.scale));
  }

  /** The update as a dense matrix laid out as `weight`: scale * B A [out, in], or its transpose [in, out] for a Conv1D (fan_in_fan_out). */
  deltaWeight(): Float32Array {
    const product = noGrad(() =>
      this.base.fanInFanOut ? matmul(this.lora_A.weight, this.lora_B.weight, { transA: true, transB: true }) : matmul(this.lora_B.weight, this.lora_A.weight),
    ).f32();
    for (let i = 0; i < product.length; i++) product[i]! *= this.scale;
    return product;
  }

  /** Folds the update into the base weight (W += scale * B A); forward gives the same values, faster. */
  merge(): void {
    if (this.mergedInto) return;
    const delta = this.deltaWeight();
    const w = this.weight.f32();
    for (let i = 0; i < w.length; i++) w[i]! += delta[i]!;
    this.mergedInto = true;
  }

  /** Takes a merged update back out of the base weight. */
  unmerge(): void {
    if (!this.mergedInto) return;
    const delta = this.deltaWeight();
    const w = this.weight.f32();
    for (let i = 0; i < w.length; i++) w[i]! -= delta[i]!;
    this.mergedInto = false;
  }
}
