// A seeded mutator for fuzzing readers: byte-level edits of any input and value-level edits of JSON documents.

/** mulberry32: small, fast and the same on every platform, so a case number names its input forever. */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

const INTERESTING_BYTES = [0x00, 0xff, 0x7f, 0x80, 0x01, 0x22, 0x2c, 0x5b, 0x5d, 0x7b, 0x7d, 0x0a, 0x0d, 0x09, 0x5c, 0x3a, 0x30, 0x39, 0x2d, 0xc3];
const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const TOKENS = [
  'null',
  'true',
  '-1',
  '0',
  '1e308',
  '-0',
  '1.5',
  '"',
  '\\u0000',
  '{}',
  '[]',
  '[[[[[[[[',
  '}}}}',
  ',',
  ':',
  '"__proto__"',
  '\n',
  '\r\n',
  '\t',
  '""',
  '\ufeff',
  '\ud800',
  'NaN',
  '9007199254740993',
  '\u0085',
  '€',
  '---\n',
  '!!binary ',
  '&a ',
  '*a',
  '? ',
  '|\n',
  '>-\n',
  '%YAML 1.2\n',
];

/** Applies 1 to 4 random byte-level edits to a copy of `input`. */
export function mutateBytes(input: Uint8Array, rng: FuzzRandom): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  const edits = 1 + rng.below(4);
  for (let e = 0; e < edits; e++) {
    const at = bytes.length === 0 ? 0 : rng.below(bytes.length);
    switch (rng.below(9)) {
      case 0:
        if (bytes.length) bytes[at] = bytes[at]! ^ (1 << rng.below(8));
        break; // flip a bit
      case 1:
        if (bytes.length) bytes[at] = rng.pick(INTERESTING_BYTES);
        break;
      case 2:
        if (bytes.length) bytes[at] = rng.below(256);
        break;
      case 3: {
        // overwrite 4 bytes with an interesting little-endian number
        if (bytes.length < 4) break;
        const where = rng.below(bytes.length - 3);
        new DataView(bytes.buffer).setUint32(where, rng.pick(INTERESTING_U32), true);
        break;
      }
      case 4: {
        // delete a range
        const length = 1 + rng.below(Math.min(64, Math.max(1, bytes.length - at)));
        bytes = concat(bytes.subarray(0, at), bytes.subarray(at + length));
        break;
      }
      case 5: {
        // duplicate a range
        const length = 1 + rng.below(Math.min(64, Math.max(1, bytes.length - at)));
        bytes = concat(bytes.subarray(0, at + length), bytes.subarray(at, at + length), bytes.subarray(at + length));
        break;
      }
      case 6: // insert a token
        bytes = concat(bytes.subarray(0, at), new TextEncoder().encode(rng.pick(TOKENS)), bytes.subarray(at));
        break;
      case 7: // truncate
        bytes = bytes.subarray(0, at);
        break;
      default: {
        // insert random bytes
        const extra = new Uint8Array(1 + rng.below(16));
        for (let i = 0; i < extra.length; i++) extra[i] = rng.below(256);
        bytes = concat(bytes.subarray(0, at), extra, bytes.subarray(at));
      }
    }
  }
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const INTERESTING_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1,
  2,
  0.5,
  -0.5,
  1e-300,
  1e9,
  1e308,
  -1e308,
  2 ** 31,
  2 ** 32,
  2 ** 53,
  100000,
  2147483648,
  1e12,
  '',
  'x',
  '__proto__',
  'constructor',
  'gelu',
  'relu',
  'none',
  'all',
  '-1',
  '1e9',
  [],
  {},
  [1, 2],
  [-1],
  [[]],
  { a: 1 },
  { __proto__: null },
];

function mutateValue(value: unknown, rng: FuzzRandom, depth: number): unknown {
  if (depth > 0 && rng.below(4) === 0) return structuredClone(rng.pick(INTERESTING_VALUES));
  if (Array.isArray(value)) {
    if (value.length === 0 || rng.below(5) === 0) return rng.below(2) === 0 ? [] : [...value, structuredClone(rng.pick(INTERESTING_VALUES))];
    const copy = [...value];
    const i = rng.below(copy.length);
    if (rng.below(6) === 0) copy.splice(i, 1);
    else copy[i] = mutateValue(copy[i], rng, depth + 1);
    return copy;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return { [rng.pick(['a', '__proto__', 'type', 'model_type'])]: structuredClone(rng.pick(INTERESTING_VALUES)) };
    const i = rng.below(entries.length);
    const choice = rng.below(8);
    if (choice === 0) entries.splice(i, 1);
    else if (choice === 1) entries.push([`${entries[i]![0]}_`, structuredClone(rng.pick(INTERESTING_VALUES))]);
    else entries[i] = [entries[i]![0], mutateValue(entries[i]![1], rng, depth + 1)];
    return Object.fromEntries(entries);
  }
  if (typeof value === 'number') return rng.pick([0, -value, value * 1000, value + 1, -1, 1e308, 0.5, 2 ** 31, NaN, value]);
  if (typeof value === 'string') return rng.pick(['', value + value, value.slice(1), 'x', value.toUpperCase(), '\u0000', value]);
  return structuredClone(rng.pick(INTERESTING_VALUES));
}

/** Applies 1 to 3 value-level edits to a JSON document (keys deleted or added, values swapped for odd ones). */
export function mutateJsonValue(document: unknown, rng: FuzzRandom): unknown {
  let value = document;
  const edits = 1 + rng.below(3);
  for (let e = 0; e < edits; e++) value = mutateValue(value, rng, 0);
  return value;
}
