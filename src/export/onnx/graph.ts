// A small ONNX graph builder: named nodes under module scopes (as optimum's exports read), initializers, and Linear as fp32 or dynamic int8.
import { quantizeWeightPerChannel } from '../../backend/int8-quantize.js';
import {
  AttributeType,
  type AttributeMessage,
  type DataTypeCode,
  DataType,
  type Dim,
  type NodeMessage,
  type TensorMessage,
  type ValueInfoMessage,
  valueInfo,
} from './proto.js';

/** An attribute value: a number is an int unless wrapped by `float()`; arrays of ints; strings. */
export type AttrValue = number | readonly number[] | string | { readonly float: number } | { readonly floats: readonly number[] };

/** Marks a number attribute as a float (ONNX tells them apart, JavaScript does not). */
export const float = (value: number): { readonly float: number } => ({ float: value });

/** The weights of a linear layer as the exporter reads them: W [out, in] as PyTorch stores it, bias [out] or none. */
export interface LinearWeights {
  readonly weight: { readonly data: ArrayLike<number>; readonly shape: readonly number[] };
  readonly bias: { readonly data: ArrayLike<number> } | null;
}

export interface GraphOptions {
  /**
   * 'int8': linear layers become DynamicQuantizeLinear + MatMulInteger with int8 weights quantised per
   * output channel (symmetric), as ONNX Runtime's quantize_dynamic(per_channel=True) writes them.
   * Default 'fp32'.
   */
  readonly weights?: 'fp32' | 'int8';
}

/** An initializer's data before it is laid out as raw little-endian bytes. */
export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: DataTypeCode;
  readonly data: Float32Array | Int8Array | Uint8Array | BigInt64Array | Int32Array;
}

function attribute(name: string, value: AttrValue): AttributeMessage {
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value as readonly number[] };
  if ('float' in (value as object)) return { name, type: AttributeType.FLOAT, f: (value as { float: number }).float };
  return { name, type: AttributeType.FLOATS, floats: (value as { floats: readonly number[] }).floats };
}

/** The ONNX scope of a module path: `bert.encoder.layer.0` -> `/bert/encoder/layer.0` (optimum's spelling). */
export function scopeOf(path: string): string {
  return `/${path
    .replace(/\.(\d+)/g, '\u0000$1')
    .replaceAll('.', '/')
    .replaceAll('\u0000', '.')}`;
}

export class GraphBuilder {
  readonly nodes: NodeMessage[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: ValueInfoMessage[] = [];
  readonly outputs: ValueInfoMessage[] = [];
  readonly weights: 'fp32' | 'int8';
  /** Whether a com.microsoft operator was used (the model then imports that domain). */
  usesMsDomain = false;
  private readonly taken = new Set<string>();
  private readonly constants = new Map<string, string>();

  constructor(options: GraphOptions = {}) {
    this.weights = options.weights ?? 'fp32';
  }

  private unique(name: string): string {
    let candidate = name;
    for (let i = 1; this.taken.has(candidate); i++) candidate = `${name}_${i}`;
    this.taken.add(candidate);
    return candidate;
  }

  /** Declares a graph input and returns its name. */
  input(name: string, elemType: DataTypeCode, dims: readonly Dim[]): string {
    this.taken.add(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Makes `value` a graph output called `name`. */
  output(name: string, value: string, elemType: DataTypeCode, dims: readonly Dim[]): void {
    this.taken.add(name);
    this.nodes.push({ name: `/${name}/Identity`, opType: 'Identity', input: [value], output: [name], attribute: [] });
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /** Adds a weight or constant tensor under `name` (kept as given when free, so checkpoint keys stay readable). */
  initializer(name: string, dataType: DataTypeCode, dims: readonly number[], data: Initializer['data']): string {
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims, dataType, data });
    return unique;
  }

  /** An int64 constant (shared between nodes that use the same value). Scalars have dims []. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(
        `const_i64_${this.constants.size}`,
        DataType.INT64,
        dims,
        BigInt64Array.from(values, (v) => BigInt(v)),
      );
      this.constants.set(key, name);
    }
    return name;
  }

  /** A float32 constant (shared like int64). */
  float32(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.initializer(`const_f32_${this.constants.size}`, DataType.FLOAT, dims, Float32Array.from(values));
      this.constants.set(key, name);
    }
    return name;
  }

  /** Adds node `scope/opType` and returns its outputs (`outputs` of them). */
  nodeN(scope: string, opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}, outputs = 1, domain?: string): string[] {
    const name = this.unique(`${scope}/${opType}`);
    const out = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    this.nodes.push({
      name,
      opType,
      input: inputs,
      output: out,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
      ...(domain === undefined ? {} : { domain }),
    });
    return out;
  }

  /** Adds a single-output node and returns its output. */
  node(scope: string, opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue>> = {}): string {
    return this.nodeN(scope, opType, inputs, attrs)[0]!;
  }

  /**
   * y = x W^T + b for the module at `scope` (a checkpoint key prefix, e.g. `bert.pooler.dense`).
   * Shapes: x [..., in] -> [..., out]. Under int8 weights the product is integer: x is quantised per
   * tensor to uint8 at run time, W per output column to int8 with zero point 0.
   */
  linear(scope: string, layer: LinearWeights, x: string): string {
    const [out, inFeatures] = layer.weight.shape as [number, number];
    const at = scopeOf(scope);
    // MatMul's B is W^T [in, out]: a column per output channel.
    const transpose = <T extends Float32Array | Int8Array>(from: ArrayLike<number>, into: T): T => {
      for (let o = 0; o < out; o++) for (let i = 0; i < inFeatures; i++) into[i * out + o] = from[o * inFeatures + i]!;
      return into;
    };
    let y: string;
    if (this.weights === 'int8') {
      const q = quantizeWeightPerChannel(layer.weight.data, out, inFeatures);
      const wq = this.initializer(`${scope}.weight_quantized`, DataType.INT8, [inFeatures, out], transpose(q.values, new Int8Array(inFeatures * out)));
      const ws = this.initializer(`${scope}.weight_scale`, DataType.FLOAT, [out], q.scales);
      const wz = this.initializer(`${scope}.weight_zero_point`, DataType.INT8, [out], new Int8Array(out));
      const [xq, xs, xz] = this.nodeN(at, 'DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
      const product = this.node(at, 'MatMulInteger', [xq, wq, xz, wz]);
      const scale = this.node(at, 'Mul', [xs, ws]);
      y = this.node(at, 'Mul', [this.node(at, 'Cast', [product], { to: DataType.FLOAT }), scale]);
    } else {
      const weight = transpose(layer.weight.data, new Float32Array(inFeatures * out));
      y = this.node(at, 'MatMul', [x, this.initializer(`${scope}.weight.T`, DataType.FLOAT, [inFeatures, out], weight)]);
    }
    if (!layer.bias) return y;
    return this.node(at, 'Add', [y, this.initializer(`${scope}.bias`, DataType.FLOAT, [out], Float32Array.from(layer.bias.data))]);
  }

  /** A float32 tensor initializer copied from a parameter (embedding tables, norms). */
  weight(name: string, tensor: { readonly data: ArrayLike<number>; readonly shape: readonly number[] }): string {
    return this.initializer(name, DataType.FLOAT, tensor.shape, Float32Array.from(tensor.data));
  }

  /** Bytes of all initializers (what decides external data). */
  initializerBytes(): number {
    return this.initializers.reduce((sum, t) => sum + t.data.byteLength, 0);
  }
}

/** The bytes of an initializer as TensorProto.raw_data wants them (little-endian, C order). */
export function rawBytes(data: Initializer['data']): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** A TensorProto for an initializer with its bytes inline. */
export function inlineTensor(t: Initializer): TensorMessage {
  return { name: t.name, dims: t.dims, dataType: t.dataType, rawData: rawBytes(t.data) };
}
