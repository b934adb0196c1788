// Reference element-wise unary kernels and their gradients; the switch sits outside the loops.
import { Unary, type F32 } from '../backend.js';
import { erf } from './erf.js';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_TANH_C = Math.sqrt(2 / Math.PI);
const GELU_TANH_K = 0.044715;

/** See Backend.unary. */
export function unary(op: Unary, x: F32, out: F32, alpha: number): void {
  const n = x.length;
  switch (op) {
    case Unary.Neg:
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case Unary.Exp:
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case Unary.Log:
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case Unary.Sqrt:
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case Unary.Rsqrt:
      for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]);
      return;
    case Unary.Abs:
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case Unary.Tanh:
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case Unary.Sigmoid:
      for (let i = 0; i < n; i++) out[i] = sigmoid(x[i]);
      return;
    case Unary.Relu:
      for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0);
      return;
    case Unary.GeluErf:
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = 0.5 * v * (1 + erf(v * SQRT_HALF));
      }
      return;
    case Unary.GeluTanh:
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = 0.5 * v * (1 + Math.tanh(GELU_TANH_C * (v + GELU_TANH_K * v * v * v)));
      }
      return;
    case Unary.Pow:
      for (let i = 0; i < n; i++) out[i] = x[i] ** alpha;
      return;
    case Unary.Scale:
      for (let i = 0; i < n; i++) out[i] = x[i] * alpha;
      return;
    case Unary.AddScalar:
      for (let i = 0; i < n; i++) out[i] = x[i] + alpha;
      return;
    default:
      throw new RangeError(`unary: unknown op ${String(op)}`);
  }
}

/** See Backend.unaryGrad. Each case reads x[i], y[i] and dy[i] before writing dx[i], so dx may alias dy. */
export function unaryGrad(op: Unary, x: F32, y: F32, dy: F32, dx: F32, alpha: number): void {
  const n = dy.length;
  switch (op) {
    case Unary.Neg:
      for (let i = 0; i < n; i++) dx[i] = -dy[i];
      return;
    case Unary.Exp:
      for (let i = 0; i < n; i++) dx[i] = dy[i] * y[i];
      return;
    case Unary.Log:
      for (let i = 0; i < n; i++) dx[i] = dy[i] / x[i];
      return;
    case Unary.Sqrt:
      for (let i = 0; i < n; i++) dx[i] = (0.5 * dy[i]) / y[i];
      return;
    case Unary.Rsqrt:
      for (let i = 0; i < n; i++) {
        const r = y[i];
        dx[i] = -0.5 * dy[i] * r * r * r;
      }
      return;
    case Unary.Abs:
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : x[i] < 0 ? -dy[i] : 0;
      return;
    case Unary.Tanh:
      for (let i = 0; i < n; i++) {
        const t = y[i];
        dx[i] = dy[i] * (1 - t * t);
      }
      return;
    case Unary.Sigmoid:
      for (let i = 0; i < n; i++) {
        const s = y[i];
        dx[i] = dy[i] * s * (1 - s);
      }
      return;
    case Unary.Relu:
      for (let i = 0; i < n; i++) dx[i] = x[i] > 0 ? dy[i] : 0;
      return;
    case Unary.GeluErf:
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const cdf = 0.5 * (1 + erf(v * SQRT_HALF));
        dx[i] = dy[i] * (cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
      return;
    case Unary.GeluTanh:
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const t = Math.tanh(GELU_TANH_C * (v + GELU_TANH_K * v * v * v));
        const du = GELU_TANH_C * (1 + 3 * GELU_TANH_K * v * v);
        dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * du);
      }
      return;
    case Unary.Pow:
      for (let i = 0; i < n; i++) dx[i] = dy[i] * alpha * x[i] ** (alpha - 1);
      return;
    case Unary.Scale:
      for (let i = 0; i < n; i++) dx[i] = dy[i] * alpha;
      return;
    case Unary.AddScalar:
      if (dx !== dy) dx.set(dy);
      return;
    default:
      throw new RangeError(`unaryGrad: unknown op ${String(op)}`);
  }
}

/** Logistic function written so neither branch overflows exp. */
function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}
