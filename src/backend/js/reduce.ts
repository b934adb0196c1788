// Reference reductions: sum / max over the middle axis of [outer, size, inner], and a float64 sum of squares.
import { Reduce, type F32, type I32 } from '../backend.js';

/** See Backend.reduce. Sums accumulate in float64; Max takes the first maximum, and a NaN wins over numbers. */
export function reduce(op: Reduce, x: F32, outer: number, size: number, inner: number, out: F32, argmax: I32 | null): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = o * size * inner;
    const outBase = o * inner;
    if (op === Reduce.Sum) {
      acc.fill(0);
      for (let s = 0; s < size; s++) {
        const row = base + s * inner;
        for (let i = 0; i < inner; i++) acc[i] += x[row + i];
      }
      for (let i = 0; i < inner; i++) out[outBase + i] = acc[i];
    } else if (op === Reduce.Max) {
      for (let i = 0; i < inner; i++) {
        let best = size > 0 ? x[base + i] : -Infinity;
        let bestAt = 0;
        for (let s = 1; s < size; s++) {
          const v = x[base + s * inner + i];
          // biome-ignore lint/suspicious/noSelfCompare: v !== v is the NaN test (the first NaN wins, as PyTorch's max), kept inline in this loop.
          if (v > best || (v !== v && best === best)) {
            best = v;
            bestAt = s;
          }
        }
        out[outBase + i] = best;
        if (argmax) argmax[outBase + i] = bestAt;
      }
    } else {
      throw new RangeError(`reduce: unknown op ${String(op)}`);
    }
  }
}

/** See Backend.sumSquares. */
export function sumSquares(arrays: readonly F32[]): number {
  let total = 0;
  for (const array of arrays) {
    for (let i = 0; i < array.length; i++) total += array[i] * array[i];
  }
  return total;
}
