// AdamW (decoupled weight decay, bias correction) as torch.optim.AdamW, one fused kernel call over all parameters.
import { getBackend } from '../../backend/index.js';
import { FinetuneError } from '../../errors.js';
import type { Parameter } from '../../nn/module.js';
import { Optimizer, type ParamGroup } from './optimizer.js';

export interface AdamWOptions {
  /** Learning rate (default 5e-5, Hugging Face Trainer's default). */
  readonly lr?: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Added to the denominator for stability (default 1e-8, as Trainer uses). */
  readonly eps?: number;
  /** Decoupled weight decay for groups that do not set their own (default 0.01, as PyTorch). */
  readonly weightDecay?: number;
}

/** Saveable optimizer state: the step count and both moments of every parameter, in allParams() order. */
export interface AdamWState {
  readonly step: number;
  readonly m: readonly (Float32Array | null)[];
  readonly v: readonly (Float32Array | null)[];
}

export class AdamW extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken; bias correction uses it. */
  stepCount = 0;
  private readonly m = new Map<Parameter, Float32Array>();
  private readonly v = new Map<Parameter, Float32Array>();

  constructor(params: readonly Parameter[] | readonly ParamGroup[], options: AdamWOptions = {}) {
    super(params, options.lr ?? 5e-5);
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    for (const b of [this.beta1, this.beta2]) {
      if (!(b >= 0 && b < 1)) throw new FinetuneError(`AdamW: beta ${b} must be in [0, 1)`);
    }
  }

  /**
   * Updates every parameter that has a gradient (frozen ones have none and get no state).
   * Moments are allocated on a parameter's first update.
   */
  step(): void {
    this.stepCount++;
    const byScale = new Map<number, { p: Float32Array[]; g: Float32Array[]; m: Float32Array[]; v: Float32Array[]; wd: number[] }>();
    for (const group of this.groups) {
      const scale = group.lrScale ?? 1;
      let bucket = byScale.get(scale);
      if (!bucket) byScale.set(scale, (bucket = { p: [], g: [], m: [], v: [], wd: [] }));
      for (const p of group.params) {
        if (p.grad === null || !p.requiresGrad) continue;
        let m = this.m.get(p);
        let v = this.v.get(p);
        if (!m || !v) {
          this.m.set(p, (m = new Float32Array(p.size)));
          this.v.set(p, (v = new Float32Array(p.size)));
        }
        bucket.p.push(p.f32());
        bucket.g.push(p.grad.f32());
        bucket.m.push(m);
        bucket.v.push(v);
        bucket.wd.push(group.weightDecay ?? this.weightDecay);
      }
    }
    for (const [scale, b] of byScale) {
      if (b.p.length === 0) continue;
      getBackend().adamw(b.p, b.g, b.m, b.v, Float32Array.from(b.wd), this.lr * scale, this.beta1, this.beta2, this.eps, this.stepCount);
    }
  }

  stateDict(): AdamWState {
    const params = this.allParams();
    return { step: this.stepCount, m: params.map((p) => this.m.get(p) ?? null), v: params.map((p) => this.v.get(p) ?? null) };
  }

  loadStateDict(state: AdamWState): void {
    const params = this.allParams();
    if (state.m.length !== params.length || state.v.length !== params.length) {
      throw new FinetuneError(`optimizer state: ${state.m.length} parameters saved, the model has ${params.length}`);
    }
    this.stepCount = state.step;
    this.m.clear();
    this.v.clear();
    params.forEach((p, i) => {
      const m = state.m[i];
      const v = state.v[i];
      if (!m || !v) return;
      if (m.length !== p.size || v.length !== p.size) {
        throw new FinetuneError(`optimizer state: parameter ${i} has ${m.length} moment values, expected ${p.size}`);
      }
      this.m.set(p, m.slice());
      this.v.set(p, v.slice());
    });
  }
}
