// Tests for PyTorch checkpoints: files made by the real torch in every layout, and damaged or hostile archives.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { parsePytorchBin, readPytorchBin } from './pytorch-bin.js';
import { readSafetensors } from './safetensors.js';
import { throwsOneLine } from './test-support.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/io/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

interface ZipItem {
  readonly name: string;
  readonly data: Uint8Array;
  readonly method?: number;
  readonly flags?: number;
  /** The uncompressed size the headers declare (default: the true size). */
  readonly declaredSize?: number;
}

/** A minimal zip archive (no CRCs: the reader relies on sizes). */
function makeZip(items: readonly ZipItem[]): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const name = Buffer.from(item.name);
    const stored = item.method === 8 ? deflateRawSync(item.data) : Buffer.from(item.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(item.flags ?? 0, 6);
    local.writeUInt16LE(item.method ?? 0, 8);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(item.declaredSize ?? item.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(item.flags ?? 0, 8);
    header.writeUInt16LE(item.method ?? 0, 10);
    header.writeUInt32LE(stored.length, 20);
    header.writeUInt32LE(item.declaredSize ?? item.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt32LE(offset, 42);
    central.push(header, name);
    parts.push(local, name, stored);
    offset += local.length + name.length + stored.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}

const ascii = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const str = (text: string): number[] => [0x58, text.length, 0, 0, 0, ...ascii(text)];
const global = (module: string, name: string): number[] => [0x63, ...ascii(`${module}\n${name}\n`)];
const ints = (values: readonly number[]): number[] => [0x28, ...values.flatMap((v) => [0x4b, v]), 0x74];

/** data.pkl for `{key: tensor}` over storage '0' of `numel` elements. */
function tensorPickle(key: string, storageType: string, numel: number, offset: number, size: number[], stride: number[]): Uint8Array {
  return Uint8Array.from([
    0x80,
    2,
    ...global('collections', 'OrderedDict'),
    0x29,
    0x52,
    0x28,
    ...str(key),
    ...global('torch._utils', '_rebuild_tensor_v2'),
    0x28,
    0x28,
    ...str('storage'),
    ...global('torch', storageType),
    ...str('0'),
    ...str('cpu'),
    0x4b,
    numel,
    0x74,
    0x51,
    0x4b,
    offset,
    ...ints(size),
    ...ints(stride),
    0x89,
    ...global('collections', 'OrderedDict'),
    0x29,
    0x52,
    0x74,
    0x52,
    0x75,
    0x2e,
  ]);
}

const bytesOf = (array: ArrayBufferView): Uint8Array => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

interface Expected {
  readonly dtype: string;
  readonly shape: number[];
  readonly data: number[];
}

test('reads torch.save files: zip, legacy, deflated and zip64 layouts give the same tensors', () => {
  const expected = JSON.parse(readFileSync(fixture('state-dict.expected.json'), 'utf8')) as Record<string, Expected>;
  for (const name of ['state-dict.bin', 'state-dict-legacy.bin', 'state-dict-deflated.bin', 'state-dict-zip64.bin']) {
    const tensors = readPytorchBin(fixture(name));
    assert.deepEqual([...tensors.keys()], Object.keys(expected), name);
    for (const [key, want] of Object.entries(expected)) {
      const got = tensors.get(key)!;
      assert.deepEqual({ dtype: got.dtype, shape: got.shape, data: Array.from(got.data) }, want, `${name} ${key}`);
    }
    // Tied and sliced tensors share a storage in the file, but never memory once loaded.
    assert.notEqual(tensors.get('tied.a')!.data.buffer, tensors.get('tied.b')!.data.buffer, name);
    assert.notEqual(tensors.get('transposed')!.data.buffer, tensors.get('slice')!.data.buffer, name);
  }
});

test('a model state_dict() matches the same weights saved as safetensors', () => {
  const fromBin = readPytorchBin(fixture('bert-tiny.bin'));
  const fromSafetensors = readSafetensors(fixture('bert-tiny.safetensors')).tensors;
  assert.equal(fromBin.size, fromSafetensors.size);
  for (const [key, tensor] of fromSafetensors) assert.deepEqual(fromBin.get(key), tensor, key);
});

test('select loads a subset; a buffer in memory reads like a file', () => {
  const bytes = readFileSync(fixture('state-dict.bin'));
  const tensors = parsePytorchBin(bytes, 'mem.bin', { select: (key) => key.startsWith('linear.') });
  assert.deepEqual([...tensors.keys()], ['linear.weight', 'linear.bias']);
});

test('a pickle that asks for os.system is refused without running anything', () => {
  const path = fixture('malicious.bin');
  throwsOneLine(() => readPytorchBin(path), `${path}: refusing to load 'os system': only tensors are allowed`);
});

test('crafted archives: strides, offsets, big-endian storages and int64', () => {
  const storage = bytesOf(Float32Array.from([0, 1, 2, 3, 4, 5]));
  const strided = makeZip([
    { name: 'm/data.pkl', data: tensorPickle('w', 'FloatStorage', 6, 1, [2, 2], [1, 2]) },
    { name: 'm/data/0', data: storage },
  ]);
  const w = parsePytorchBin(strided, 'x.bin').get('w')!;
  assert.deepEqual({ shape: w.shape, data: Array.from(w.data) }, { shape: [2, 2], data: [1, 3, 2, 4] });

  const bigEndian = Uint8Array.from(storage);
  for (let i = 0; i < bigEndian.length; i += 4) bigEndian.subarray(i, i + 4).reverse();
  const swapped = makeZip([
    { name: 'm/data.pkl', data: tensorPickle('w', 'FloatStorage', 6, 0, [6], [1]) },
    { name: 'm/byteorder', data: Buffer.from('big') },
    { name: 'm/data/0', data: bigEndian },
  ]);
  assert.deepEqual(Array.from(parsePytorchBin(swapped, 'x.bin').get('w')!.data), [0, 1, 2, 3, 4, 5]);

  const longs = makeZip([
    { name: 'm/data.pkl', data: tensorPickle('ids', 'LongStorage', 2, 0, [2], [1]) },
    { name: 'm/data/0', data: bytesOf(BigInt64Array.from([1n, 1n << 40n])) },
  ]);
  throwsOneLine(() => parsePytorchBin(longs, 'x.bin'), "x.bin: tensor 'ids': int64 value 1099511627776 at index 1 does not fit in int32");
});

test('damaged archives fail with one line naming the file and the part at fault', () => {
  const pkl = tensorPickle('w', 'FloatStorage', 2, 0, [2], [1]);
  const storage = bytesOf(Float32Array.from([1, 2]));
  const zip = (...items: ZipItem[]): Uint8Array => makeZip(items);
  const cases: [Uint8Array, string | RegExp][] = [
    [Buffer.from('hello world'), 'x.bin: not a PyTorch checkpoint (neither a torch.save zip archive nor a pickle)'],
    [Buffer.from('PK\x03\x04'), 'x.bin: 4 bytes, too short for a zip archive'],
    [readFileSync(fixture('state-dict.bin')).subarray(0, 1200), 'x.bin: no zip end-of-directory record (truncated or not a zip archive)'],
    [zip({ name: 'm/other.txt', data: storage }), 'x.bin: zip archive has no data.pkl (not a torch.save file)'],
    [zip({ name: 'm/data.pkl', data: pkl }), "x.bin: storage 'm/data/0' is missing from the archive"],
    [
      zip({ name: 'm/data.pkl', data: pkl }, { name: 'm/data/0', data: storage.subarray(0, 4) }),
      "x.bin: tensor 'w': storage '0' has 4 bytes, expected 8 (2 F32)",
    ],
    [
      zip({ name: 'm/data.pkl', data: tensorPickle('w', 'FloatStorage', 2, 1, [2], [1]) }, { name: 'm/data/0', data: storage }),
      "x.bin: tensor 'w': shape [2] at offset 1 reaches past its storage (2 elements)",
    ],
    [zip({ name: 'm/data.pkl', data: pkl }, { name: 'm/byteorder', data: Buffer.from('middle') }), "x.bin: unknown byteorder 'middle'"],
    [zip({ name: 'm/data.pkl', data: pkl, method: 12 }), "x.bin: zip entry 'm/data.pkl': unsupported compression method 12"],
    [zip({ name: 'm/data.pkl', data: pkl, flags: 1 }), "x.bin: zip entry 'm/data.pkl' is encrypted"],
    [zip({ name: 'm/data.pkl', data: Uint8Array.from([0x80, 2, 0x5d, 0x2e]) }), 'x.bin: the checkpoint is not a dict of tensors'],
  ];
  for (const [bytes, message] of cases) throwsOneLine(() => parsePytorchBin(bytes, 'x.bin'), message);

  const deflated = Buffer.from(zip({ name: 'm/data.pkl', data: pkl, method: 8 }));
  deflated[30 + 'm/data.pkl'.length] = 0xff; // first byte of the deflate stream: an invalid block type
  throwsOneLine(() => parsePytorchBin(deflated, 'x.bin'), /^x\.bin: zip entry 'm\/data\.pkl': cannot inflate \(.+\)$/);

  const zip64WithoutLocator = Buffer.from(zip({ name: 'm/data.pkl', data: pkl }));
  zip64WithoutLocator.writeUInt32LE(0xffffffff, zip64WithoutLocator.length - 6);
  throwsOneLine(() => parsePytorchBin(zip64WithoutLocator, 'x.bin'), 'x.bin: zip64 locator missing');

  const badLocal = Buffer.from(zip({ name: 'm/data.pkl', data: pkl }));
  badLocal.writeUInt16LE(0, 2);
  throwsOneLine(() => parsePytorchBin(badLocal, 'x.bin'), "x.bin: zip entry 'm/data.pkl': local header is corrupt");

  const oneEntry = zip({ name: 'm/data.pkl', data: pkl });
  const extraCount = Buffer.from(oneEntry);
  extraCount.writeUInt16LE(2, extraCount.length - 12);
  throwsOneLine(() => parsePytorchBin(extraCount, 'x.bin'), 'x.bin: zip directory entry 1 is corrupt');

  const longEntry = Buffer.from(oneEntry);
  const directoryStart = longEntry.readUInt32LE(longEntry.length - 6);
  longEntry.writeUInt32LE(100_000, directoryStart + 20);
  longEntry.writeUInt32LE(100_000, directoryStart + 24);
  throwsOneLine(() => parsePytorchBin(longEntry, 'x.bin'), /^x\.bin: zip entry 'm\/data\.pkl': data \(100000 bytes at 40\) overruns the file \(\d+ bytes\)$/);

  const overrun = Buffer.from(zip({ name: 'm/data.pkl', data: pkl }));
  overrun.writeUInt32LE(1_000_000, overrun.length - 6);
  throwsOneLine(() => parsePytorchBin(overrun, 'x.bin'), /^x\.bin: zip directory \(1000000\+\d+\) overruns the file \(\d+ bytes\)$/);
});

test('damaged legacy files fail naming the file', () => {
  const legacy = readFileSync(fixture('state-dict-legacy.bin'));
  throwsOneLine(
    () => parsePytorchBin(legacy.subarray(0, legacy.length - 10), 'old.bin'),
    /^old\.bin: storage '\d+' \(\d+ bytes at \d+\) overruns the file \(\d+ bytes\)$/,
  );
  throwsOneLine(() => parsePytorchBin(Uint8Array.from([0x80, 2, 0x8a, 1, 5, 0x2e]), 'old.bin'), 'old.bin: not a PyTorch checkpoint (wrong magic number)');
  const magic = legacy.subarray(0, 15);
  throwsOneLine(() => parsePytorchBin(Buffer.concat([magic, Buffer.from([0x80, 2, 0x4b, 7, 0x2e])]), 'old.bin'), 'old.bin: unsupported legacy protocol 7');
});

test('decompression bombs: a storage is never inflated past the size its pickle states, whatever the archive declares', () => {
  const zeros = new Uint8Array(64 << 20);
  const pickle = tensorPickle('w', 'FloatStorage', 32, 0, [32], [1]);
  // The directory declares 64 MB for a storage the pickle says holds 128 bytes: refused before inflating.
  const honest = makeZip([
    { name: 'm/data.pkl', data: pickle },
    { name: 'm/data/0', data: zeros, method: 8 },
  ]);
  assert.ok(honest.byteLength < 100_000);
  throwsOneLine(() => parsePytorchBin(honest, 'bomb.bin'), "bomb.bin: tensor 'w': storage '0' has 67108864 bytes, expected 128 (32 F32)");
  // The directory lies (128 bytes): inflation stops one byte past it.
  const lying = makeZip([
    { name: 'm/data.pkl', data: pickle },
    { name: 'm/data/0', data: zeros, method: 8, declaredSize: 128 },
  ]);
  throwsOneLine(() => parsePytorchBin(lying, 'bomb.bin'), "bomb.bin: zip entry 'm/data/0': cannot inflate (inflates past its declared 128 bytes)");
  // A pickle entry that declares more than deflate can produce from its compressed bytes.
  const claims = makeZip([{ name: 'm/data.pkl', data: pickle, method: 8, declaredSize: 100_000_000 }]);
  throwsOneLine(
    () => parsePytorchBin(claims, 'bomb.bin'),
    /^bomb\.bin: zip entry 'm\/data\.pkl': declares 100000000 bytes from \d+ compressed, more than deflate can hold$/,
  );
  const huge = makeZip([{ name: 'm/data.pkl', data: pickle, declaredSize: 0xfffffff0 }]);
  throwsOneLine(() => parsePytorchBin(huge, 'bomb.bin'), 'bomb.bin: m/data.pkl declares 4294967280 bytes, over the 268435456-byte limit');
});
