// Resampling 8-bit images as PIL's resize does (separable filters widened when shrinking, an optional source box), into floats.
import type { PixelImage } from './types.js';

/** The resize filters transformers' image processors use (PIL's resample 2 and 3). */
export type ResampleFilter = 'bilinear' | 'bicubic';

/** A region of the source image in pixels (fractions allowed, as PIL's `box`). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

const SUPPORT: Readonly<Record<ResampleFilter, number>> = { bilinear: 1, bicubic: 2 };

function kernel(filter: ResampleFilter, x: number): number {
  const t = Math.abs(x);
  if (filter === 'bilinear') return t < 1 ? 1 - t : 0;
  // Keys' cubic with a = -0.5, as PIL.
  const a = -0.5;
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** For each output index: the first source index and the normalised weights it reads (PIL's precompute_coeffs). */
interface Taps {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float32Array;
  readonly stride: number;
}

function taps(inSize: number, start: number, length: number, outSize: number, filter: ResampleFilter): Taps {
  const scale = length / outSize;
  // Shrinking widens the filter so every source pixel contributes (antialiasing, as PIL).
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT[filter] * filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * stride);
  for (let i = 0; i < outSize; i++) {
    const center = start + (i + 0.5) * scale;
    const lo = Math.max(0, Math.trunc(center - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(center + support + 0.5));
    let total = 0;
    for (let k = lo; k < hi; k++) {
      const w = kernel(filter, (k - center + 0.5) / filterScale);
      weights[i * stride + k - lo] = w;
      total += w;
    }
    if (total !== 0) for (let k = 0; k < hi - lo; k++) weights[i * stride + k]! /= total;
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { first, count, weights, stride };
}

/**
 * Resamples `box` of `image` to `outWidth` x `outHeight`. Output: float32 [H, W, C] in 0..255
 * (not rounded to 8 bits between the passes, unlike PIL, which differs from it by under one level).
 */
export function resample(image: PixelImage, box: Box, outWidth: number, outHeight: number, filter: ResampleFilter): Float32Array {
  const { width, height, channels, data } = image;
  const tx = taps(width, box.x, box.width, outWidth, filter);
  const ty = taps(height, box.y, box.height, outHeight, filter);
  // Rows the vertical pass reads: only those, resampled horizontally first.
  const rowLo = ty.first[0]!;
  const rowHi = ty.first[outHeight - 1]! + ty.count[outHeight - 1]!;
  const mid = new Float32Array((rowHi - rowLo) * outWidth * channels);
  for (let y = rowLo; y < rowHi; y++) {
    const src = y * width * channels;
    const dst = (y - rowLo) * outWidth * channels;
    for (let x = 0; x < outWidth; x++) {
      const lo = tx.first[x]!;
      const n = tx.count[x]!;
      const w0 = x * tx.stride;
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += tx.weights[w0 + k]! * data[src + (lo + k) * channels + c]!;
        mid[dst + x * channels + c] = sum;
      }
    }
  }
  const out = new Float32Array(outHeight * outWidth * channels);
  const rowLength = outWidth * channels;
  for (let y = 0; y < outHeight; y++) {
    const lo = ty.first[y]! - rowLo;
    const n = ty.count[y]!;
    const w0 = y * ty.stride;
    const dst = y * rowLength;
    for (let k = 0; k < n; k++) {
      const w = ty.weights[w0 + k]!;
      const src = (lo + k) * rowLength;
      for (let i = 0; i < rowLength; i++) out[dst + i]! += w * mid[src + i]!;
    }
  }
  return out;
}
