// Tests for the restricted pickle reader and torch's allow-list: accepted opcodes, refused globals, calls and opcodes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FinetuneError } from '../errors.js';
import { unpickle, type PickleHooks, type PickleValue } from './pickle.js';
import { torchPickleHooks } from './torch-pickle.js';
import { throwsOneLine } from './test-support.js';

const ascii = (text: string): number[] => [...Buffer.from(text, 'utf8')];
const u32 = (value: number): number[] => [value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, value >>> 24];
const str = (text: string): number[] => [0x58, ...u32(Buffer.byteLength(text)), ...ascii(text)];
const global = (module: string, name: string): number[] => [0x63, ...ascii(`${module}\n${name}\n`)];
const pickle = (...parts: number[][]): Uint8Array => Uint8Array.from([0x80, 2, ...parts.flat(), 0x2e]);

const MARK = [0x28];
const TUPLE = [0x74];
const REDUCE = [0x52];
const EMPTY_TUPLE = [0x29];

/** Hooks that refuse every global: the reader must still handle plain data. */
const noGlobals: PickleHooks = {
  findGlobal: (module, name) => {
    throw new FinetuneError(`no ${module} ${name}`);
  },
  persistentLoad: () => {
    throw new FinetuneError('no persistent ids');
  },
  reduce: () => {
    throw new FinetuneError('no calls');
  },
  build: () => {
    throw new FinetuneError('no build');
  },
};

const load = (bytes: Uint8Array, hooks: PickleHooks = torchPickleHooks('x.bin')): PickleValue => unpickle(bytes, 0, hooks, 'x.bin').value;

test('plain data: ints of every width, floats, strings, tuples, lists, dicts and the memo', () => {
  const bytes = pickle(
    [0x7d, 0x71, 0], // EMPTY_DICT, BINPUT 0
    MARK,
    str('ints'),
    MARK,
    [0x4b, 200],
    [0x4d, 0x34, 0x12],
    [0x4a, ...u32(-5 >>> 0)],
    [0x8a, 1, 0xff],
    [0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    TUPLE,
    [0x8c, 5, ...ascii('float')],
    [0x47, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
    str('list'),
    [0x5d, 0x94],
    [0x4b, 1],
    [0x61],
    MARK,
    [0x88],
    [0x89],
    [0x4e],
    [0x65],
    str('pair'),
    [0x4b, 1],
    [0x4b, 2],
    [0x86],
    str('again'),
    [0x68, 1], // BINGET 1: the list memoised by MEMOIZE (memo size was 1)
    [0x75], // SETITEMS
    [0x95, 0, 0, 0, 0, 0, 0, 0, 0], // FRAME, ignored
  );
  const value = load(bytes, noGlobals) as Map<string, PickleValue>;
  assert.deepEqual(value.get('ints'), [200, 0x1234, -5, -1, 2n ** 64n]);
  assert.equal(value.get('float'), 1.5);
  assert.deepEqual(value.get('list'), [1, true, false, null]);
  assert.deepEqual(value.get('pair'), [1, 2]);
  assert.equal(value.get('again'), value.get('list'));
});

test('refuses any global outside the allow-list, by GLOBAL or STACK_GLOBAL', () => {
  throwsOneLine(() => load(pickle(global('os', 'system'), str('echo pwned'), [0x85], REDUCE)), "x.bin: refusing to load 'os system': only tensors are allowed");
  throwsOneLine(
    () => load(pickle([0x8c, 8, ...ascii('builtins'), 0x8c, 4, ...ascii('eval'), 0x93])),
    "x.bin: refusing to load 'builtins eval': only tensors are allowed",
  );
  throwsOneLine(() => load(pickle(global('torch', 'load'))), "x.bin: refusing to load 'torch load': only tensors are allowed");
});

test('refuses opcodes that build arbitrary objects', () => {
  // INST, OBJ, NEWOBJ, EXT1 and the text PERSID would all let a pickle reach code.
  for (const opcode of [0x69, 0x6f, 0x81, 0x82, 0x50]) {
    throwsOneLine(() => load(pickle([opcode])), `x.bin: refusing pickle opcode 0x${opcode.toString(16)} at byte 2: only tensors are allowed`);
  }
});

test('refuses calls and state on anything but the rebuild functions', () => {
  throwsOneLine(
    () => load(pickle(global('torch', 'FloatStorage'), EMPTY_TUPLE, REDUCE)),
    "x.bin: refusing to load a call of 'torch FloatStorage': only tensors are allowed",
  );
  throwsOneLine(() => load(pickle([0x5d], [0x7d], [0x62])), 'x.bin: refusing to load state (a dict) for a tuple: only tensors are allowed');
  throwsOneLine(
    () => load(pickle(global('torch._utils', '_rebuild_tensor_v2'), MARK, str('not a storage'), TUPLE, REDUCE)),
    'x.bin: refusing to load a tensor without a storage: only tensors are allowed',
  );
  throwsOneLine(
    () => load(pickle(global('torch._utils', '_rebuild_parameter'), MARK, [0x4e], TUPLE, REDUCE)),
    'x.bin: refusing to load a parameter without a tensor: only tensors are allowed',
  );
  throwsOneLine(
    () => load(pickle(global('collections', 'OrderedDict'), MARK, [0x4b, 1], TUPLE, REDUCE)),
    'x.bin: refusing to load an OrderedDict built from a non-list: only tensors are allowed',
  );
});

test('persistent ids must name a storage of a known type', () => {
  const id = (...items: number[][]): Uint8Array => pickle(MARK, ...items, TUPLE, [0x51]);
  throwsOneLine(() => load(id(str('module'))), 'x.bin: refusing to load persistent id a tuple: only tensors are allowed');
  throwsOneLine(
    () => load(id(str('storage'), global('collections', 'OrderedDict'), str('0'), str('cpu'), [0x4b, 1])),
    'x.bin: refusing to load storage id "0": only tensors are allowed',
  );
  throwsOneLine(
    () => load(id(str('storage'), global('torch', 'FloatStorage'), str('0'), str('cpu'), [0x4b, 4], MARK, str('v'), [0x4b, 0], [0x4b, 1], TUPLE)),
    "x.bin: refusing to load a view of storage '0' (torch before 0.4): only tensors are allowed",
  );
  const storage = load(id(str('storage'), global('torch', 'HalfStorage'), str('7'), str('cpu'), [0x4b, 4]));
  assert.deepEqual(storage, { kind: 'storage', dtype: 'F16', key: '7', numel: 4 });
});

test('a tensor with malformed arguments is refused naming its storage', () => {
  const bytes = pickle(
    global('torch._utils', '_rebuild_tensor_v2'),
    MARK,
    MARK,
    str('storage'),
    global('torch', 'FloatStorage'),
    str('3'),
    str('cpu'),
    [0x4b, 2],
    TUPLE,
    [0x51],
    [0x4b, 0],
    MARK,
    [0x4b, 2],
    TUPLE,
    EMPTY_TUPLE,
    TUPLE,
    REDUCE,
  );
  throwsOneLine(() => load(bytes), "x.bin: malformed tensor arguments for storage '3'");
});

test('malformed streams fail with the byte position', () => {
  throwsOneLine(() => load(Uint8Array.from([0x80, 2, 0x58, 10, 0, 0, 0, 0x61])), 'x.bin: malformed pickle at byte 7: data ends unexpectedly');
  throwsOneLine(() => load(pickle([0x73])), 'x.bin: malformed pickle at byte 3: stack underflow');
  throwsOneLine(() => load(pickle([0x68, 9])), 'x.bin: malformed pickle at byte 4: memo 9 is not set');
  throwsOneLine(() => load(pickle([0x74])), 'x.bin: malformed pickle at byte 3: no mark on the stack');
  throwsOneLine(() => load(pickle(MARK, [0x85])), 'x.bin: malformed pickle at byte 4: unexpected mark');
  throwsOneLine(() => load(pickle([0x5d], MARK, [0x4b, 1], [0x75])), 'x.bin: malformed pickle at byte 7: SETITEMS with an odd number of items');
  throwsOneLine(() => load(pickle([0x7d], [0x4b, 1], [0x61])), 'x.bin: malformed pickle at byte 6: APPEND target is not a list');
  throwsOneLine(() => load(pickle([0x58, 2, 0, 0, 0, 0xff, 0xfe])), 'x.bin: malformed pickle at byte 9: invalid UTF-8 string');
  throwsOneLine(() => load(Uint8Array.from([0x80, 2, 0x63, 0x6f, 0x73])), 'x.bin: malformed pickle at byte 3: unterminated line');
});
