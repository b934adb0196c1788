// 2-D max, average and adaptive average pooling over the last two axes ([N, C, H, W] or [C, H, W]), PyTorch semantics.
import { PoolGeometry } from '../../backend/vision-kernels.js';
import { getBackend } from '../../backend/index.js';
import { allocF32 } from '../memory.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { outputSize, pair, type Pair } from './window.js';

export interface MaxPool2dOptions {
  /** Window size, for both axes or [kh, kw]. */
  readonly kernel: Pair;
  /** Step between windows (default: the kernel size). */
  readonly stride?: Pair;
  /** Implicit -Infinity on each side, at most half the kernel (default 0). */
  readonly padding?: Pair;
  /** Spacing between window taps (default 1). */
  readonly dilation?: Pair;
  /** Round the output size up, keeping a last partial window that starts inside the input (default false). */
  readonly ceilMode?: boolean;
}

export interface AvgPool2dOptions {
  /** Window size, for both axes or [kh, kw]. */
  readonly kernel: Pair;
  /** Step between windows (default: the kernel size). */
  readonly stride?: Pair;
  /** Implicit zeros on each side, at most half the kernel (default 0). */
  readonly padding?: Pair;
  /** Round the output size up, as MaxPool2dOptions.ceilMode (default false). */
  readonly ceilMode?: boolean;
  /** Count the padding zeros in each window's divisor (default true, as PyTorch). */
  readonly countIncludePad?: boolean;
}

interface Planes {
  readonly planes: number;
  readonly height: number;
  readonly width: number;
  readonly lead: number[];
}

function planesOf(op: string, x: Tensor): Planes {
  if (x.rank !== 3 && x.rank !== 4) throw new Error(`${op}: input ${formatShape(x.shape)} must be [N, C, H, W] or [C, H, W]`);
  const lead = x.shape.slice(0, -2);
  const [height, width] = x.shape.slice(-2) as [number, number];
  return { planes: lead.reduce((a, b) => a * b, 1), height, width, lead };
}

function windowGeometry(
  op: string,
  x: Tensor,
  kernel: Pair,
  stride: Pair | undefined,
  padding: Pair,
  dilation: Pair,
  ceil: boolean,
): { geometry: Int32Array; shape: number[]; p: Planes } {
  const p = planesOf(op, x);
  const [kh, kw] = pair(op, 'kernel', kernel, 1);
  const [sh, sw] = pair(op, 'stride', stride ?? kernel, 1);
  const [ph, pw] = pair(op, 'padding', padding, 0);
  const [dh, dw] = pair(op, 'dilation', dilation, 1);
  if (ph > kh / 2 || pw > kw / 2) throw new Error(`${op}: padding ${ph}x${pw} must be at most half the kernel ${kh}x${kw}`);
  const oh = outputSize(p.height, kh, sh, ph, dh, ceil);
  const ow = outputSize(p.width, kw, sw, pw, dw, ceil);
  if (oh < 1 || ow < 1) throw new Error(`${op}: input ${formatShape(x.shape)} is too small for kernel ${kh}x${kw} (dilation ${dh}x${dw}, padding ${ph}x${pw})`);
  const geometry = new Int32Array(PoolGeometry.Length);
  geometry.set([p.planes, p.height, p.width, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw]);
  return { geometry, shape: [...p.lead, oh, ow], p };
}

/** Maximum over each window; backward routes each gradient to its window's first maximum (as PyTorch). */
export function maxPool2d(x: Tensor, options: MaxPool2dOptions): Tensor {
  const { geometry, shape } = windowGeometry(
    'maxPool2d',
    x,
    options.kernel,
    options.stride,
    options.padding ?? 0,
    options.dilation ?? 1,
    options.ceilMode ?? false,
  );
  const size = shape.reduce((a, b) => a * b, 1);
  const out = allocF32(size);
  const argmax = new Int32Array(size);
  getBackend().maxPool2d(x.f32(), geometry, out, argmax);
  return Tensor.fromOp(out, shape, 'maxPool2d', [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().maxPool2dGrad(g.f32(), argmax, geometry, dx);
    return [new Tensor(dx, x.shape)];
  });
}

/** Mean over each window, divisor per PyTorch's count_include_pad rule. */
export function avgPool2d(x: Tensor, options: AvgPool2dOptions): Tensor {
  const { geometry, shape } = windowGeometry('avgPool2d', x, options.kernel, options.stride, options.padding ?? 0, 1, options.ceilMode ?? false);
  const includePad = options.countIncludePad ?? true;
  const out = allocF32(shape.reduce((a, b) => a * b, 1));
  getBackend().avgPool2d(x.f32(), geometry, includePad, out);
  return Tensor.fromOp(out, shape, 'avgPool2d', [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().avgPool2dGrad(g.f32(), geometry, includePad, dx);
    return [new Tensor(dx, x.shape)];
  });
}

/**
 * Mean over OH x OW windows that tile the plane: output row i averages input rows floor(i H / OH) to
 * ceil((i + 1) H / OH) - 1 (columns likewise), as torch.nn.functional.adaptive_avg_pool2d.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  const p = planesOf('adaptiveAvgPool2d', x);
  const [oh, ow] = pair('adaptiveAvgPool2d', 'output size', outputSize, 1);
  if (p.height < 1 || p.width < 1) throw new Error(`adaptiveAvgPool2d: input ${formatShape(x.shape)} has an empty plane`);
  const out = allocF32(p.planes * oh * ow);
  getBackend().adaptiveAvgPool2d(x.f32(), p.planes, p.height, p.width, oh, ow, out);
  return Tensor.fromOp(out, [...p.lead, oh, ow], 'adaptiveAvgPool2d', [x], (g) => {
    const dx = allocF32(x.size);
    getBackend().adaptiveAvgPool2dGrad(g.f32(), p.planes, p.height, p.width, oh, ow, dx);
    return [new Tensor(dx, x.shape)];
  });
}
