// Reference dropout: the mask as a pure function of (seed, element index), bit for bit as native/src/dropout.h.
import type { F32 } from '../backend.js';

/** murmur3's 32-bit finaliser. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** Draws below this (out of 2^24) are dropped: round(p * 2^24). */
export function dropoutThreshold(p: number): number {
  return Math.floor(p * 16777216 + 0.5);
}

/** Whether element `index` survives dropout under `seed` (see Backend.dropout). */
export function dropoutKeep(seed: number, index: number, threshold: number): boolean {
  return mix32(Math.imul(index, 0x9e3779b9) + seed) >>> 8 >= threshold;
}

function checkRate(p: number, seed: number): void {
  if (!(p >= 0 && p < 1)) throw new RangeError(`dropout: p ${p} must be in [0, 1)`);
  if (!(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff)) throw new RangeError(`dropout: seed ${seed} is not a 32-bit unsigned integer`);
}

/** See Backend.dropout. Elements of x at flat positions first.. are masked into out. */
export function dropoutRange(x: F32, p: number, seed: number, out: F32, first = 0): void {
  checkRate(p, seed);
  const threshold = dropoutThreshold(p);
  // Rounded to float32 as the native kernel multiplies, so both give identical bits.
  const scale = Math.fround(1 / (1 - p));
  for (let i = 0; i < x.length; i++) out[i] = dropoutKeep(seed, first + i, threshold) ? x[i]! * scale : 0;
}

/** See Backend.dropout. */
export function dropout(x: F32, p: number, seed: number, out: F32): void {
  if (out.length < x.length) throw new RangeError(`dropout: out has ${out.length} elements, x ${x.length}`);
  dropoutRange(x, p, seed, out);
}
