// The vision part of the kernel contract (convolution, batch norm, pooling, activations); Backend extends it.
//
// Same conventions as backend.ts: dense C-order arrays, outputs overwritten unless said. Layout NCHW as
// PyTorch: N batch, C input channels, O output channels, H x W input plane, OH x OW output plane, P planes
// (N * C). Window geometry travels as one Int32Array indexed by ConvGeometry / PoolGeometry.
import type { F32, I32 } from './backend.js';

/** Element-wise activations of vision models, each with its gradient (PyTorch's definitions; silu is Backend.swiglu). */
export const enum Activation {
  /** min(max(x, 0), 6); gradient 1 on (0, 6), else 0. */
  Relu6 = 0,
  /** x * relu6(x + 3) / 6; gradient 0 up to -3, x / 3 + 0.5 on (-3, 3), 1 from 3 (PyTorch 2's values at the kinks). */
  Hardswish = 1,
  /** relu6(x + 3) / 6; gradient 1/6 on (-3, 3), else 0. */
  Hardsigmoid = 2,
}

/**
 * Indices into a convolution's geometry array. Output o[n, k, i, j] reads input rows i * SH - PH + a * DH and
 * columns j * SW - PW + b * DW (a < KH, b < KW; outside the plane reads 0), input channels of group
 * g = floor(k / (O / Groups)), weight [O, C / Groups, KH, KW].
 */
export const enum ConvGeometry {
  N = 0,
  C = 1,
  H = 2,
  W = 3,
  O = 4,
  OH = 5,
  OW = 6,
  KH = 7,
  KW = 8,
  SH = 9,
  SW = 10,
  PH = 11,
  PW = 12,
  DH = 13,
  DW = 14,
  Groups = 15,
  Length = 16,
}

/** Indices into a pooling window's geometry array: P planes of H x W into OH x OW, as ConvGeometry. */
export const enum PoolGeometry {
  P = 0,
  H = 1,
  W = 2,
  OH = 3,
  OW = 4,
  KH = 5,
  KW = 6,
  SH = 7,
  SW = 8,
  PH = 9,
  PW = 10,
  DH = 11,
  DW = 12,
  Length = 13,
}

export interface VisionKernels {
  /** out [N, O, OH, OW] = conv(x [N, C, H, W], weight) + bias [O] (bias may be null). */
  conv2d(x: F32, weight: F32, bias: F32 | null, geometry: I32, out: F32): void;
  /** dx [N, C, H, W] = gradient of conv2d with respect to x, from dy [N, O, OH, OW]. */
  conv2dGradInput(dy: F32, weight: F32, geometry: I32, dx: F32): void;
  /** dweight [O, C / Groups, KH, KW] and dbias [O] (when not null) from x and dy, summed over the batch. */
  conv2dGradWeight(x: F32, dy: F32, geometry: I32, dweight: F32, dbias: F32 | null): void;

  /** Per-channel mean and biased variance of x [N, C, S] (S = H * W) over N and S, into mean and variance [C]. */
  batchNormStats(x: F32, batch: number, channels: number, spatial: number, mean: F32, variance: F32): void;
  /**
   * out = (x - mean[c]) / sqrt(variance[c] + eps) * weight[c] + bias[c] over x [N, C, S]; a null weight is 1,
   * a null bias 0.
   */
  batchNorm(
    x: F32,
    mean: F32,
    variance: F32,
    weight: F32 | null,
    bias: F32 | null,
    batch: number,
    channels: number,
    spatial: number,
    eps: number,
    out: F32,
  ): void;
  /**
   * Backward of batchNorm: dweight = sum(dy * xhat) and dbias = sum(dy) per channel [C]; dx [N, C, S]. With
   * `batchStats` mean and variance are x's own (batchNormStats), so dx includes their dependence on x:
   * dx = weight * rstd * (dy - mean(dy) - xhat * mean(dy * xhat)); otherwise dx = weight * rstd * dy.
   */
  batchNormGrad(
    x: F32,
    dy: F32,
    mean: F32,
    variance: F32,
    weight: F32 | null,
    batch: number,
    channels: number,
    spatial: number,
    eps: number,
    batchStats: boolean,
    dx: F32,
    dweight: F32,
    dbias: F32,
  ): void;

  /**
   * Max over each window of x [P, H, W] (padding never wins) into out [P, OH, OW]; argmax [P, OH, OW]
   * receives the flat index h * W + w in the plane of the first maximum (a NaN counts as the maximum).
   */
  maxPool2d(x: F32, geometry: I32, out: F32, argmax: I32): void;
  /** dx [P, H, W] = scatter-add of dy [P, OH, OW] to argmax. */
  maxPool2dGrad(dy: F32, argmax: I32, geometry: I32, dx: F32): void;
  /**
   * Mean over each window (PyTorch's rule: a window is clipped to the padded plane; the divisor is its size
   * there when countIncludePad, else the number of elements inside the plane). Dilation must be 1.
   */
  avgPool2d(x: F32, geometry: I32, countIncludePad: boolean, out: F32): void;
  avgPool2dGrad(dy: F32, geometry: I32, countIncludePad: boolean, dx: F32): void;
  /**
   * Mean over windows rows [floor(i H / OH), ceil((i + 1) H / OH)) by columns likewise: x [P, H, W] into
   * out [P, OH, OW].
   */
  adaptiveAvgPool2d(x: F32, planes: number, height: number, width: number, outHeight: number, outWidth: number, out: F32): void;
  adaptiveAvgPool2dGrad(dy: F32, planes: number, height: number, width: number, outHeight: number, outWidth: number, dx: F32): void;

  /** out[i] = f(x[i]). `out` may be `x`. */
  activation(op: Activation, x: F32, out: F32): void;
  /** dx[i] = dy[i] * f'(x[i]). dx may alias dy. */
  activationGrad(op: Activation, x: F32, dy: F32, dx: F32): void;
}
