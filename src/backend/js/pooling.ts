// Reference pooling kernels over [P, H, W] planes: max (with argmax for backward), average and adaptive average.
import type { F32, I32 } from '../backend.js';
import { PoolGeometry as G } from '../vision-kernels.js';
import { checkLength } from './check-length.js';

function unpack(name: string, g: I32) {
  if (g.length !== G.Length) throw new RangeError(`${name}: geometry has ${g.length} entries, expected ${G.Length}`);
  return {
    p: g[G.P]!,
    h: g[G.H]!,
    w: g[G.W]!,
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
  };
}

export function maxPool2d(x: F32, geometry: I32, out: F32, argmax: I32): void {
  const q = unpack('maxPool2d', geometry);
  checkLength('maxPool2d', 'x', x, q.p * q.h * q.w);
  checkLength('maxPool2d', 'out', out, q.p * q.oh * q.ow);
  checkLength('maxPool2d', 'argmax', argmax, q.p * q.oh * q.ow);
  for (let p = 0; p < q.p; p++) {
    const base = p * q.h * q.w;
    for (let i = 0; i < q.oh; i++) {
      for (let j = 0; j < q.ow; j++) {
        let best = -Infinity;
        let at = -1;
        for (let a = 0; a < q.kh; a++) {
          const r = i * q.sh - q.ph + a * q.dh;
          if (r < 0 || r >= q.h) continue;
          for (let b = 0; b < q.kw; b++) {
            const c = j * q.sw - q.pw + b * q.dw;
            if (c < 0 || c >= q.w) continue;
            const v = x[base + r * q.w + c]!;
            // As PyTorch: a NaN always takes over (so the last NaN wins), a tie never does.
            if (v > best || Number.isNaN(v) || at < 0) {
              best = v;
              at = r * q.w + c;
            }
          }
        }
        const o = (p * q.oh + i) * q.ow + j;
        out[o] = best;
        argmax[o] = at;
      }
    }
  }
}

export function maxPool2dGrad(dy: F32, argmax: I32, geometry: I32, dx: F32): void {
  const q = unpack('maxPool2dGrad', geometry);
  checkLength('maxPool2dGrad', 'dy', dy, q.p * q.oh * q.ow);
  checkLength('maxPool2dGrad', 'argmax', argmax, q.p * q.oh * q.ow);
  checkLength('maxPool2dGrad', 'dx', dx, q.p * q.h * q.w);
  dx.fill(0, 0, q.p * q.h * q.w);
  for (let p = 0; p < q.p; p++) {
    for (let o = 0; o < q.oh * q.ow; o++) {
      const at = argmax[p * q.oh * q.ow + o]!;
      if (at >= 0 && at < q.h * q.w) dx[p * q.h * q.w + at] += dy[p * q.oh * q.ow + o]!;
    }
  }
}

/** PyTorch's avg-pool window: clipped to the padded plane for the divisor, then to the plane for the sum. */
function window(o: number, stride: number, pad: number, kernel: number, size: number): [number, number, number] {
  const start = o * stride - pad;
  const end = Math.min(start + kernel, size + pad);
  const padded = end - start;
  return [Math.max(start, 0), Math.min(end, size), padded];
}

function checkAvg(name: string, q: ReturnType<typeof unpack>): void {
  if (q.dh !== 1 || q.dw !== 1) throw new RangeError(`${name}: dilation must be 1`);
}

export function avgPool2d(x: F32, geometry: I32, countIncludePad: boolean, out: F32): void {
  const q = unpack('avgPool2d', geometry);
  checkAvg('avgPool2d', q);
  checkLength('avgPool2d', 'x', x, q.p * q.h * q.w);
  checkLength('avgPool2d', 'out', out, q.p * q.oh * q.ow);
  for (let p = 0; p < q.p; p++) {
    for (let i = 0; i < q.oh; i++) {
      const [r0, r1, rp] = window(i, q.sh, q.ph, q.kh, q.h);
      for (let j = 0; j < q.ow; j++) {
        const [c0, c1, cp] = window(j, q.sw, q.pw, q.kw, q.w);
        let s = 0;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x[(p * q.h + r) * q.w + c]!;
        const divisor = countIncludePad ? rp * cp : (r1 - r0) * (c1 - c0);
        out[(p * q.oh + i) * q.ow + j] = s / divisor;
      }
    }
  }
}

export function avgPool2dGrad(dy: F32, geometry: I32, countIncludePad: boolean, dx: F32): void {
  const q = unpack('avgPool2dGrad', geometry);
  checkAvg('avgPool2dGrad', q);
  checkLength('avgPool2dGrad', 'dy', dy, q.p * q.oh * q.ow);
  checkLength('avgPool2dGrad', 'dx', dx, q.p * q.h * q.w);
  dx.fill(0, 0, q.p * q.h * q.w);
  for (let p = 0; p < q.p; p++) {
    for (let i = 0; i < q.oh; i++) {
      const [r0, r1, rp] = window(i, q.sh, q.ph, q.kh, q.h);
      for (let j = 0; j < q.ow; j++) {
        const [c0, c1, cp] = window(j, q.sw, q.pw, q.kw, q.w);
        const divisor = countIncludePad ? rp * cp : (r1 - r0) * (c1 - c0);
        const g = dy[(p * q.oh + i) * q.ow + j]! / divisor;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dx[(p * q.h + r) * q.w + c] += g;
      }
    }
  }
}

/** Adaptive window [start, end) of output index o: floor(o * size / outSize) to ceil((o + 1) * size / outSize). */
export function adaptiveWindow(o: number, size: number, outSize: number): [number, number] {
  return [Math.floor((o * size) / outSize), Math.ceil(((o + 1) * size) / outSize)];
}

export function adaptiveAvgPool2d(x: F32, planes: number, height: number, width: number, outHeight: number, outWidth: number, out: F32): void {
  checkLength('adaptiveAvgPool2d', 'x', x, planes * height * width);
  checkLength('adaptiveAvgPool2d', 'out', out, planes * outHeight * outWidth);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outHeight; i++) {
      const [r0, r1] = adaptiveWindow(i, height, outHeight);
      for (let j = 0; j < outWidth; j++) {
        const [c0, c1] = adaptiveWindow(j, width, outWidth);
        let s = 0;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x[(p * height + r) * width + c]!;
        out[(p * outHeight + i) * outWidth + j] = s / ((r1 - r0) * (c1 - c0));
      }
    }
  }
}

export function adaptiveAvgPool2dGrad(dy: F32, planes: number, height: number, width: number, outHeight: number, outWidth: number, dx: F32): void {
  checkLength('adaptiveAvgPool2dGrad', 'dy', dy, planes * outHeight * outWidth);
  checkLength('adaptiveAvgPool2dGrad', 'dx', dx, planes * height * width);
  dx.fill(0, 0, planes * height * width);
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < outHeight; i++) {
      const [r0, r1] = adaptiveWindow(i, height, outHeight);
      for (let j = 0; j < outWidth; j++) {
        const [c0, c1] = adaptiveWindow(j, width, outWidth);
        const g = dy[(p * outHeight + i) * outWidth + j]! / ((r1 - r0) * (c1 - c0));
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) dx[(p * height + r) * width + c] += g;
      }
    }
  }
}
