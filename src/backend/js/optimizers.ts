// Reference optimizer steps over all parameters at once: AdamW and SGD with PyTorch's exact update order.
import type { F32 } from '../backend.js';

/** See Backend.adamw. */
export function adamw(
  params: readonly F32[],
  grads: readonly F32[],
  m: readonly F32[],
  v: readonly F32[],
  weightDecay: F32,
  lr: number,
  beta1: number,
  beta2: number,
  eps: number,
  step: number,
): void {
  const correction1 = 1 - beta1 ** step;
  const sqrtCorrection2 = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / correction1;
  for (let t = 0; t < params.length; t++) {
    const p = params[t]!;
    const g = grads[t]!;
    const mt = m[t]!;
    const vt = v[t]!;
    const decay = 1 - lr * weightDecay[t];
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = beta1 * mt[i] + (1 - beta1) * gi;
      const vi = beta2 * vt[i] + (1 - beta2) * gi * gi;
      mt[i] = mi;
      vt[i] = vi;
      p[i] = p[i] * decay - (stepSize * mi) / (Math.sqrt(vi) / sqrtCorrection2 + eps);
    }
  }
}

/** See Backend.sgd. The gradients are read, never modified. */
export function sgd(
  params: readonly F32[],
  grads: readonly F32[],
  momentumBuffers: readonly F32[],
  lr: number,
  momentum: number,
  dampening: number,
  weightDecay: number,
  nesterov: boolean,
  firstStep: boolean,
): void {
  for (let t = 0; t < params.length; t++) {
    const p = params[t]!;
    const g = grads[t]!;
    const buf = momentum !== 0 ? momentumBuffers[t]! : null;
    for (let i = 0; i < p.length; i++) {
      let d = g[i] + weightDecay * p[i];
      if (buf) {
        const b = firstStep ? d : momentum * buf[i] + (1 - dampening) * d;
        buf[i] = b;
        d = nesterov ? d + momentum * b : b;
      }
      p[i] -= lr * d;
    }
  }
}
