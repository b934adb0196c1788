// Reference 2-D convolution kernels (direct loops over the window), the oracle for the native im2col + GEMM ones.
import type { F32, I32 } from '../backend.js';
import { ConvGeometry as G } from '../vision-kernels.js';
import { checkLength } from './check-length.js';

/** The geometry as named numbers, with the derived per-group channel counts. */
function unpack(g: I32) {
  const groups = g[G.Groups]!;
  return {
    n: g[G.N]!,
    c: g[G.C]!,
    h: g[G.H]!,
    w: g[G.W]!,
    o: g[G.O]!,
    oh: g[G.OH]!,
    ow: g[G.OW]!,
    kh: g[G.KH]!,
    kw: g[G.KW]!,
    sh: g[G.SH]!,
    sw: g[G.SW]!,
    ph: g[G.PH]!,
    pw: g[G.PW]!,
    dh: g[G.DH]!,
    dw: g[G.DW]!,
    groups,
    cg: g[G.C]! / groups,
    og: g[G.O]! / groups,
  };
}

function checkGeometry(name: string, g: I32): void {
  if (g.length !== G.Length) throw new RangeError(`${name}: geometry has ${g.length} entries, expected ${G.Length}`);
  const groups = g[G.Groups]!;
  if (!(groups >= 1) || g[G.C]! % groups !== 0 || g[G.O]! % groups !== 0) {
    throw new RangeError(`${name}: ${groups} groups do not divide ${g[G.C]} input and ${g[G.O]} output channels`);
  }
}

/** Visits every (output row, input row) pair that kernel row `a` connects, and likewise for columns. */
function validRange(outSize: number, inSize: number, stride: number, pad: number, offset: number): [number, number] {
  // Output positions i with 0 <= i * stride - pad + offset < inSize.
  let lo = Math.ceil((pad - offset) / stride);
  let hi = Math.ceil((inSize + pad - offset) / stride);
  if (lo < 0) lo = 0;
  if (hi > outSize) hi = outSize;
  return [lo, Math.max(lo, hi)];
}

export function conv2d(x: F32, weight: F32, bias: F32 | null, geometry: I32, out: F32): void {
  checkGeometry('conv2d', geometry);
  const q = unpack(geometry);
  checkLength('conv2d', 'x', x, q.n * q.c * q.h * q.w);
  checkLength('conv2d', 'weight', weight, q.o * q.cg * q.kh * q.kw);
  checkLength('conv2d', 'out', out, q.n * q.o * q.oh * q.ow);
  if (bias) checkLength('conv2d', 'bias', bias, q.o);
  const plane = q.oh * q.ow;
  const acc = new Float64Array(plane);
  for (let n = 0; n < q.n; n++) {
    for (let k = 0; k < q.o; k++) {
      acc.fill(bias ? bias[k]! : 0);
      const group = Math.floor(k / q.og);
      for (let ci = 0; ci < q.cg; ci++) {
        const xBase = (n * q.c + group * q.cg + ci) * q.h * q.w;
        for (let a = 0; a < q.kh; a++) {
          const [i0, i1] = validRange(q.oh, q.h, q.sh, q.ph, a * q.dh);
          for (let b = 0; b < q.kw; b++) {
            const wv = weight[((k * q.cg + ci) * q.kh + a) * q.kw + b]!;
            const [j0, j1] = validRange(q.ow, q.w, q.sw, q.pw, b * q.dw);
            for (let i = i0; i < i1; i++) {
              const row = xBase + (i * q.sh - q.ph + a * q.dh) * q.w - q.pw + b * q.dw;
              for (let j = j0; j < j1; j++) acc[i * q.ow + j] += wv * x[row + j * q.sw]!;
            }
          }
        }
      }
      out.set(acc, (n * q.o + k) * plane);
    }
  }
}

export function conv2dGradInput(dy: F32, weight: F32, geometry: I32, dx: F32): void {
  checkGeometry('conv2dGradInput', geometry);
  const q = unpack(geometry);
  checkLength('conv2dGradInput', 'dy', dy, q.n * q.o * q.oh * q.ow);
  checkLength('conv2dGradInput', 'weight', weight, q.o * q.cg * q.kh * q.kw);
  checkLength('conv2dGradInput', 'dx', dx, q.n * q.c * q.h * q.w);
  const acc = new Float64Array(q.n * q.c * q.h * q.w);
  for (let n = 0; n < q.n; n++) {
    for (let k = 0; k < q.o; k++) {
      const group = Math.floor(k / q.og);
      const dyBase = (n * q.o + k) * q.oh * q.ow;
      for (let ci = 0; ci < q.cg; ci++) {
        const xBase = (n * q.c + group * q.cg + ci) * q.h * q.w;
        for (let a = 0; a < q.kh; a++) {
          const [i0, i1] = validRange(q.oh, q.h, q.sh, q.ph, a * q.dh);
          for (let b = 0; b < q.kw; b++) {
            const wv = weight[((k * q.cg + ci) * q.kh + a) * q.kw + b]!;
            const [j0, j1] = validRange(q.ow, q.w, q.sw, q.pw, b * q.dw);
            for (let i = i0; i < i1; i++) {
              const row = xBase + (i * q.sh - q.ph + a * q.dh) * q.w - q.pw + b * q.dw;
              for (let j = j0; j < j1; j++) acc[row + j * q.sw] += wv * dy[dyBase + i * q.ow + j]!;
            }
          }
        }
      }
    }
  }
  for (let i = 0; i < acc.length; i++) dx[i] = acc[i]!;
}

export function conv2dGradWeight(x: F32, dy: F32, geometry: I32, dweight: F32, dbias: F32 | null): void {
  checkGeometry('conv2dGradWeight', geometry);
  const q = unpack(geometry);
  checkLength('conv2dGradWeight', 'x', x, q.n * q.c * q.h * q.w);
  checkLength('conv2dGradWeight', 'dy', dy, q.n * q.o * q.oh * q.ow);
  checkLength('conv2dGradWeight', 'dweight', dweight, q.o * q.cg * q.kh * q.kw);
  if (dbias) checkLength('conv2dGradWeight', 'dbias', dbias, q.o);
  const plane = q.oh * q.ow;
  for (let k = 0; k < q.o; k++) {
    const group = Math.floor(k / q.og);
    if (dbias) {
      let s = 0;
      for (let n = 0; n < q.n; n++) for (let p = 0; p < plane; p++) s += dy[(n * q.o + k) * plane + p]!;
      dbias[k] = s;
    }
    for (let ci = 0; ci < q.cg; ci++) {
      for (let a = 0; a < q.kh; a++) {
        const [i0, i1] = validRange(q.oh, q.h, q.sh, q.ph, a * q.dh);
        for (let b = 0; b < q.kw; b++) {
          const [j0, j1] = validRange(q.ow, q.w, q.sw, q.pw, b * q.dw);
          let s = 0;
          for (let n = 0; n < q.n; n++) {
            const xBase = (n * q.c + group * q.cg + ci) * q.h * q.w;
            const dyBase = (n * q.o + k) * plane;
            for (let i = i0; i < i1; i++) {
              const row = xBase + (i * q.sh - q.ph + a * q.dh) * q.w - q.pw + b * q.dw;
              for (let j = j0; j < j1; j++) s += dy[dyBase + i * q.ow + j]! * x[row + j * q.sw]!;
            }
          }
          dweight[((k * q.cg + ci) * q.kh + a) * q.kw + b] = s;
        }
      }
    }
  }
}
