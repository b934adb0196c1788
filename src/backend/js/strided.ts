// Walks a multi-index over a shape with per-operand strides, one contiguous-output row at a time.
import type { I32 } from '../backend.js';

/** A shape with its operands' strides after merging axes that can be walked as one. */
export interface CoalescedLoop {
  readonly shape: number[];
  /** strides[operand][axis]. */
  readonly strides: number[][];
  readonly total: number;
}

/**
 * Drops size-1 axes and merges neighbouring axes where every operand steps through them as one
 * (stride[d] == stride[d + 1] * shape[d + 1]); a fully contiguous operation becomes a single row.
 */
export function coalesce(shape: I32, operandStrides: readonly I32[]): CoalescedLoop {
  const outShape: number[] = [];
  const outStrides: number[][] = operandStrides.map(() => []);
  let total = 1;
  for (let d = 0; d < shape.length; d++) total *= shape[d];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d];
    if (size === 1) continue;
    const last = outShape.length - 1;
    let mergeable = last >= 0;
    for (let o = 0; o < operandStrides.length && mergeable; o++) {
      if (operandStrides[o][d] !== outStrides[o][last]! * outShape[last]!) mergeable = false;
    }
    if (mergeable) {
      outShape[last] = outShape[last]! * size;
    } else {
      outShape.push(size);
      for (let o = 0; o < operandStrides.length; o++) outStrides[o]!.push(operandStrides[o][d]);
    }
  }
  // Built innermost first; flip to C order.
  outShape.reverse();
  for (const s of outStrides) s.reverse();
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides, total };
}

/**
 * Calls row(outStart, offsets, count, innerStrides) for every run along the innermost axis of the loop,
 * where offsets[o] is operand o's element offset at the start of the run (plus its base offset).
 */
export function forEachRow(
  loop: CoalescedLoop,
  baseOffsets: readonly number[],
  row: (outStart: number, offsets: Int32Array | Float64Array, count: number) => void,
): void {
  if (loop.total === 0) return;
  const rank = loop.shape.length;
  const inner = loop.shape[rank - 1]!;
  const operands = loop.strides.length;
  const offsets = new Float64Array(operands);
  for (let o = 0; o < operands; o++) offsets[o] = baseOffsets[o]!;
  const index = new Int32Array(rank);
  for (let outStart = 0; outStart < loop.total; outStart += inner) {
    row(outStart, offsets, inner);
    for (let d = rank - 2; d >= 0; d--) {
      const size = loop.shape[d]!;
      index[d]++;
      for (let o = 0; o < operands; o++) offsets[o] += loop.strides[o]![d]!;
      if (index[d] < size) break;
      index[d] = 0;
      for (let o = 0; o < operands; o++) offsets[o] -= loop.strides[o]![d]! * size;
    }
  }
}
