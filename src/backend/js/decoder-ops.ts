// Reference kernels of decoder-only language models: RMS norm, rotary position embedding and SwiGLU, with gradients.
import type { F32, I32 } from '../backend.js';
import { checkLength } from './check-length.js';

/** See Backend.rmsNorm. The mean square is taken in float64. */
export function rmsNorm(x: F32, weight: F32, rows: number, cols: number, eps: number, out: F32, rstd: F32): void {
  for (const [what, array, need] of [
    ['x', x, rows * cols],
    ['weight', weight, cols],
    ['out', out, rows * cols],
    ['rstd', rstd, rows],
  ] as const)
    checkLength('rmsNorm', what, array, need);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let squares = 0;
    for (let c = 0; c < cols; c++) squares += x[base + c]! * x[base + c]!;
    const rs = Math.fround(1 / Math.sqrt(squares / cols + eps));
    for (let c = 0; c < cols; c++) out[base + c] = Math.fround(x[base + c]! * rs) * weight[c]!;
    rstd[r] = rs;
  }
}

/** See Backend.rmsNormGrad. */
export function rmsNormGrad(x: F32, weight: F32, rstd: F32, dy: F32, rows: number, cols: number, dx: F32, dweight: F32): void {
  for (const [what, array, need] of [
    ['x', x, rows * cols],
    ['weight', weight, cols],
    ['rstd', rstd, rows],
    ['dy', dy, rows * cols],
    ['dx', dx, rows * cols],
    ['dweight', dweight, cols],
  ] as const) {
    checkLength('rmsNormGrad', what, array, need);
  }
  const sums = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const rs = rstd[r]!;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[base + c]! * weight[c]! * x[base + c]!;
    const k = (rs * rs * rs * dot) / cols;
    for (let c = 0; c < cols; c++) {
      const xv = x[base + c]!;
      const d = dy[base + c]!;
      sums[c] += d * xv * rs;
      dx[base + c] = rs * d * weight[c]! - xv * k;
    }
  }
  for (let c = 0; c < cols; c++) dweight[c] = sums[c]!;
}

/** See Backend.rotary. */
export function rotary(
  x: F32,
  cos: F32,
  sin: F32,
  tablePositions: number,
  rotaryDim: number,
  positions: I32,
  sharedPositions: boolean,
  batch: number,
  tokens: number,
  heads: number,
  headDim: number,
  inverse: boolean,
  out: F32,
): number {
  if (!(rotaryDim % 2 === 0 && rotaryDim >= 0 && rotaryDim <= headDim)) {
    throw new RangeError(`rotary: rotaryDim ${rotaryDim} must be even and at most headDim ${headDim}`);
  }
  const half = rotaryDim / 2;
  const rows = batch * tokens;
  for (const [what, array, need] of [
    ['x', x, rows * heads * headDim],
    ['out', out, rows * heads * headDim],
    ['cos', cos, tablePositions * half],
    ['sin', sin, tablePositions * half],
    ['positions', positions, sharedPositions ? tokens : rows],
  ] as const)
    checkLength('rotary', what, array, need);
  const count = sharedPositions ? tokens : rows;
  for (let i = 0; i < count; i++) {
    const p = positions[i]!;
    if (!(p >= 0 && p < tablePositions)) return i;
  }
  const sign = inverse ? -1 : 1;
  for (let row = 0; row < rows; row++) {
    const table = positions[sharedPositions ? row % tokens : row]! * half;
    for (let h = 0; h < heads; h++) {
      const at = (row * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = cos[table + i]!;
        const s = sign * sin[table + i]!;
        const a = x[at + i]!;
        const b = x[at + half + i]!;
        out[at + i] = a * c - b * s;
        out[at + half + i] = b * c + a * s;
      }
      if (out !== x) for (let i = rotaryDim; i < headDim; i++) out[at + i] = x[at + i]!;
    }
  }
  return -1;
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** See Backend.swiglu. */
export function swiglu(gate: F32, up: F32 | null, out: F32): void {
  const n = gate.length;
  if (up) checkLength('swiglu', 'up', up, n);
  checkLength('swiglu', 'out', out, n);
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const silu = g * sigmoid(g);
    out[i] = up ? silu * up[i]! : silu;
  }
}

/** See Backend.swigluGrad: silu'(g) = s (1 + g (1 - s)) with s = sigmoid(g). */
export function swigluGrad(gate: F32, up: F32 | null, dy: F32, dgate: F32, dup: F32 | null): void {
  const n = gate.length;
  if ((up === null) !== (dup === null)) throw new RangeError('swigluGrad: up and dup must both be given or both be null');
  for (const [what, array] of [
    ['up', up ?? gate],
    ['dy', dy],
    ['dgate', dgate],
    ['dup', dup ?? gate],
  ] as const) {
    checkLength('swigluGrad', what, array, n);
  }
  for (let i = 0; i < n; i++) {
    const g = gate[i]!;
    const s = sigmoid(g);
    const d = dy[i]!;
    const u = up ? up[i]! : 1;
    if (dup) dup[i] = d * g * s;
    dgate[i] = d * u * s * (1 + g * (1 - s));
  }
}
