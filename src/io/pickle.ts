// A restricted pickle reader: data opcodes only, with every global, call and persistent id decided by the caller.
//
// It never imports or calls anything: GLOBAL and STACK_GLOBAL ask `hooks.findGlobal`, REDUCE asks
// `hooks.reduce`, BUILD asks `hooks.build`, and opcodes outside the list below are refused. That
// makes loading an untrusted checkpoint as safe as parsing JSON.

import { FinetuneError } from '../errors.js';

/** Values a pickle can produce here: tuples and lists are arrays, dicts are Maps. */
export type PickleValue = null | boolean | number | bigint | string | PickleValue[] | Map<PickleValue, PickleValue> | { readonly [key: string]: unknown };

export interface PickleHooks {
  /** Resolves `module name` or throws (the refusal message is the caller's). */
  findGlobal(module: string, name: string): PickleValue;
  /** Turns a BINPERSID id into a value. */
  persistentLoad(id: PickleValue): PickleValue;
  /** Applies `callable` (a value from findGlobal) to `args`, or throws. */
  reduce(callable: PickleValue, args: PickleValue[]): PickleValue;
  /** Applies BUILD's `state` to `target`; returns the resulting object. */
  build(target: PickleValue, state: PickleValue): PickleValue;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/**
 * Reads one pickle starting at `start` and returns its value and the offset just past its STOP.
 * `name` prefixes every error (the file name).
 */
export function unpickle(bytes: Uint8Array, start: number, hooks: PickleHooks, name: string): { value: PickleValue; end: number } {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let position = start;

  const fail = (problem: string): never => {
    throw new FinetuneError(`${name}: malformed pickle at byte ${position}: ${problem}`);
  };
  const need = (count: number): number => {
    if (position + count > bytes.byteLength) fail('data ends unexpectedly');
    const at = position;
    position += count;
    return at;
  };
  const text = (length: number): string => {
    const at = need(length);
    try {
      return decoder.decode(bytes.subarray(at, at + length));
    } catch {
      return fail('invalid UTF-8 string');
    }
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, position);
    if (end < 0) fail('unterminated line');
    const value = new TextDecoder('latin1').decode(bytes.subarray(position, end));
    position = end + 1;
    return value;
  };
  const pop = (): PickleValue => {
    const item = stack.pop();
    if (item === undefined) fail('stack underflow');
    if (item === MARK) fail('unexpected mark');
    return item as PickleValue;
  };
  const top = (): PickleValue => {
    const item = stack[stack.length - 1];
    if (item === undefined || item === MARK) fail('stack underflow');
    return item as PickleValue;
  };
  const popToMark = (): PickleValue[] => {
    const mark = stack.lastIndexOf(MARK);
    if (mark < 0) fail('no mark on the stack');
    const items = stack.splice(mark) as PickleValue[];
    items.shift();
    return items;
  };
  const asMap = (value: PickleValue): Map<PickleValue, PickleValue> => (value instanceof Map ? value : fail('SETITEM target is not a dict'));
  const asList = (value: PickleValue): PickleValue[] => (Array.isArray(value) ? value : fail('APPEND target is not a list'));

  for (;;) {
    const opcode = bytes[need(1)]!;
    switch (opcode) {
      case 0x80:
        need(1);
        break; // PROTO
      case 0x95:
        need(8);
        break; // FRAME: framing only matters to streaming readers
      case 0x2e:
        return { value: pop(), end: position }; // STOP
      case 0x28:
        stack.push(MARK);
        break; // MARK
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x74:
        stack.push(popToMark());
        break; // TUPLE
      case 0x85:
        stack.push([pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = pop();
        stack.push([pop(), b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      } // TUPLE3
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4b:
        stack.push(bytes[need(1)]!);
        break; // BININT1
      case 0x4d:
        stack.push(data.getUint16(need(2), true));
        break; // BININT2
      case 0x4a:
        stack.push(data.getInt32(need(4), true));
        break; // BININT
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const length = bytes[need(1)]!;
        const at = need(length);
        let value = 0n;
        for (let i = length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!);
        if (length > 0 && bytes[at + length - 1]! & 0x80) value -= 1n << BigInt(8 * length);
        const small = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
        stack.push(small ? Number(value) : value);
        break;
      }
      case 0x47:
        stack.push(data.getFloat64(need(8), false));
        break; // BINFLOAT (big-endian)
      case 0x58:
        stack.push(text(data.getUint32(need(4), true)));
        break; // BINUNICODE
      case 0x8c:
        stack.push(text(bytes[need(1)]!));
        break; // SHORT_BINUNICODE
      case 0x8d: {
        // BINUNICODE8
        const length = data.getBigUint64(need(8), true);
        if (length > BigInt(bytes.byteLength)) fail('string longer than the data');
        stack.push(text(Number(length)));
        break;
      }
      case 0x71:
        memo.set(bytes[need(1)]!, top());
        break; // BINPUT
      case 0x72:
        memo.set(data.getUint32(need(4), true), top());
        break; // LONG_BINPUT
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const index = opcode === 0x68 ? bytes[need(1)]! : data.getUint32(need(4), true);
        if (!memo.has(index)) fail(`memo ${index} is not set`);
        stack.push(memo.get(index)!);
        break;
      }
      case 0x63: {
        const module = line();
        stack.push(hooks.findGlobal(module, line()));
        break;
      } // GLOBAL
      case 0x93: {
        // STACK_GLOBAL
        const global = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof global !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(hooks.findGlobal(module as string, global as string));
        break;
      }
      case 0x51:
        stack.push(hooks.persistentLoad(pop()));
        break; // BINPERSID
      case 0x52: {
        // REDUCE
        const args = pop();
        if (!Array.isArray(args)) fail('REDUCE arguments are not a tuple');
        stack.push(hooks.reduce(pop(), args as PickleValue[]));
        break;
      }
      case 0x62: {
        const state = pop();
        stack.push(hooks.build(pop(), state));
        break;
      } // BUILD
      case 0x73: {
        const value = pop();
        const key = pop();
        asMap(top()).set(key, value);
        break;
      } // SETITEM
      case 0x75: {
        // SETITEMS
        const items = popToMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const target = asMap(top());
        for (let i = 0; i < items.length; i += 2) target.set(items[i]!, items[i + 1]!);
        break;
      }
      case 0x61: {
        const value = pop();
        asList(top()).push(value);
        break;
      } // APPEND
      case 0x65: {
        const items = popToMark();
        asList(top()).push(...items);
        break;
      } // APPENDS
      default:
        throw new FinetuneError(`${name}: refusing pickle opcode 0x${opcode.toString(16).padStart(2, '0')} at byte ${position - 1}: only tensors are allowed`);
    }
  }
}
