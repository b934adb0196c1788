// Float64 reference implementations of tensor ops: the ground truth for forward values and finite differences.

/** A float64 array with a shape. */
export interface Arr {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function arr(shape: readonly number[], data: ArrayLike<number>): Arr {
  return { shape: [...shape], data: Float64Array.from(data) };
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/** Visits every multi-index of `shape` in C order with its linear position. */
function forEachIndex(shape: readonly number[], fn: (idx: number[], linear: number) => void): void {
  const n = size(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let linear = 0; linear < n; linear++) {
    fn(idx, linear);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
}

/** Reads `a` at a multi-index of a broadcast shape. */
function readBroadcast(a: Arr, idx: readonly number[], s: readonly number[] = strides(a.shape)): number {
  const lead = idx.length - a.shape.length;
  let off = 0;
  for (let i = 0; i < a.shape.length; i++) off += (a.shape[i] === 1 ? 0 : idx[i + lead]!) * s[i]!;
  return a.data[off]!;
}

export function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    return da === 1 ? db : da;
  });
}

export function map(a: Arr, f: (x: number) => number): Arr {
  return { shape: a.shape, data: a.data.map(f) };
}

export function zip(a: Arr, b: Arr, f: (x: number, y: number) => number): Arr {
  const shape = broadcastShape(a.shape, b.shape);
  const out = new Float64Array(size(shape));
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  forEachIndex(shape, (idx, i) => (out[i] = f(readBroadcast(a, idx, sa), readBroadcast(b, idx, sb))));
  return { shape, data: out };
}

export function where3(c: Arr, a: Arr, b: Arr): Arr {
  const shape = broadcastShape(broadcastShape(c.shape, a.shape), b.shape);
  const out = new Float64Array(size(shape));
  forEachIndex(shape, (idx, i) => (out[i] = readBroadcast(c, idx) !== 0 ? readBroadcast(a, idx) : readBroadcast(b, idx)));
  return { shape, data: out };
}

/** Reduces the given axes with `f` over the values of each group (keepDims shape if asked). */
export function reduceAxes(a: Arr, axes: readonly number[], f: (values: number[]) => number, keepDims = false): Arr {
  const kept = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  const ks = strides(kept);
  forEachIndex(a.shape, (idx, i) => {
    let key = 0;
    idx.forEach((v, d) => (key += (axes.includes(d) ? 0 : v) * ks[d]!));
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(a.data[i]!);
  });
  const out = new Float64Array(size(kept));
  for (const [key, values] of groups) out[key] = f(values);
  return { shape: keepDims ? kept : a.shape.filter((_, i) => !axes.includes(i)), data: out };
}

export function permute(a: Arr, dims: readonly number[]): Arr {
  const shape = dims.map((d) => a.shape[d]!);
  const s = strides(a.shape);
  const out = new Float64Array(a.data.length);
  forEachIndex(shape, (idx, i) => {
    let off = 0;
    idx.forEach((v, d) => (off += v * s[dims[d]!]!));
    out[i] = a.data[off]!;
  });
  return { shape, data: out };
}

/** Batched matmul over the last two axes with optional transposes; a 2-D operand broadcasts over the batch. */
export function matmul(a: Arr, b: Arr, transA = false, transB = false): Arr {
  const ar = a.shape.length;
  const br = b.shape.length;
  const at = transA
    ? permute(
        a,
        [...a.shape.keys()].map((i) => (i === ar - 2 ? ar - 1 : i === ar - 1 ? ar - 2 : i)),
      )
    : a;
  const bt = transB
    ? permute(
        b,
        [...b.shape.keys()].map((i) => (i === br - 2 ? br - 1 : i === br - 1 ? br - 2 : i)),
      )
    : b;
  const [m, k] = at.shape.slice(-2) as [number, number];
  const n = bt.shape[bt.shape.length - 1]!;
  const batchShape = at.shape.length > 2 ? at.shape.slice(0, -2) : bt.shape.slice(0, -2);
  const batch = size(batchShape);
  const out = new Float64Array(batch * m * n);
  for (let q = 0; q < batch; q++) {
    const ao = at.shape.length > 2 ? q * m * k : 0;
    const bo = bt.shape.length > 2 ? q * k * n : 0;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += at.data[ao + i * k + p]! * bt.data[bo + p * n + j]!;
        out[q * m * n + i * n + j] = s;
      }
    }
  }
  return { shape: [...batchShape, m, n], data: out };
}

/** Applies f to each row of the last axis. */
export function rows(a: Arr, f: (row: Float64Array, r: number) => Float64Array): Arr {
  const cols = a.shape[a.shape.length - 1]!;
  const out = new Float64Array(a.data.length);
  for (let r = 0; r < a.data.length / cols; r++) out.set(f(a.data.subarray(r * cols, (r + 1) * cols), r), r * cols);
  return { shape: a.shape, data: out };
}

export function softmaxRow(row: Float64Array, log: boolean): Float64Array {
  const max = Math.max(...row);
  if (max === -Infinity) return new Float64Array(row.length);
  const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
  return row.map((v) => (log ? v - max - Math.log(sum) : Math.exp(v - max) / sum));
}

export function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for a reference; use the series / continued fraction split.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz) for large |x|.
  let f = ax;
  let c = ax;
  let d = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    d = ax + an * d;
    d = 1 / d;
    c = ax + an / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
}
