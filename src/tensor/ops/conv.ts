// 2-D convolution (NCHW, PyTorch semantics: stride, padding, dilation, groups) as one op with its three gradients.
import { ConvGeometry } from '../../backend/vision-kernels.js';
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { outputSize, pair, type Pair } from './window.js';

export interface Conv2dOptions {
  /** Step between windows, for both axes or [sh, sw] (default 1). */
  readonly stride?: Pair;
  /** Zeros added on each side, for both axes or [ph, pw] (default 0). */
  readonly padding?: Pair;
  /** Spacing between kernel taps (default 1). */
  readonly dilation?: Pair;
  /** Channel groups; must divide C and O (default 1; C for a depthwise convolution). */
  readonly groups?: number;
}

/**
 * Cross-correlation as torch.nn.functional.conv2d. Shapes: x [N, C, H, W], weight [O, C / groups, KH, KW],
 * bias [O] or null -> [N, O, OH, OW] with OH = floor((H + 2 PH - DH (KH - 1) - 1) / SH) + 1 (OW likewise).
 * Backward: dx = the transposed convolution of dy, dW = dy correlated with x, db = sums of dy over N, OH, OW;
 * each only for the inputs that need it.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, options: Conv2dOptions = {}): Tensor {
  const [sh, sw] = pair('conv2d', 'stride', options.stride ?? 1, 1);
  const [ph, pw] = pair('conv2d', 'padding', options.padding ?? 0, 0);
  const [dh, dw] = pair('conv2d', 'dilation', options.dilation ?? 1, 1);
  const groups = options.groups ?? 1;
  if (x.rank !== 4 || weight.rank !== 4) {
    throw new Error(`conv2d: input ${formatShape(x.shape)} and weight ${formatShape(weight.shape)} must be [N, C, H, W] and [O, C / groups, KH, KW]`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0 || o % groups !== 0) {
    throw new Error(`conv2d: groups ${groups} must be a positive integer dividing input channels ${c} and output channels ${o}`);
  }
  if (cg !== c / groups) {
    throw new Error(
      `conv2d: weight ${formatShape(weight.shape)} needs ${c / groups} input channels per group for input ${formatShape(x.shape)} and groups ${groups}`,
    );
  }
  if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== o)) {
    throw new Error(`conv2d: bias ${formatShape(bias.shape)} does not match ${o} output channels`);
  }
  const oh = outputSize(h, kh, sh, ph, dh, false);
  const ow = outputSize(w, kw, sw, pw, dw, false);
  if (oh < 1 || ow < 1) {
    throw new Error(`conv2d: kernel ${kh}x${kw} (dilation ${dh}x${dw}) is larger than the padded input ${h + 2 * ph}x${w + 2 * pw}`);
  }
  const geometry = new Int32Array(ConvGeometry.Length);
  geometry.set([n, c, h, w, o, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, groups]);
  const out = allocF32(n * o * oh * ow);
  getBackend().conv2d(x.f32(), weight.f32(), bias?.f32() ?? null, geometry, out);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return Tensor.fromOp(out, [n, o, oh, ow], 'conv2d', inputs, (g) => {
    const be = getBackend();
    const gd = g.f32();
    let dx: Tensor | null = null;
    if (x.requiresGrad) {
      const data = allocF32(x.size);
      be.conv2dGradInput(gd, weight.f32(), geometry, data);
      dx = new Tensor(data, x.shape);
    }
    let dW: Tensor | null = null;
    let db: Tensor | null = null;
    const wantBias = bias?.requiresGrad;
    if (weight.requiresGrad || wantBias) {
      // One pass gives both; the weight gradient is dropped when only the bias needs one.
      const dwData = allocF32(weight.size);
      const dbData = wantBias ? allocF32(o) : null;
      be.conv2dGradWeight(x.f32(), gd, geometry, dwData, dbData);
      if (weight.requiresGrad) dW = new Tensor(dwData, weight.shape);
      if (dbData !== null) db = new Tensor(dbData, [o]);
    }
    return bias === null ? [dx, dW] : [dx, dW, db];
  });
}
