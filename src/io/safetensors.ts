// Reads and writes safetensors files (https://github.com/huggingface/safetensors), tensor by tensor.

import { FinetuneError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { convertStored, isFloatDType } from './dtype-convert.js';
import { bufferSource, withFileSource, type ByteSource } from './file-bytes.js';
import { elementCount, formatShape, type RawTensor } from './raw-tensor.js';
import { headerLength, parseSafetensorsHeader, type SafetensorsHeader } from './safetensors-header.js';

/** The contents of a safetensors file. */
export interface SafetensorsContents {
  /** Tensors by key, in the order of their data in the file. */
  readonly tensors: Map<string, RawTensor>;
  /** String pairs from `__metadata__` (e.g. `{"format":"pt"}`); empty when absent. */
  readonly metadata: Record<string, string>;
}

export interface SafetensorsReadOptions {
  /** Loads only the keys this returns true for (default: every key). */
  readonly select?: (key: string) => boolean;
}

function readHeader(source: ByteSource, name: string): SafetensorsHeader {
  const prefix = source.read(0, Math.min(8, source.size));
  const length = headerLength(prefix, source.size, name);
  return parseSafetensorsHeader(source.read(8, length), source.size - 8 - length, name);
}

function readTensors(source: ByteSource, name: string, options: SafetensorsReadOptions): SafetensorsContents {
  const header = readHeader(source, name);
  const tensors = new Map<string, RawTensor>();
  for (const entry of header.entries) {
    if (options.select && !options.select(entry.key)) continue;
    const bytes = source.read(header.dataStart + entry.begin, entry.end - entry.begin);
    const data = convertStored(bytes, entry.dtype, elementCount(entry.shape), `${name}: tensor '${entry.key}'`, true);
    tensors.set(entry.key, { dtype: isFloatDType(entry.dtype) ? 'float32' : 'int32', shape: entry.shape, data });
  }
  return { tensors, metadata: header.metadata };
}

/**
 * Reads a safetensors file. F32/F16/BF16/F64 become float32; I64/I32/I16/I8/U8/BOOL become int32
 * (an int64 value outside int32 fails naming the key). Each tensor is read into its own buffer,
 * so memory peaks at the loaded tensors plus one tensor's stored bytes.
 */
export function readSafetensors(path: string, options: SafetensorsReadOptions = {}): SafetensorsContents {
  return withFileSource(path, (source) => readTensors(source, path, options));
}

/** Reads only the header: keys, stored dtypes, shapes and offsets (no tensor data). */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withFileSource(path, (source) => readHeader(source, path));
}

/** Parses a safetensors file already in memory; `name` is used in error messages. Tensors are copies. */
export function parseSafetensors(bytes: Uint8Array, name: string, options: SafetensorsReadOptions = {}): SafetensorsContents {
  return readTensors(bufferSource(bytes), name, options);
}

const ALIGNMENT = 8;

function checkTensor(key: string, tensor: RawTensor, name: string): void {
  if (key === '' || key === '__metadata__') throw new FinetuneError(`${name}: invalid tensor key '${key}'`);
  const expectedArray = tensor.dtype === 'float32' ? Float32Array : tensor.dtype === 'int32' ? Int32Array : undefined;
  if (!expectedArray || !(tensor.data instanceof expectedArray)) {
    throw new FinetuneError(`${name}: tensor '${key}': dtype ${String(tensor.dtype)} does not match its data (${tensor.data?.constructor?.name})`);
  }
  const count = elementCount(tensor.shape);
  if (tensor.data.length !== count) {
    throw new FinetuneError(`${name}: tensor '${key}': shape ${formatShape(tensor.shape)} needs ${count} elements, data has ${tensor.data.length}`);
  }
}

/**
 * The bytes of a safetensors file as chunks: the header, then each tensor's data as a view (no
 * copies). Float32 tensors come first, then int32, each sorted by key, and the header is padded
 * with spaces to a multiple of 8 bytes, as the reference implementation writes them.
 */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, RawTensor> | Readonly<Record<string, RawTensor>>,
  metadata: Readonly<Record<string, string>> = {},
  name = 'safetensors',
): Uint8Array[] {
  const entries = [...(tensors instanceof Map ? tensors.entries() : Object.entries(tensors))] as [string, RawTensor][];
  // The reference orders data by dtype (F32 before I32), then by key; matching it makes identical files.
  const rank = (tensor: RawTensor): number => (tensor.dtype === 'float32' ? 0 : 1);
  entries.sort(([a, x], [b, y]) => rank(x) - rank(y) || (a < b ? -1 : a > b ? 1 : 0));
  // Built by hand: a JS object would move integer-like keys such as "0" to the front.
  const parts: string[] = [];
  const metadataKeys = Object.keys(metadata);
  if (metadataKeys.length > 0) {
    for (const key of metadataKeys) {
      if (typeof metadata[key] !== 'string') throw new FinetuneError(`${name}: __metadata__ '${key}' is not a string`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [key, tensor] of entries) {
    checkTensor(key, tensor, name);
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    const dtype = tensor.dtype === 'float32' ? 'F32' : 'I32';
    parts.push(`${JSON.stringify(key)}:{"dtype":"${dtype}","shape":${JSON.stringify(tensor.shape)},"data_offsets":[${offset},${offset + bytes.byteLength}]}`);
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padding = (ALIGNMENT - (json.byteLength % ALIGNMENT)) % ALIGNMENT;
  const header = Buffer.alloc(8 + json.byteLength + padding, 0x20);
  header.writeBigUInt64LE(BigInt(json.byteLength + padding), 0);
  json.copy(header, 8);
  return [header, ...chunks];
}

/** Writes float32/int32 tensors as a safetensors file (F32/I32), atomically. */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, RawTensor> | Readonly<Record<string, RawTensor>>,
  metadata: Readonly<Record<string, string>> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata, path));
}
