// Token ids of many texts in flat typed arrays with offsets (not an array per text), and a read-only array view over them.
import { FinetuneError } from '../errors.js';
import type { TextTokenizer } from './types.js';

/** One text (and optional pair) to encode, with where it came from for messages. */
export interface StoreItem {
  readonly text: string;
  readonly textPair?: string;
  readonly origin?: string;
}

/**
 * The encodings of `count` texts: text i's ids are `ids[offsets[i]..offsets[i+1])`. Shapes: ids
 * and typeIds [total tokens], offsets [count + 1].
 */
export interface TokenStore {
  readonly count: number;
  /** Uint16Array when every id fits 16 bits (half the memory), else Int32Array. */
  readonly ids: Uint16Array | Int32Array;
  readonly offsets: Uint32Array;
  /** Segment ids (0 or 1), present when any item is a pair. */
  readonly typeIds: Uint8Array | null;
}

/** A growing Int32Array, doubled as needed. */
class Growing {
  data = new Int32Array(1 << 16);
  length = 0;
  push(values: readonly number[]): void {
    if (this.length + values.length > this.data.length) {
      let size = this.data.length * 2;
      while (size < this.length + values.length) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    for (let k = 0; k < values.length; k++) this.data[this.length + k] = values[k]!;
    this.length += values.length;
  }
}

/** Encodes `items` into a store; a text that gives no tokens is a FinetuneError naming its row. */
export function encodeToStore(items: readonly StoreItem[], tokenizer: TextTokenizer, maxLength: number, source = 'data'): TokenStore {
  const pairs = items.some((item) => item.textPair !== undefined);
  const ids = new Growing();
  const types = pairs ? new Growing() : undefined;
  const offsets = new Uint32Array(items.length + 1);
  let maxId = 0;
  items.forEach((item, i) => {
    const encoding = tokenizer.encode(item.text, item.textPair, { maxLength });
    if (encoding.ids.length === 0) throw new FinetuneError(`${item.origin ?? `${source}: example ${i + 1}`}: the text gives no tokens`);
    for (const id of encoding.ids) if (id > maxId) maxId = id;
    ids.push(encoding.ids);
    types?.push(encoding.typeIds);
    if (ids.length > 0xffffffff) throw new FinetuneError(`${source}: more than 4 Gi tokens; split the data set`);
    offsets[i + 1] = ids.length;
  });
  const flat = ids.data.subarray(0, ids.length);
  return {
    count: items.length,
    ids: maxId < 0x10000 ? Uint16Array.from(flat) : flat.slice(),
    offsets,
    typeIds: types ? Uint8Array.from(types.data.subarray(0, types.length)) : null,
  };
}

/** The ids (or segment ids) of item `i` as a fresh Int32Array. */
function row(values: Uint16Array | Int32Array | Uint8Array, offsets: Uint32Array, i: number): Int32Array {
  return Int32Array.from(values.subarray(offsets[i]!, offsets[i + 1]!));
}

/**
 * A read-only `Int32Array[]` over the store (ids, or segment ids with `types`): element i is made
 * when read, so a data set of millions of texts costs its flat arrays, not an object per text.
 */
export function storeRows(store: TokenStore, types = false): readonly Int32Array[] {
  const values = types ? store.typeIds : store.ids;
  if (values === null) throw new FinetuneError('the token store holds no segment ids');
  const { offsets, count } = store;
  return new Proxy([] as Int32Array[], {
    get(target, key, receiver) {
      if (key === 'length') return count;
      if (typeof key === 'string') {
        const index = Number(key);
        if (Number.isInteger(index) && String(index) === key) return index >= 0 && index < count ? row(values, offsets, index) : undefined;
      }
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string' && Number.isInteger(Number(key))) return Number(key) >= 0 && Number(key) < count;
      return Reflect.has(target, key);
    },
    set() {
      return false;
    },
  });
}
