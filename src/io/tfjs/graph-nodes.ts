// The nodes of a TF.js graph model (a TensorFlow GraphDef in JSON): op, inputs and decoded attributes.

import { FinetuneError } from '../../errors.js';

/** A node attribute, decoded from TensorFlow's AttrValue JSON. Lists keep their element kind. */
export type GraphAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'type'; readonly value: string }
  /** `dims` is null for an unknown rank; an unknown dimension is -1. */
  | { readonly kind: 'shape'; readonly dims: number[] | null }
  | { readonly kind: 'ints'; readonly value: number[] }
  | { readonly kind: 'floats'; readonly value: number[] }
  | { readonly kind: 'strings'; readonly value: string[] }
  | { readonly kind: 'bools'; readonly value: boolean[] }
  | { readonly kind: 'types'; readonly value: string[] }
  /** A Const node's value: only dtype and shape, since the data lives in the weight shards. */
  | { readonly kind: 'tensor'; readonly dtype: string; readonly dims: number[] | null }
  /** Function references and other forms no reader here needs. */
  | { readonly kind: 'other'; readonly json: unknown };

export interface GraphNode {
  readonly name: string;
  readonly op: string;
  /** As TensorFlow writes them: `node`, `node:1` for a second output, `^node` for a control dependency. */
  readonly inputs: readonly string[];
  readonly attrs: Readonly<Record<string, GraphAttr>>;
}

/** One entry of `GraphNode.inputs`, split into the producing node, its output index and whether it is control-only. */
export interface InputRef {
  readonly node: string;
  readonly output: number;
  readonly control: boolean;
}

// TensorFlow's DataType enum (types.proto), named as TF.js names dtypes where it has them.
const DATA_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'float64',
  3: 'int32',
  4: 'uint8',
  5: 'int16',
  6: 'int8',
  7: 'string',
  8: 'complex64',
  9: 'int64',
  10: 'bool',
  14: 'bfloat16',
  17: 'uint16',
  18: 'complex128',
  19: 'float16',
  20: 'resource',
  21: 'variant',
  22: 'uint32',
  23: 'uint64',
};
const DATA_TYPE_NAMES: Record<string, string> = {
  DT_FLOAT: 'float32',
  DT_DOUBLE: 'float64',
  DT_INT32: 'int32',
  DT_UINT8: 'uint8',
  DT_INT16: 'int16',
  DT_INT8: 'int8',
  DT_STRING: 'string',
  DT_COMPLEX64: 'complex64',
  DT_INT64: 'int64',
  DT_BOOL: 'bool',
  DT_BFLOAT16: 'bfloat16',
  DT_UINT16: 'uint16',
  DT_COMPLEX128: 'complex128',
  DT_HALF: 'float16',
  DT_RESOURCE: 'resource',
  DT_VARIANT: 'variant',
  DT_UINT32: 'uint32',
  DT_UINT64: 'uint64',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// The converter writes int64 fields as decimal strings; older ones wrote numbers.
function toInt(value: unknown, where: string): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new FinetuneError(`${where}: ${JSON.stringify(value)} is not an integer`);
  return n;
}

// Bytes are base64 in current converters and lists of byte values in older ones (like the USE-lite file).
function toText(value: unknown, where: string): string {
  if (typeof value === 'string') return Buffer.from(value, 'base64').toString('utf8');
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    return Buffer.from(value as number[]).toString('utf8');
  }
  throw new FinetuneError(`${where}: ${JSON.stringify(value)} is not a byte string`);
}

function toType(value: unknown, where: string): string {
  const name = typeof value === 'number' ? DATA_TYPES[value] : typeof value === 'string' ? DATA_TYPE_NAMES[value] : undefined;
  if (name === undefined) throw new FinetuneError(`${where}: unknown data type ${JSON.stringify(value)}`);
  return name;
}

function toShape(value: unknown, where: string): number[] | null {
  if (!isRecord(value)) throw new FinetuneError(`${where}: shape must be an object`);
  if (value['unknownRank'] === true) return null;
  const dims = value['dim'] ?? [];
  if (!Array.isArray(dims)) throw new FinetuneError(`${where}: shape dim must be a list`);
  return dims.map((d, i) => (isRecord(d) ? toInt(d['size'] ?? 0, `${where}: dim ${i}`) : toInt(d, `${where}: dim ${i}`)));
}

function nonEmptyList(list: Record<string, unknown>, key: string): unknown[] | undefined {
  const value = list[key];
  return Array.isArray(value) && value.length > 0 ? value : undefined;
}

function decodeList(list: Record<string, unknown>, where: string): GraphAttr {
  let items: unknown[] | undefined;
  if ((items = nonEmptyList(list, 'i'))) return { kind: 'ints', value: items.map((v) => toInt(v, where)) };
  if ((items = nonEmptyList(list, 'f'))) return { kind: 'floats', value: items.map(Number) };
  if ((items = nonEmptyList(list, 's'))) return { kind: 'strings', value: items.map((v) => toText(v, where)) };
  if ((items = nonEmptyList(list, 'type'))) return { kind: 'types', value: items.map((v) => toType(v, where)) };
  if ((items = nonEmptyList(list, 'b'))) return { kind: 'bools', value: items.map((v) => v === true) };
  const other = ['shape', 'tensor', 'func'].some((key) => nonEmptyList(list, key) !== undefined);
  // An empty list carries no element kind; an empty int list is the most useful reading.
  return other ? { kind: 'other', json: list } : { kind: 'ints', value: [] };
}

/** Decodes one AttrValue; `where` names the node and attribute in errors. */
export function decodeAttr(value: unknown, where: string): GraphAttr {
  if (!isRecord(value)) throw new FinetuneError(`${where}: attribute must be an object`);
  if ('i' in value) return { kind: 'int', value: toInt(value['i'], where) };
  if ('f' in value) return { kind: 'float', value: Number(value['f']) };
  if ('b' in value) return { kind: 'bool', value: value['b'] === true };
  if ('s' in value) return { kind: 'string', value: toText(value['s'], where) };
  if ('type' in value) return { kind: 'type', value: toType(value['type'], where) };
  if ('shape' in value) return { kind: 'shape', dims: toShape(value['shape'], where) };
  if ('list' in value && isRecord(value['list'])) return decodeList(value['list'], where);
  if ('tensor' in value && isRecord(value['tensor'])) {
    const tensor = value['tensor'];
    const shape = tensor['tensorShape'];
    return {
      kind: 'tensor',
      dtype: tensor['dtype'] === undefined ? 'float32' : toType(tensor['dtype'], where),
      dims: shape === undefined ? [] : toShape(shape, where),
    };
  }
  return { kind: 'other', json: value };
}

/** Validates and decodes `modelTopology.node` of `file`. */
export function parseGraphNodes(topology: unknown, file: string): GraphNode[] {
  if (!isRecord(topology)) throw new FinetuneError(`${file}: modelTopology must be an object`);
  const nodes = topology['node'];
  if (!Array.isArray(nodes)) {
    if ('class_name' in topology || 'config' in topology) {
      throw new FinetuneError(`${file}: a TF.js layers model, not a graph model (modelTopology has no node list)`);
    }
    throw new FinetuneError(`${file}: modelTopology.node must be a list of nodes`);
  }
  const names = new Set<string>();
  return nodes.map((node, index) => {
    if (!isRecord(node)) throw new FinetuneError(`${file}: node ${index} must be an object`);
    const name = node['name'];
    const op = node['op'];
    if (typeof name !== 'string' || name === '') throw new FinetuneError(`${file}: node ${index} has no name`);
    if (typeof op !== 'string' || op === '') throw new FinetuneError(`${file}: node '${name}' has no op`);
    if (names.has(name)) throw new FinetuneError(`${file}: node '${name}' is defined twice`);
    names.add(name);
    const inputs = node['input'] ?? [];
    if (!Array.isArray(inputs) || !inputs.every((i): i is string => typeof i === 'string')) {
      throw new FinetuneError(`${file}: node '${name}': input must be a list of node names`);
    }
    const rawAttrs = node['attr'] ?? {};
    if (!isRecord(rawAttrs)) throw new FinetuneError(`${file}: node '${name}': attr must be an object`);
    const attrs: Record<string, GraphAttr> = {};
    for (const [key, value] of Object.entries(rawAttrs)) attrs[key] = decodeAttr(value, `${file}: node '${name}' attr '${key}'`);
    return { name, op, inputs, attrs };
  });
}

/** Splits a node input such as `split:2` or `^init` into its parts. */
export function parseInputRef(input: string): InputRef {
  const control = input.startsWith('^');
  const body = control ? input.slice(1) : input;
  const match = /^(.*):(\d+)$/.exec(body);
  return match ? { node: match[1]!, output: Number(match[2]), control } : { node: body, output: 0, control };
}
