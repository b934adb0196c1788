// Sliding-window arithmetic shared by convolution and pooling: pair arguments, output sizes, argument checks.

/** One number for both spatial axes, or [height, width]. */
export type Pair = number | readonly [number, number];

/** [height, width] from a Pair, checking that both are integers >= min. */
export function pair(op: string, what: string, value: Pair, min: number): [number, number] {
  const [h, w] = typeof value === 'number' ? [value, value] : value;
  if (!Number.isInteger(h) || !Number.isInteger(w) || h! < min || w! < min) {
    throw new Error(`${op}: ${what} ${JSON.stringify(value)} must be an integer >= ${min} or a pair of them`);
  }
  return [h!, w!];
}

/**
 * Output length along one axis (PyTorch's rule): floor or ceil of (size + 2 pad - dilation (kernel - 1) - 1)
 * / stride, plus 1; with ceil, a last window that would start in the right padding is dropped.
 */
export function outputSize(size: number, kernel: number, stride: number, pad: number, dilation: number, ceil: boolean): number {
  const span = size + 2 * pad - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}
