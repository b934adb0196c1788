// What every optimizer shares: parameter groups with their own learning rate and weight decay, and zeroGrad.
import { FinetuneError } from '../../errors.js';
import type { Parameter } from '../../nn/module.js';

/** A set of parameters updated with the same hyperparameters. */
export interface ParamGroup {
  readonly params: readonly Parameter[];
  /** Overrides the optimizer's weight decay for this group (e.g. 0 for biases and LayerNorm weights). */
  readonly weightDecay?: number;
  /** Multiplies the optimizer's learning rate for this group (default 1). */
  readonly lrScale?: number;
}

export abstract class Optimizer {
  readonly groups: readonly ParamGroup[];
  /** The current learning rate; schedulers set it before each step. */
  lr: number;

  constructor(params: readonly Parameter[] | readonly ParamGroup[], lr: number) {
    if (!(lr >= 0) || !Number.isFinite(lr)) throw new FinetuneError(`learning rate ${lr} must be a finite number >= 0`);
    this.lr = lr;
    const list = params as readonly (Parameter | ParamGroup)[];
    this.groups = list.length > 0 && 'params' in list[0]! ? (params as readonly ParamGroup[]) : [{ params: params as readonly Parameter[] }];
  }

  /** Every parameter, in group order (the order of optimizer state). */
  allParams(): Parameter[] {
    return this.groups.flatMap((g) => [...g.params]);
  }

  /** Drops the gradients (PyTorch's set_to_none), so the next backward writes fresh ones. */
  zeroGrad(): void {
    for (const p of this.allParams()) p.grad = null;
  }

  abstract step(): void;
}
