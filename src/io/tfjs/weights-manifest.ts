// The weightsManifest of a TF.js model.json: validation, byte sizes and decoding to float32 / int32 records.

import { FinetuneError } from '../../errors.js';
import { convertStored } from '../dtype-convert.js';
import { elementCount, formatShape, isValidShape, type RawTensor } from '../raw-tensor.js';

/** Element types TF.js writes to weight files. `string` and `complex64` exist in TF.js but carry no trainable weights. */
export type TfjsDType = 'float32' | 'int32' | 'bool';

/**
 * Post-training quantisation as the TF.js converter writes it: `uint8` / `uint16` are affine
 * (`value = q * scale + min`, rounded for int32 weights); `float16` stores half floats of a float32 weight.
 */
export interface TfjsQuantization {
  readonly dtype: 'uint8' | 'uint16' | 'float16';
  readonly scale?: number;
  readonly min?: number;
}

export interface TfjsWeightSpec {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: TfjsDType;
  readonly quantization?: TfjsQuantization;
}

/** One group: its weights are stored back to back across the shard files of `paths`, in order. */
export interface TfjsWeightGroup {
  readonly paths: string[];
  readonly weights: TfjsWeightSpec[];
}

const STORED_BYTES: Record<TfjsDType | TfjsQuantization['dtype'], number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseQuantization(value: unknown, where: string, dtype: TfjsDType): TfjsQuantization {
  if (!isRecord(value)) throw new FinetuneError(`${where}: quantization must be an object`);
  const qtype = value['dtype'];
  if (qtype === 'float16') {
    if (dtype !== 'float32') throw new FinetuneError(`${where}: float16 quantization needs a float32 weight, not ${dtype}`);
    return { dtype: qtype };
  }
  if (qtype !== 'uint8' && qtype !== 'uint16') {
    throw new FinetuneError(`${where}: unknown quantization dtype ${JSON.stringify(qtype)} (expected uint8, uint16 or float16)`);
  }
  if (dtype === 'bool') throw new FinetuneError(`${where}: ${qtype} quantization of a bool weight`);
  const scale = value['scale'];
  const min = value['min'];
  if (typeof scale !== 'number' || typeof min !== 'number' || !Number.isFinite(scale) || !Number.isFinite(min)) {
    throw new FinetuneError(`${where}: ${qtype} quantization needs numeric scale and min`);
  }
  return { dtype: qtype, scale, min };
}

function parseWeightSpec(value: unknown, where: string): TfjsWeightSpec {
  if (!isRecord(value)) throw new FinetuneError(`${where}: weight entry must be an object`);
  const name = value['name'];
  if (typeof name !== 'string' || name === '') throw new FinetuneError(`${where}: weight entry without a name`);
  const at = `${where}: weight '${name}'`;
  const shape = value['shape'];
  if (!isValidShape(shape)) throw new FinetuneError(`${at}: shape must be a list of non-negative integers`);
  const dtype = value['dtype'];
  if (dtype === 'string' || dtype === 'complex64') {
    throw new FinetuneError(`${at}: dtype ${dtype} is not supported (only float32, int32 and bool weights)`);
  }
  if (dtype !== 'float32' && dtype !== 'int32' && dtype !== 'bool') {
    throw new FinetuneError(`${at}: unknown dtype ${JSON.stringify(dtype)}`);
  }
  if (value['quantization'] === undefined) return { name, shape, dtype };
  return { name, shape, dtype, quantization: parseQuantization(value['quantization'], at, dtype) };
}

/** Validates `weightsManifest` from `file` (model.json): every group with shard paths and well-formed weight entries. */
export function parseWeightsManifest(value: unknown, file: string): TfjsWeightGroup[] {
  if (!Array.isArray(value)) throw new FinetuneError(`${file}: weightsManifest must be a list of groups`);
  const seen = new Set<string>();
  return value.map((group, g) => {
    const where = `${file}: weightsManifest[${g}]`;
    if (!isRecord(group)) throw new FinetuneError(`${where} must be an object`);
    const paths = group['paths'];
    if (!Array.isArray(paths) || !paths.every((p): p is string => typeof p === 'string' && p !== '')) {
      throw new FinetuneError(`${where}: paths must be a list of file names`);
    }
    const weights = group['weights'];
    if (!Array.isArray(weights)) throw new FinetuneError(`${where}: weights must be a list`);
    const specs = weights.map((w) => parseWeightSpec(w, where));
    for (const spec of specs) {
      if (seen.has(spec.name)) throw new FinetuneError(`${where}: weight '${spec.name}' is listed twice`);
      seen.add(spec.name);
    }
    return { paths, weights: specs };
  });
}

/** Bytes one weight occupies in the shard stream. */
export function storedByteLength(spec: TfjsWeightSpec): number {
  return elementCount(spec.shape) * STORED_BYTES[spec.quantization?.dtype ?? spec.dtype];
}

/** Bytes the shards of a group must hold together. */
export function groupByteLength(group: TfjsWeightGroup): number {
  let total = 0;
  for (const spec of group.weights) total += storedByteLength(spec);
  return total;
}

function dequantize(bytes: Uint8Array, spec: TfjsWeightSpec, q: TfjsQuantization, where: string): Float32Array | Int32Array {
  const count = elementCount(spec.shape);
  if (q.dtype === 'float16') return convertStored(bytes, 'F16', count, where, false);
  const codes = q.dtype === 'uint8' ? bytes : new Uint16Array(bytes.slice().buffer, 0, count);
  const scale = q.scale!;
  const min = q.min!;
  // TF.js evaluates q * scale + min in double precision and rounds it once, as we do here.
  if (spec.dtype === 'int32') {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = Math.round(codes[i]! * scale + min);
    return out;
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = codes[i]! * scale + min;
  return out;
}

/**
 * Decodes the weights of `group` from `stream` (its shards concatenated) into `into`.
 * `where` names the group's files in errors. The stream length must equal the group's byte count exactly.
 */
export function decodeWeightGroup(stream: Uint8Array, group: TfjsWeightGroup, where: string, into: Map<string, RawTensor>): void {
  const expected = groupByteLength(group);
  if (stream.byteLength !== expected) {
    throw new FinetuneError(`${where}: ${stream.byteLength} bytes, but the manifest's weights need ${expected}`);
  }
  let offset = 0;
  for (const spec of group.weights) {
    const size = storedByteLength(spec);
    const bytes = stream.subarray(offset, offset + size);
    offset += size;
    const at = `${where}: weight '${spec.name}' ${formatShape(spec.shape)}`;
    const count = elementCount(spec.shape);
    let data: Float32Array | Int32Array;
    if (spec.quantization) data = dequantize(bytes, spec, spec.quantization, at);
    else if (spec.dtype === 'float32') data = convertStored(bytes, 'F32', count, at, false);
    else if (spec.dtype === 'int32') data = convertStored(bytes, 'I32', count, at, false);
    else data = convertStored(bytes, 'BOOL', count, at, false);
    into.set(spec.name, { dtype: data instanceof Float32Array ? 'float32' : 'int32', shape: [...spec.shape], data });
  }
}
