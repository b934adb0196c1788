// SGD with momentum, dampening, Nesterov and weight decay, as torch.optim.SGD.
import { getBackend } from '../../backend/index.js';
import type { Parameter } from '../../nn/module.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  readonly lr?: number;
  /** Momentum factor (default 0: plain SGD). */
  readonly momentum?: number;
  /** Dampening of the momentum (default 0). */
  readonly dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay?: number;
  /** Nesterov momentum (default false). */
  readonly nesterov?: boolean;
}

export class SGD extends Optimizer {
  private readonly options: Required<Omit<SGDOptions, 'lr'>>;
  private readonly buffers = new Map<Parameter, Float32Array>();

  constructor(params: readonly Parameter[] | readonly ParamGroup[], options: SGDOptions = {}) {
    super(params, options.lr ?? 1e-3);
    this.options = {
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
    };
  }

  step(): void {
    const { momentum, dampening, nesterov } = this.options;
    for (const group of this.groups) {
      const fresh: { p: Float32Array[]; g: Float32Array[]; b: Float32Array[] } = { p: [], g: [], b: [] };
      const seen: { p: Float32Array[]; g: Float32Array[]; b: Float32Array[] } = { p: [], g: [], b: [] };
      for (const p of group.params) {
        if (p.grad === null || !p.requiresGrad) continue;
        let buffer = this.buffers.get(p);
        const target = buffer || momentum === 0 ? seen : fresh;
        if (!buffer && momentum !== 0) this.buffers.set(p, (buffer = new Float32Array(p.size)));
        target.p.push(p.f32());
        target.g.push(p.grad.f32());
        if (buffer) target.b.push(buffer);
      }
      const lr = this.lr * (group.lrScale ?? 1);
      const wd = group.weightDecay ?? this.options.weightDecay;
      // The first step of a momentum buffer copies the gradient instead of decaying an empty buffer.
      if (fresh.p.length > 0) getBackend().sgd(fresh.p, fresh.g, fresh.b, lr, momentum, dampening, wd, nesterov, true);
      if (seen.p.length > 0) getBackend().sgd(seen.p, seen.g, seen.b, lr, momentum, dampening, wd, nesterov, false);
    }
  }
}
