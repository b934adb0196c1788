// Tensor: a shape over a dense float32 or int32 buffer, with its place on the autograd tape and fluent op methods.
import type { Backend } from '../backend/backend.js';
import { getBackend } from '../backend/index.js';
import { currentProfileScope } from '../backend/profile.js';
import { isGradEnabled, runBackward, type BackwardOptions, type GradNode } from './autograd.js';
import { formatShape, sizeOf, type Shape } from './shape.js';
import { defaultRandom, type Random } from './random.js';
import * as elementwise from './ops/elementwise.js';
import * as reduce from './ops/reduce.js';
import * as layout from './ops/layout.js';
import * as linalg from './ops/matmul.js';
import * as activations from './ops/activations.js';

export type DType = 'float32' | 'int32';
export type TensorData = Float32Array | Int32Array;

export interface TensorOptions {
  /** Record operations on this tensor for backward (default false). */
  readonly requiresGrad?: boolean;
  /** Data type when built from numbers (default float32). */
  readonly dtype?: DType;
}

export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly #data: TensorData;
  /** Whether gradients flow to this tensor; freezing a parameter sets it to false. */
  requiresGrad: boolean;
  /** Accumulated gradient (same shape), or null before the first backward or after zeroGrad. */
  grad: Tensor | null = null;
  /** The op that made this tensor, or null for leaves and tensors made without gradient tracking. */
  gradFn: GradNode | null = null;

  constructor(data: TensorData, shape: Shape, options: TensorOptions = {}) {
    if (sizeOf(shape) !== data.length) {
      throw new Error(`Tensor: ${data.length} elements do not fill shape ${formatShape(shape)}`);
    }
    this.#data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = data instanceof Int32Array ? 'int32' : 'float32';
    this.requiresGrad = options.requiresGrad ?? false;
    if (this.requiresGrad && this.dtype !== 'float32') throw new Error('Tensor: only float32 tensors can require gradients');
  }

  // ---- construction ----

  /** A tensor from a flat or nested array of numbers; `shape` is inferred from nesting when omitted. */
  static from(values: NestedNumbers, shape?: Shape, options: TensorOptions = {}): Tensor {
    const flat: number[] = [];
    const inferred = flatten(values, flat);
    const data = options.dtype === 'int32' ? Int32Array.from(flat) : Float32Array.from(flat);
    return new Tensor(data, shape ?? inferred, options);
  }

  static zeros(shape: Shape, options: TensorOptions = {}): Tensor {
    const n = sizeOf(shape);
    return new Tensor(options.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n), shape, options);
  }

  static full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
    const t = Tensor.zeros(shape, options);
    t.data.fill(value);
    return t;
  }

  static ones(shape: Shape, options: TensorOptions = {}): Tensor {
    return Tensor.full(shape, 1, options);
  }

  static scalar(value: number, options: TensorOptions = {}): Tensor {
    return Tensor.full([], value, options);
  }

  /** Normal(mean, std) samples from `rng` (default: the global seeded generator). */
  static randn(shape: Shape, options: TensorOptions & { std?: number; mean?: number; rng?: Random } = {}): Tensor {
    const rng = options.rng ?? defaultRandom();
    const t = Tensor.zeros(shape, { requiresGrad: options.requiresGrad ?? false });
    const std = options.std ?? 1;
    const mean = options.mean ?? 0;
    for (let i = 0; i < t.data.length; i++) t.data[i] = mean + std * rng.normal();
    return t;
  }

  /** Uniform samples in [low, high). */
  static uniform(shape: Shape, low: number, high: number, options: TensorOptions & { rng?: Random } = {}): Tensor {
    const rng = options.rng ?? defaultRandom();
    const t = Tensor.zeros(shape, { requiresGrad: options.requiresGrad ?? false });
    for (let i = 0; i < t.data.length; i++) t.data[i] = low + (high - low) * rng.uniform();
    return t;
  }

  /** [0, 1, ..., n-1] as int32 (or float32 with options.dtype). */
  static arange(n: number, options: TensorOptions = {}): Tensor {
    const t = Tensor.zeros([n], { dtype: options.dtype ?? 'int32' });
    for (let i = 0; i < n; i++) t.data[i] = i;
    return t;
  }

  /**
   * The result of an op: attaches a gradient node when recording is on and an input needs a gradient.
   * `backward` maps the output's gradient to one gradient (or null) per input. `saved` lists buffers
   * that only the backward reads (recycled once it has run, inside recycleBuffers).
   */
  static fromOp(
    data: TensorData,
    shape: Shape,
    op: string,
    inputs: readonly Tensor[],
    backward: (gradOutput: Tensor) => readonly (Tensor | null)[],
    saved?: Float32Array[],
  ): Tensor {
    const out = new Tensor(data, shape);
    if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) {
      out.requiresGrad = true;
      out.gradFn = { op, inputs, backward, scope: currentProfileScope(), ...(saved ? { saved } : {}) };
    }
    return out;
  }

  // ---- inspection ----

  /**
   * The dense, C-order buffer; views made by reshape share it. Reading it is a host read: ops and
   * backends do, model code must not (see forbidHostReads in ./host-reads.ts).
   */
  get data(): TensorData {
    return this.#data;
  }

  get size(): number {
    return this.#data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The float32 buffer; throws for int32 tensors. */
  f32(): Float32Array {
    if (!(this.#data instanceof Float32Array)) throw new Error(`expected a float32 tensor, got int32 of shape ${formatShape(this.shape)}`);
    return this.#data;
  }

  /** The int32 buffer; throws for float32 tensors. */
  i32(): Int32Array {
    if (!(this.#data instanceof Int32Array)) throw new Error(`expected an int32 tensor, got float32 of shape ${formatShape(this.shape)}`);
    return this.#data;
  }

  /** The backend that runs this tensor's ops (the process-wide current one). */
  backend(): Backend {
    return getBackend();
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.size} elements, not 1`);
    return this.#data[0]!;
  }

  /** A flat copy of the values. */
  toArray(): number[] {
    return Array.from(this.#data);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  /** A copy of the data, detached from the tape. */
  clone(): Tensor {
    return new Tensor(this.#data.slice(), this.shape);
  }

  /** The same data, detached from the tape (no copy). */
  detach(): Tensor {
    return new Tensor(this.#data, this.shape);
  }

  // ---- autograd ----

  /** Back-propagates from this scalar (or from `gradient`, shaped like this tensor). */
  backward(gradient?: Tensor, options: BackwardOptions = {}): void {
    if (!this.requiresGrad) throw new Error('backward: this tensor does not require a gradient (no input requires one, or it was made under noGrad)');
    if (gradient === undefined && this.size !== 1) {
      throw new Error(`backward: a gradient is needed for a non-scalar tensor of shape ${formatShape(this.shape)}`);
    }
    runBackward(this, gradient ?? Tensor.full(this.shape, 1), options);
  }

  zeroGrad(): void {
    this.grad = null;
  }

  // ---- fluent ops (see ./ops for their definitions and gradients) ----

  add(other: Tensor | number): Tensor {
    return elementwise.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return elementwise.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return elementwise.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return elementwise.div(this, other);
  }
  neg(): Tensor {
    return elementwise.neg(this);
  }
  exp(): Tensor {
    return elementwise.exp(this);
  }
  log(): Tensor {
    return elementwise.log(this);
  }
  sqrt(): Tensor {
    return elementwise.sqrt(this);
  }
  rsqrt(): Tensor {
    return elementwise.rsqrt(this);
  }
  pow(exponent: number): Tensor {
    return elementwise.pow(this, exponent);
  }
  abs(): Tensor {
    return elementwise.abs(this);
  }
  tanh(): Tensor {
    return elementwise.tanh(this);
  }
  sigmoid(): Tensor {
    return elementwise.sigmoid(this);
  }
  relu(): Tensor {
    return elementwise.relu(this);
  }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return elementwise.gelu(this, approximate);
  }

  sum(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.sum(this, axes, keepDims);
  }
  mean(axes?: number | readonly number[], keepDims = false): Tensor {
    return reduce.mean(this, axes, keepDims);
  }
  max(axis?: number, keepDims = false): Tensor {
    return reduce.max(this, axis, keepDims);
  }
  variance(axes?: number | readonly number[], options: reduce.VarianceOptions = {}): Tensor {
    return reduce.variance(this, axes, options);
  }

  matmul(other: Tensor, options: linalg.MatmulOptions = {}): Tensor {
    return linalg.matmul(this, other, options);
  }

  reshape(shape: Shape): Tensor {
    return layout.reshape(this, shape);
  }
  permute(dims: readonly number[]): Tensor {
    return layout.permute(this, dims);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return layout.transpose(this, dim0, dim1);
  }
  slice(axis: number, start: number, end: number): Tensor {
    return layout.slice(this, axis, start, end);
  }
  expand(shape: Shape): Tensor {
    return layout.expand(this, shape);
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return layout.maskedFill(this, mask, value);
  }

  softmax(options: activations.SoftmaxOptions = {}): Tensor {
    return activations.softmax(this, options);
  }
  logSoftmax(options: activations.SoftmaxOptions = {}): Tensor {
    return activations.logSoftmax(this, options);
  }
}

export type NestedNumbers = number | readonly NestedNumbers[];

function flatten(values: NestedNumbers, out: number[]): number[] {
  if (typeof values === 'number') {
    out.push(values);
    return [];
  }
  const inner: number[][] = [];
  for (const v of values) inner.push(flatten(v, out));
  const first = inner[0] ?? [];
  for (const s of inner) {
    if (s.length !== first.length || s.some((d, i) => d !== first[i])) throw new Error('Tensor.from: ragged nested array');
  }
  return [values.length, ...first];
}
