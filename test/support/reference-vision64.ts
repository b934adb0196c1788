// Float64 references for the vision ops (convolution, pooling, batch norm, activations), written from PyTorch's definitions.
import { arr, type Arr } from './reference64.js';

export interface ConvSpec {
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
}

/** Output length as PyTorch computes it, with ceil_mode's rule that a window may not start in the right padding. */
export function outLength(size: number, k: number, s: number, p: number, d: number, ceil = false): number {
  const span = size + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

export function conv2d(x: Arr, w: Arr, b: Arr | null, spec: ConvSpec): Arr {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const [o, cg, kh, kw] = w.shape as [number, number, number, number];
  const oh = outLength(h, kh, spec.stride[0], spec.padding[0], spec.dilation[0]);
  const ow = outLength(wd, kw, spec.stride[1], spec.padding[1], spec.dilation[1]);
  const og = o / spec.groups;
  const out = new Float64Array(n * o * oh * ow);
  for (let bn = 0; bn < n; bn++)
    for (let k = 0; k < o; k++) {
      const g = Math.floor(k / og);
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let s = b ? b.data[k]! : 0;
          for (let ci = 0; ci < cg; ci++)
            for (let a = 0; a < kh; a++)
              for (let e = 0; e < kw; e++) {
                const r = i * spec.stride[0] - spec.padding[0] + a * spec.dilation[0];
                const q = j * spec.stride[1] - spec.padding[1] + e * spec.dilation[1];
                if (r < 0 || r >= h || q < 0 || q >= wd) continue;
                s += x.data[((bn * c + g * cg + ci) * h + r) * wd + q]! * w.data[((k * cg + ci) * kh + a) * kw + e]!;
              }
          out[((bn * o + k) * oh + i) * ow + j] = s;
        }
    }
  return arr([n, o, oh, ow], out);
}

export interface PoolSpec {
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly ceil: boolean;
}

function planes(x: Arr): { p: number; h: number; w: number; lead: number[] } {
  const lead = x.shape.slice(0, -2);
  const [h, w] = x.shape.slice(-2) as [number, number];
  return { p: lead.reduce((a, b) => a * b, 1), h, w, lead };
}

export function maxPool2d(x: Arr, s: PoolSpec): Arr {
  const { p, h, w, lead } = planes(x);
  const oh = outLength(h, s.kernel[0], s.stride[0], s.padding[0], s.dilation[0], s.ceil);
  const ow = outLength(w, s.kernel[1], s.stride[1], s.padding[1], s.dilation[1], s.ceil);
  const out = new Float64Array(p * oh * ow);
  for (let pl = 0; pl < p; pl++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        let m = -Infinity;
        for (let a = 0; a < s.kernel[0]; a++)
          for (let e = 0; e < s.kernel[1]; e++) {
            const r = i * s.stride[0] - s.padding[0] + a * s.dilation[0];
            const q = j * s.stride[1] - s.padding[1] + e * s.dilation[1];
            if (r >= 0 && r < h && q >= 0 && q < w) m = Math.max(m, x.data[(pl * h + r) * w + q]!);
          }
        out[(pl * oh + i) * ow + j] = m;
      }
  return arr([...lead, oh, ow], out);
}

export function avgPool2d(x: Arr, s: PoolSpec, countIncludePad: boolean): Arr {
  const { p, h, w, lead } = planes(x);
  const oh = outLength(h, s.kernel[0], s.stride[0], s.padding[0], 1, s.ceil);
  const ow = outLength(w, s.kernel[1], s.stride[1], s.padding[1], 1, s.ceil);
  const out = new Float64Array(p * oh * ow);
  for (let pl = 0; pl < p; pl++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const r0 = i * s.stride[0] - s.padding[0];
        const q0 = j * s.stride[1] - s.padding[1];
        const r1 = Math.min(r0 + s.kernel[0], h + s.padding[0]);
        const q1 = Math.min(q0 + s.kernel[1], w + s.padding[1]);
        let sum = 0;
        let inside = 0;
        for (let r = r0; r < r1; r++)
          for (let q = q0; q < q1; q++) {
            if (r >= 0 && r < h && q >= 0 && q < w) {
              sum += x.data[(pl * h + r) * w + q]!;
              inside++;
            }
          }
        out[(pl * oh + i) * ow + j] = sum / (countIncludePad ? (r1 - r0) * (q1 - q0) : inside);
      }
  return arr([...lead, oh, ow], out);
}

export function adaptiveAvgPool2d(x: Arr, oh: number, ow: number): Arr {
  const { p, h, w, lead } = planes(x);
  const out = new Float64Array(p * oh * ow);
  for (let pl = 0; pl < p; pl++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) {
        const r0 = Math.floor((i * h) / oh),
          r1 = Math.ceil(((i + 1) * h) / oh);
        const q0 = Math.floor((j * w) / ow),
          q1 = Math.ceil(((j + 1) * w) / ow);
        let sum = 0;
        for (let r = r0; r < r1; r++) for (let q = q0; q < q1; q++) sum += x.data[(pl * h + r) * w + q]!;
        out[(pl * oh + i) * ow + j] = sum / ((r1 - r0) * (q1 - q0));
      }
  return arr([...lead, oh, ow], out);
}

/**
 * Batch norm of x [N, C, H, W]: with `stats` null the batch mean and biased variance, else the given
 * [mean, variance] per channel; weight and bias may be null.
 */
export function batchNorm2d(x: Arr, weight: Arr | null, bias: Arr | null, stats: [Arr, Arr] | null, eps: number): Arr {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const s = h * w;
  const out = new Float64Array(x.data.length);
  for (let ch = 0; ch < c; ch++) {
    let mean: number;
    let variance: number;
    if (stats) {
      mean = stats[0].data[ch]!;
      variance = stats[1].data[ch]!;
    } else {
      let sum = 0;
      for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) sum += x.data[(b * c + ch) * s + i]!;
      mean = sum / (n * s);
      let sq = 0;
      for (let b = 0; b < n; b++) for (let i = 0; i < s; i++) sq += (x.data[(b * c + ch) * s + i]! - mean) ** 2;
      variance = sq / (n * s);
    }
    const rstd = 1 / Math.sqrt(variance + eps);
    for (let b = 0; b < n; b++)
      for (let i = 0; i < s; i++) {
        const k = (b * c + ch) * s + i;
        out[k] = (x.data[k]! - mean) * rstd * (weight ? weight.data[ch]! : 1) + (bias ? bias.data[ch]! : 0);
      }
  }
  return arr(x.shape, out);
}
