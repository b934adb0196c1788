// Tests for the safetensors reader and writer: files made by the reference library, and every malformed-file error.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawTensor } from './raw-tensor.js';
import { headerLength } from './safetensors-header.js';
import { parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors } from './safetensors.js';
import { throwsOneLine } from './test-support.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/io/', import.meta.url));

interface Expected {
  readonly dtype: string;
  readonly shape: number[];
  readonly data: number[];
}

/** A safetensors file from a header (object or raw text) and data bytes. */
function makeFile(header: object | string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const out = Buffer.alloc(8 + json.length + data.length);
  out.writeBigUInt64LE(BigInt(json.length));
  json.copy(out, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Asserts `run` throws a one-line FinetuneError whose message matches `pattern`. */
const f32 = (shape: number[], offsets: [number, number]): object => ({ dtype: 'F32', shape, data_offsets: offsets });

test('reads every stored dtype as the reference library wrote it', () => {
  const path = join(FIXTURES, 'dtypes.safetensors');
  const { tensors, metadata } = readSafetensors(path);
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'dtypes.expected.json'), 'utf8')) as Record<string, Expected>;
  assert.deepEqual(metadata, { format: 'pt', note: 'fixture' });
  assert.deepEqual([...tensors.keys()].sort(), Object.keys(expected).sort());
  for (const [key, want] of Object.entries(expected)) {
    const got = tensors.get(key)!;
    assert.equal(got.dtype, want.dtype, key);
    assert.deepEqual(got.shape, want.shape, key);
    assert.deepEqual(Array.from(got.data), want.data, key);
  }
  // Each tensor owns its buffer, so updating one in place cannot touch another.
  const f32Data = tensors.get('f32')!.data;
  assert.equal(f32Data.byteLength, f32Data.buffer.byteLength);
});

test('select loads only the chosen keys; the header alone needs no data', () => {
  const path = join(FIXTURES, 'dtypes.safetensors');
  assert.deepEqual([...readSafetensors(path, { select: (key) => key.startsWith('f') }).tensors.keys()].sort(), ['f16', 'f32', 'f64']);
  const header = readSafetensorsHeader(path);
  assert.equal(header.entries.find((entry) => entry.key === 'bf16')?.dtype, 'BF16');
  assert.equal(header.dataStart % 8, 0);
});

test('an int64 value outside int32 fails naming the file and key', () => {
  throwsOneLine(
    () => readSafetensors(join(FIXTURES, 'int64-overflow.safetensors')),
    /int64-overflow\.safetensors: tensor 'big_ids': int64 value 1099511627776 at index 1 does not fit in int32/,
  );
});

test('writes the same bytes as the reference implementation', () => {
  const tensors: Record<string, RawTensor> = {
    'b.weight': { dtype: 'float32', shape: [2, 3], data: Float32Array.from([0, 1, 2, 3, 4, 5], (v) => v / 4) },
    'a.bias': { dtype: 'float32', shape: [2], data: Float32Array.from([-1, 0.5]) },
    ids: { dtype: 'int32', shape: [1, 2], data: Int32Array.from([3, -4]) },
    '10': { dtype: 'float32', shape: [1], data: Float32Array.from([1]) },
    x: { dtype: 'float32', shape: [0, 2], data: new Float32Array(0) },
  };
  const bytes = Buffer.concat(serializeSafetensors(tensors, { format: 'pt' }));
  assert.deepEqual(bytes, readFileSync(join(FIXTURES, 'written-by-python.safetensors')));
});

test('round-trips through a file and leaves no temporary behind', () => {
  const folder = mkdtempSync(join(tmpdir(), 'safetensors-'));
  try {
    const path = join(folder, 'model.safetensors');
    const tensors = new Map<string, RawTensor>([
      ['w', { dtype: 'float32', shape: [3, 1], data: Float32Array.from([1.5, -2, 3e-8]) }],
      ['step', { dtype: 'int32', shape: [], data: Int32Array.from([42]) }],
    ]);
    writeSafetensors(path, tensors);
    const read = readSafetensors(path);
    assert.deepEqual(read.metadata, {});
    assert.deepEqual(read.tensors.get('w'), tensors.get('w'));
    assert.deepEqual(read.tensors.get('step'), tensors.get('step'));
    assert.equal(readFileSync(path).readBigUInt64LE(0) % 8n, 0n);
    assert.deepEqual(parseSafetensors(readFileSync(path), 'mem').tensors.get('w'), tensors.get('w'));
    writeSafetensors(path, { only: { dtype: 'float32', shape: [1], data: Float32Array.from([7]) } }, { format: 'pt' });
    assert.deepEqual([...readSafetensors(path).tensors.keys()], ['only']);
    assert.deepEqual(readdirSync(folder), ['model.safetensors']);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test('the writer refuses inconsistent tensors and metadata', () => {
  const write = (tensors: Record<string, RawTensor>, metadata: Record<string, string> = {}): unknown =>
    serializeSafetensors(tensors, metadata, 'out.safetensors');
  throwsOneLine(
    () => write({ w: { dtype: 'float32', shape: [2, 2], data: new Float32Array(3) } }),
    /out\.safetensors: tensor 'w': shape \[2,2\] needs 4 elements, data has 3/,
  );
  throwsOneLine(
    () => write({ w: { dtype: 'int32', shape: [1], data: new Float32Array(1) } }),
    /out\.safetensors: tensor 'w': dtype int32 does not match its data \(Float32Array\)/,
  );
  throwsOneLine(
    () => write({ __metadata__: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }),
    /out\.safetensors: invalid tensor key '__metadata__'/,
  );
  throwsOneLine(() => write({}, { n: 3 as unknown as string }), /out\.safetensors: __metadata__ 'n' is not a string/);
});

test('malformed files fail with one line naming the file and the key', () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(5), /^bad\.safetensors: file is 5 bytes, too short for a safetensors header$/],
    [
      (() => {
        const b = Buffer.alloc(20);
        b.writeBigUInt64LE(99999n);
        return b;
      })(),
      /^bad\.safetensors: header length 99999 overruns the file \(20 bytes\)$/,
    ],
    [makeFile('{"a": '), /^bad\.safetensors: header is not valid JSON \(.+\)$/],
    [makeFile('[1,2]'), /^bad\.safetensors: header is not a JSON object$/],
    [
      makeFile({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /^bad\.safetensors: tensor 'w' has unknown or unsupported dtype "F8_E4M3"$/,
    ],
    [makeFile({ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, new Uint8Array(4)), /^bad\.safetensors: tensor 'w' has an invalid shape \[-1\]$/],
    [makeFile({ w: { dtype: 'F32', shape: [1], data_offsets: [0] } }, new Uint8Array(4)), /^bad\.safetensors: tensor 'w' has invalid data_offsets \[0\]$/],
    [makeFile({ w: f32([1], [4, 0]) }, new Uint8Array(4)), /^bad\.safetensors: tensor 'w': data_offsets \[4,0\] end before they begin$/],
    [
      makeFile({ w: f32([2, 3], [0, 20]) }, new Uint8Array(20)),
      /^bad\.safetensors: tensor 'w': shape \[2,3\] of F32 needs 24 bytes but data_offsets \[0,20\] hold 20$/,
    ],
    [makeFile({ w: f32([2], [0, 8]) }, new Uint8Array(4)), /^bad\.safetensors: tensor 'w': data_offsets \[0,8\] overrun the data \(4 bytes\)$/],
    [
      makeFile({ a: f32([2], [0, 8]), b: f32([1], [4, 8]) }, new Uint8Array(8)),
      /^bad\.safetensors: tensor 'b': data_offsets \[4,8\] overlap tensor 'a' \[0,8\]$/,
    ],
    [
      makeFile({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, new Uint8Array(12)),
      /^bad\.safetensors: tensor 'b': data_offsets \[8,12\] leave a gap of 4 bytes after tensor 'a'$/,
    ],
    [makeFile({ a: f32([1], [4, 8]) }, new Uint8Array(8)), /^bad\.safetensors: tensor 'a': data_offsets \[4,8\] leave a gap of 4 bytes after the header$/],
    [makeFile({ a: f32([1], [0, 4]) }, new Uint8Array(6)), /^bad\.safetensors: 2 bytes of data after the last tensor$/],
    [makeFile({ __metadata__: { epoch: 3 } }), /^bad\.safetensors: __metadata__ 'epoch' is not a string$/],
    [makeFile({ w: 'F32' }), /^bad\.safetensors: tensor 'w' is not an object$/],
  ];
  for (const [bytes, pattern] of cases) throwsOneLine(() => parseSafetensors(bytes, 'bad.safetensors'), pattern);
});

test('metadata keys stay plain data', () => {
  const { metadata } = parseSafetensors(makeFile('{"__metadata__":{"__proto__":"x","format":"pt"}}'), 'meta.safetensors');
  assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
  assert.deepEqual(Object.entries(metadata), [
    ['__proto__', 'x'],
    ['format', 'pt'],
  ]);
});

test('a header over the reference size limit is refused before it is read', () => {
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(200_000_000n);
  throwsOneLine(() => headerLength(prefix, 300_000_000, 'huge.safetensors'), /^huge\.safetensors: header length 200000000 exceeds the 100000000-byte limit$/);
});

test('errors from files on disk name the path', () => {
  const folder = mkdtempSync(join(tmpdir(), 'safetensors-'));
  try {
    const path = join(folder, 'model.safetensors');
    throwsOneLine(() => readSafetensors(path), new RegExp(`^${path.replace(/[.\\/]/g, '\\$&')}: cannot open \\(no such file\\)$`));
    writeFileSync(path, makeFile({ w: f32([3], [0, 12]) }, new Uint8Array(8)));
    throwsOneLine(() => readSafetensors(path), /model\.safetensors: tensor 'w': data_offsets \[0,12\] overrun the data \(8 bytes\)/);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});
