// Reads PyTorch checkpoints (`pytorch_model.bin`): torch.save's zip format and the legacy pickle-stream format.
//
// Only a dict of tensors is accepted; the pickle is read by a restricted reader that refuses any
// global outside an allow-list, so a checkpoint can never run code.

import { FinetuneError } from '../errors.js';
import { STORED_DTYPE_BYTES } from './dtype-convert.js';
import { withFileSource, bufferSource, type ByteSource } from './file-bytes.js';
import { unpickle, type PickleValue } from './pickle.js';
import type { RawTensor } from './raw-tensor.js';
import { isTensorRef, torchPickleHooks, type StorageRef, type TensorRef } from './torch-pickle.js';
import { materializeTensors } from './torch-tensors.js';
import { readZipDirectory, readZipEntry } from './zip-reader.js';

export interface PytorchBinReadOptions {
  /** Loads only the keys this returns true for (default: every key). */
  readonly select?: (key: string) => boolean;
}

/** The pickle of a state dict describes tensors, not their data: a few MB even for thousands of tensors. */
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

// torch.save's legacy format starts with this number, pickled.
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** The tensors of the top-level dict, in file order; other values (non-tensors) are skipped. */
function tensorRefs(root: PickleValue, name: string, select: ((key: string) => boolean) | undefined): [string, TensorRef][] {
  if (!(root instanceof Map)) throw new FinetuneError(`${name}: the checkpoint is not a dict of tensors`);
  const refs: [string, TensorRef][] = [];
  for (const [key, value] of root) {
    if (typeof key !== 'string' || !isTensorRef(value)) continue;
    if (!select || select(key)) refs.push([key, value]);
  }
  return refs;
}

function readZipCheckpoint(source: ByteSource, name: string, options: PytorchBinReadOptions): Map<string, RawTensor> {
  const entries = readZipDirectory(source, name);
  const pickleEntry = [...entries.values()].find((entry) => /^([^/]+\/)?data\.pkl$/.test(entry.name));
  if (!pickleEntry) throw new FinetuneError(`${name}: zip archive has no data.pkl (not a torch.save file)`);
  const prefix = pickleEntry.name.slice(0, -'data.pkl'.length);
  const byteOrderEntry = entries.get(`${prefix}byteorder`);
  if (byteOrderEntry && byteOrderEntry.size > 16)
    throw new FinetuneError(`${name}: byteorder entry of ${byteOrderEntry.size} bytes, expected 'little' or 'big'`);
  const byteOrder = byteOrderEntry ? new TextDecoder().decode(readZipEntry(source, byteOrderEntry, name)).trim() : 'little';
  if (byteOrder !== 'little' && byteOrder !== 'big') throw new FinetuneError(`${name}: unknown byteorder '${byteOrder}'`);
  if (pickleEntry.size > MAX_PICKLE_BYTES)
    throw new FinetuneError(`${name}: ${pickleEntry.name} declares ${pickleEntry.size} bytes, over the ${MAX_PICKLE_BYTES}-byte limit`);
  const { value } = unpickle(readZipEntry(source, pickleEntry, name), 0, torchPickleHooks(name), name);
  const refs = tensorRefs(value, name, options.select);
  const loadStorage = (storage: StorageRef, wrongSize: (bytes: number) => FinetuneError): Uint8Array => {
    const entry = entries.get(`${prefix}data/${storage.key}`);
    if (!entry) throw new FinetuneError(`${name}: storage '${prefix}data/${storage.key}' is missing from the archive`);
    // Checked before inflating: the pickle says how large the storage is, whatever the archive claims.
    if (entry.size !== storage.numel * STORED_DTYPE_BYTES[storage.dtype]) throw wrongSize(entry.size);
    return readZipEntry(source, entry, name);
  };
  return materializeTensors(refs, loadStorage, byteOrder === 'big', name);
}

function readLegacyCheckpoint(source: ByteSource, name: string, options: PytorchBinReadOptions): Map<string, RawTensor> {
  const bytes = source.read(0, source.size);
  const storages = new Map<string, StorageRef>();
  const hooks = torchPickleHooks(name);
  const recordingHooks = {
    ...hooks,
    persistentLoad(id: PickleValue): PickleValue {
      const storage = hooks.persistentLoad(id) as unknown as StorageRef;
      storages.set(storage.key, storage);
      return storage as unknown as PickleValue;
    },
  };
  const magic = unpickle(bytes, 0, hooks, name);
  if (magic.value !== LEGACY_MAGIC) throw new FinetuneError(`${name}: not a PyTorch checkpoint (wrong magic number)`);
  const protocol = unpickle(bytes, magic.end, hooks, name);
  if (protocol.value !== LEGACY_PROTOCOL) throw new FinetuneError(`${name}: unsupported legacy protocol ${String(protocol.value)}`);
  const systemInfo = unpickle(bytes, protocol.end, hooks, name);
  const bigEndian = systemInfo.value instanceof Map && systemInfo.value.get('little_endian') === false;
  const root = unpickle(bytes, systemInfo.end, recordingHooks, name);
  const keys = unpickle(bytes, root.end, hooks, name);
  if (!Array.isArray(keys.value) || !keys.value.every((key) => typeof key === 'string')) {
    throw new FinetuneError(`${name}: malformed storage key list`);
  }
  // The storages follow in the order of the key list, each an int64 element count and the raw elements.
  const storageBytes = new Map<string, Uint8Array>();
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = keys.end;
  for (const key of keys.value as string[]) {
    const storage = storages.get(key);
    if (!storage) throw new FinetuneError(`${name}: storage '${key}' is listed but never used`);
    if (position + 8 > bytes.byteLength) throw new FinetuneError(`${name}: file ends before storage '${key}'`);
    const count = Number(data.getBigInt64(position, !bigEndian));
    const length = count * STORED_DTYPE_BYTES[storage.dtype];
    if (count < 0) throw new FinetuneError(`${name}: storage '${key}' has a negative element count ${count}`);
    position += 8;
    if (position + length > bytes.byteLength) {
      throw new FinetuneError(`${name}: storage '${key}' (${length} bytes at ${position}) overruns the file (${bytes.byteLength} bytes)`);
    }
    storageBytes.set(key, bytes.subarray(position, position + length));
    position += length;
  }
  const loadStorage = (storage: StorageRef): Uint8Array => {
    const stored = storageBytes.get(storage.key);
    if (!stored) throw new FinetuneError(`${name}: storage '${storage.key}' is missing from the file`);
    return stored.slice();
  };
  return materializeTensors(tensorRefs(root.value, name, options.select), loadStorage, bigEndian, name);
}

function readCheckpoint(source: ByteSource, name: string, options: PytorchBinReadOptions): Map<string, RawTensor> {
  const head = source.read(0, Math.min(4, source.size));
  if (head[0] === 0x50 && head[1] === 0x4b) return readZipCheckpoint(source, name, options);
  if (head[0] === 0x80) return readLegacyCheckpoint(source, name, options);
  throw new FinetuneError(`${name}: not a PyTorch checkpoint (neither a torch.save zip archive nor a pickle)`);
}

/**
 * Reads the tensors of a `torch.save`d dict (a state dict). Float storages (F32, F16, BF16, F64)
 * become float32, integer ones int32 (an int64 value outside int32 fails naming the key); strided
 * tensors are made contiguous; storage offsets and big-endian files are handled.
 */
export function readPytorchBin(path: string, options: PytorchBinReadOptions = {}): Map<string, RawTensor> {
  return withFileSource(path, (source) => readCheckpoint(source, path, options));
}

/** Like `readPytorchBin` for a checkpoint already in memory; `name` is used in error messages. */
export function parsePytorchBin(bytes: Uint8Array, name: string, options: PytorchBinReadOptions = {}): Map<string, RawTensor> {
  return readCheckpoint(bufferSource(bytes), name, options);
}
