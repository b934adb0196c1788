// Tests for the TF.js graph model reader on small hand-made folders: every stored dtype, shard layouts, node attributes and errors.

import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FinetuneError } from '../../errors.js';
import { readTfjsGraphModel, requireAttr, requireNode, requireWeight } from './graph-model.js';
import { parseInputRef } from './graph-nodes.js';

const NODES = [
  { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } } },
  { name: 'w', op: 'Const', attr: { dtype: { type: 1 }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '2' }, { size: '3' }] } } } } },
  { name: 'mm', op: 'MatMul', input: ['x', 'w'], attr: { transpose_b: { b: true }, T: { type: 1 } } },
  { name: 'split', op: 'SplitV', input: ['mm', '^w'], attr: { num_split: { i: '3' }, ratio: { f: 0.5 } } },
  {
    name: 'conv',
    op: 'Conv2D',
    input: ['split:2'],
    attr: {
      padding: { s: [86, 65, 76, 73, 68] },
      data_format: { s: Buffer.from('NHWC').toString('base64') },
      strides: { list: { s: [], i: ['1', '2', '2', '1'], f: [] } },
      names: { list: { s: ['YQ=='] } },
      flags: { list: { b: [true, false] } },
      empty: { list: { i: [], f: [] } },
      shape: { shape: { unknownRank: true } },
    },
  },
];

// 4-byte float32 [2,3] crossing the 8-byte shards of group 0, then int32 and bool.
const FLOATS = [1.5, -2, 3.25, 0, 1e-7, -1e6];
const INTS = [7, -8, 2147483647];
const BOOLS = [1, 0];

function le32(values: readonly number[], type: 'f' | 'i'): Buffer {
  const buffer = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (type === 'f' ? buffer.writeFloatLE(v, i * 4) : buffer.writeInt32LE(v, i * 4)));
  return buffer;
}

function writeModel(dir: string, edit?: (json: Record<string, unknown>, shards: Map<string, Buffer>) => void): string {
  mkdirSync(dir, { recursive: true });
  const stream = Buffer.concat([le32(FLOATS, 'f'), le32(INTS, 'i'), Buffer.from(BOOLS)]);
  const shards = new Map<string, Buffer>();
  for (let i = 0; i * 8 < stream.length; i++) shards.set(`group1-shard${i + 1}of5`, stream.subarray(i * 8, i * 8 + 8));
  // Group 2: uint8 affine floats, uint16 affine ints (rounded), float16 halves (1, -2, 65504, 2^-24).
  const half = Buffer.alloc(8);
  [0x3c00, 0xc000, 0x7bff, 0x0001].forEach((h, i) => half.writeUInt16LE(h, i * 2));
  const u16 = Buffer.alloc(4);
  u16.writeUInt16LE(3, 0);
  u16.writeUInt16LE(65535, 2);
  shards.set('quantized.bin', Buffer.concat([Buffer.from([0, 10, 255]), u16, half]));
  const json: Record<string, unknown> = {
    format: 'graph-model',
    modelTopology: { node: NODES, library: {}, versions: {} },
    weightsManifest: [
      {
        paths: [...shards.keys()].filter((k) => k.startsWith('group1')),
        weights: [
          { name: 'w', shape: [2, 3], dtype: 'float32' },
          { name: 'ints', shape: [3], dtype: 'int32' },
          { name: 'flags', shape: [2], dtype: 'bool' },
        ],
      },
      {
        paths: ['quantized.bin'],
        weights: [
          { name: 'q8', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -1 } },
          { name: 'q16', shape: [2], dtype: 'int32', quantization: { dtype: 'uint16', scale: 0.5, min: -10 } },
          { name: 'half', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'float16' } },
        ],
      },
    ],
  };
  edit?.(json, shards);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  for (const [name, bytes] of shards) writeFileSync(join(dir, name), bytes);
  return dir;
}

function expectError(dir: string, pattern: RegExp): void {
  assert.throws(
    () => readTfjsGraphModel(dir),
    (error: unknown) => {
      assert.ok(error instanceof FinetuneError, String(error));
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('\n'));
      return true;
    },
  );
}

describe('readTfjsGraphModel', () => {
  const root = mkdtempSync(join(tmpdir(), 'tfjs-graph-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  const fresh = (edit?: Parameters<typeof writeModel>[1]): string => writeModel(join(root, `m${count++}`), edit);

  it('decodes float32, int32, bool and uint8 / uint16 / float16 quantised weights across shards', () => {
    const model = readTfjsGraphModel(fresh());
    assert.equal(model.format, 'graph-model');
    assert.deepEqual([...model.weights.keys()], ['w', 'ints', 'flags', 'q8', 'q16', 'half']);
    const w = requireWeight(model, 'w', [2, 3]);
    assert.equal(w.dtype, 'float32');
    assert.deepEqual(Array.from(w.data), Array.from(Float32Array.from(FLOATS)));
    assert.deepEqual(model.weights.get('ints'), { dtype: 'int32', shape: [3], data: Int32Array.from(INTS) });
    assert.deepEqual(model.weights.get('flags'), { dtype: 'int32', shape: [2], data: Int32Array.from(BOOLS) });
    assert.deepEqual(Array.from(model.weights.get('q8')!.data), Array.from(Float32Array.from([-1, 0, 24.5])));
    assert.deepEqual(model.weights.get('q16'), { dtype: 'int32', shape: [2], data: Int32Array.from([-8, 32758]) });
    assert.deepEqual(Array.from(model.weights.get('half')!.data), [1, -2, 65504, 2 ** -24]);
    // Each weight owns its buffer, so in-place updates stay local.
    assert.equal(w.data.byteOffset, 0);
    assert.equal(w.data.buffer.byteLength, 24);
  });

  it('exposes nodes with inputs and decoded attributes', () => {
    const model = readTfjsGraphModel(join(fresh(), 'model.json'));
    assert.deepEqual(
      model.nodes.map((n) => n.op),
      ['Placeholder', 'Const', 'MatMul', 'SplitV', 'Conv2D'],
    );
    const x = requireNode(model, 'x', 'Placeholder');
    assert.deepEqual(x.attrs['shape'], { kind: 'shape', dims: [-1, 3] });
    assert.deepEqual(x.attrs['dtype'], { kind: 'type', value: 'float32' });
    assert.deepEqual(requireNode(model, 'w').attrs['value'], { kind: 'tensor', dtype: 'float32', dims: [2, 3] });
    assert.equal(requireAttr(model, requireNode(model, 'mm'), 'transpose_b', 'bool').value, true);
    const split = requireNode(model, 'split', 'SplitV');
    assert.deepEqual(split.inputs, ['mm', '^w']);
    assert.deepEqual(parseInputRef(split.inputs[1]!), { node: 'w', output: 0, control: true });
    assert.deepEqual(split.attrs['num_split'], { kind: 'int', value: 3 });
    assert.deepEqual(split.attrs['ratio'], { kind: 'float', value: 0.5 });
    const conv = requireNode(model, 'conv', 'Conv2D');
    assert.deepEqual(parseInputRef(conv.inputs[0]!), { node: 'split', output: 2, control: false });
    assert.equal(requireAttr(model, conv, 'padding', 'string').value, 'VALID');
    assert.equal(requireAttr(model, conv, 'data_format', 'string').value, 'NHWC');
    assert.deepEqual(requireAttr(model, conv, 'strides', 'ints').value, [1, 2, 2, 1]);
    assert.deepEqual(conv.attrs['names'], { kind: 'strings', value: ['a'] });
    assert.deepEqual(conv.attrs['flags'], { kind: 'bools', value: [true, false] });
    assert.deepEqual(conv.attrs['empty'], { kind: 'ints', value: [] });
    assert.deepEqual(conv.attrs['shape'], { kind: 'shape', dims: null });
    assert.throws(() => requireNode(model, 'nope'), /model\.json: graph has no node 'nope'/);
    assert.throws(() => requireNode(model, 'x', 'Const'), /node 'x' is Placeholder, expected Const/);
    assert.throws(() => requireAttr(model, conv, 'padding', 'int'), /node 'conv' attribute 'padding' is string, expected int/);
    assert.throws(() => requireAttr(model, conv, 'dilations', 'ints'), /node 'conv' has no attribute 'dilations'/);
    assert.throws(() => requireWeight(model, 'w', [3, 2]), /weight 'w' has shape \[2,3\], expected \[3,2\]/);
    assert.throws(() => requireWeight(model, 'missing'), /no weight 'missing' in weightsManifest/);
  });

  it('names the shard that is missing, truncated, or the group whose byte count is off', () => {
    expectError(
      fresh((_, shards) => shards.delete('group1-shard3of5')),
      /group1-shard3of5: missing weight shard \(listed in .*model\.json weightsManifest\[0\]\)/,
    );
    expectError(
      fresh((_, shards) => shards.set('group1-shard2of5', shards.get('group1-shard2of5')!.subarray(0, 5))),
      /group1-shard2of5: truncated weight shard \(the shards hold 35 bytes, the weights listed in .*weightsManifest\[0\] need 38\)/,
    );
    expectError(
      fresh((_, shards) => shards.set('quantized.bin', shards.get('quantized.bin')!.subarray(0, 14))),
      /quantized\.bin: truncated weight shard \(the shards hold 14 bytes, .*weightsManifest\[1\] need 15\)/,
    );
    expectError(
      fresh((_, shards) => shards.set('quantized.bin', Buffer.concat([shards.get('quantized.bin')!, Buffer.alloc(3)]))),
      /model\.json weightsManifest\[1\]: the shards hold 18 bytes, 3 more than the listed weights need \(15\)/,
    );
  });

  it('rejects malformed model.json files with one line naming the file and key', () => {
    const cases: [(json: Record<string, unknown>) => void, RegExp][] = [
      [(j) => delete j['modelTopology'], /model\.json: no modelTopology/],
      [(j) => (j['format'] = 'layers-model'), /a TF.js layers model, not a graph model/],
      [(j) => (j['modelTopology'] = { class_name: 'Sequential', config: {} }), /a TF.js layers model, not a graph model \(modelTopology has no node list\)/],
      [(j) => (j['modelTopology'] = { node: [{ name: 'a' }] }), /node 'a' has no op/],
      [
        (j) =>
          (j['modelTopology'] = {
            node: [
              { name: 'a', op: 'X' },
              { name: 'a', op: 'Y' },
            ],
          }),
        /node 'a' is defined twice/,
      ],
      [(j) => (j['modelTopology'] = { node: [{ name: 'a', op: 'X', attr: { t: { type: 99 } } }] }), /node 'a' attr 't': unknown data type 99/],
      [(j) => (j['modelTopology'] = { node: [{ name: 'a', op: 'X', attr: { n: { i: 'x' } } }] }), /node 'a' attr 'n': "x" is not an integer/],
      [(j) => (j['weightsManifest'] = {}), /weightsManifest must be a list of groups/],
      [(j) => (manifest(j)[0]!.weights[0]!.dtype = 'string'), /weightsManifest\[0\]: weight 'w': dtype string is not supported/],
      [(j) => (manifest(j)[0]!.weights[0]!.dtype = 'float64'), /weight 'w': unknown dtype "float64"/],
      [(j) => (manifest(j)[0]!.weights[0]!.shape = [2, -3]), /weight 'w': shape must be a list of non-negative integers/],
      [(j) => (manifest(j)[1]!.weights[0]!.name = 'w'), /weightsManifest\[1\]: weight 'w' is listed twice/],
      [(j) => (manifest(j)[1]!.weights[0]!.quantization = { dtype: 'uint8' }), /weight 'q8': uint8 quantization needs numeric scale and min/],
      [(j) => (manifest(j)[1]!.weights[0]!.quantization = { dtype: 'int4' }), /weight 'q8': unknown quantization dtype "int4"/],
      [(j) => (manifest(j)[1]!.weights[1]!.quantization = { dtype: 'float16' }), /weight 'q16': float16 quantization needs a float32 weight, not int32/],
      [(j) => (manifest(j)[1]!.paths = []), /weightsManifest\[1\]: no shard files listed, but the weights need 15 bytes/],
    ];
    for (const [edit, pattern] of cases)
      expectError(
        fresh((json) => edit(json)),
        pattern,
      );
    const broken = fresh();
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": ');
    expectError(broken, /model\.json: not valid JSON/);
    expectError(join(root, 'absent'), /absent: cannot open \(no such file or folder\)/);
  });
});

interface EditableGroup {
  paths: string[];
  weights: { name: string; dtype: string; shape: number[]; quantization?: unknown }[];
}
function manifest(json: Record<string, unknown>): EditableGroup[] {
  return json['weightsManifest'] as EditableGroup[];
}
