// Reference activations of vision models (relu6, hardswish, hardsigmoid) and their gradients, as PyTorch defines them.
import type { F32 } from '../backend.js';
import { Activation } from '../vision-kernels.js';

function value(op: Activation, x: number): number {
  switch (op) {
    case Activation.Relu6:
      return Math.min(Math.max(x, 0), 6);
    case Activation.Hardswish:
      return x <= -3 ? 0 : x >= 3 ? x : (x * (x + 3)) / 6;
    case Activation.Hardsigmoid:
      return x <= -3 ? 0 : x >= 3 ? 1 : x / 6 + 0.5;
  }
}

function slope(op: Activation, x: number): number {
  switch (op) {
    case Activation.Relu6:
      return x > 0 && x < 6 ? 1 : 0;
    case Activation.Hardswish:
      return x <= -3 ? 0 : x < 3 ? x / 3 + 0.5 : 1;
    case Activation.Hardsigmoid:
      return x > -3 && x < 3 ? 1 / 6 : 0;
  }
}

function checkOp(name: string, op: Activation): void {
  if (!(op >= Activation.Relu6 && op <= Activation.Hardsigmoid && Number.isInteger(op))) throw new RangeError(`${name}: unknown activation ${op}`);
}

export function activation(op: Activation, x: F32, out: F32): void {
  checkOp('activation', op);
  if (out.length < x.length) throw new RangeError(`activation: out has ${out.length} elements, x ${x.length}`);
  for (let i = 0; i < x.length; i++) out[i] = value(op, x[i]!);
}

export function activationGrad(op: Activation, x: F32, dy: F32, dx: F32): void {
  checkOp('activationGrad', op);
  if (dy.length < x.length || dx.length < x.length) throw new RangeError(`activationGrad: dy (${dy.length}) and dx (${dx.length}) need ${x.length} elements`);
  for (let i = 0; i < x.length; i++) dx[i] = dy[i]! * slope(op, x[i]!);
}
