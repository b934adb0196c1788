// Token stores cached on disk by content hash (texts, tokenizer, max length), so a second run on the same data starts without tokenizing.
//
// As Hugging Face datasets caches `map`: the key hashes what decides the result, so a changed
// file, column, split, tokenizer or max length is a different entry, never a stale one.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { encodeToStore, type StoreItem, type TokenStore } from './token-store.js';
import type { TextTokenizer } from './types.js';

/** Bumped when the file layout or the key changes, so old entries are never read. */
const FORMAT = 'finetune-tokens-1';
const MAGIC = 0x544b4e31; // "TKN1"
const HEADER_BYTES = 32;

/** The cache folder: `$FINETUNE_CACHE`, else `$XDG_CACHE_HOME/finetune`, else `~/.cache/finetune`. `FINETUNE_TOKEN_CACHE=0` turns the token cache off. */
export function finetuneCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = env['FINETUNE_CACHE'];
  if (own !== undefined && own !== '') return own;
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'finetune');
}

// Texts that tell tokenizers apart beyond their vocabularies: case, accents, CJK, punctuation, digits, spaces, pairs.
const PROBES: readonly (readonly [string, string?])[] = [
  ['Hello, World! The QUICK brown fox; résumé naïve Ærøskøbing 東京 123,456.78'],
  ['  leading and   trailing spaces\tand\ttabs  ', "isn't it? (yes) [maybe] {no} <s> [CLS] @user #tag"],
  ['unaffable tokenization re-encoding straße ﬁne ½ — “quotes” 😀'],
];

/** What decides a tokenizer's output: its vocabulary, padding id and the encodings of probe texts. */
export function tokenizerFingerprint(tokenizer: TextTokenizer): string {
  const hash = createHash('sha256');
  hash.update(`${tokenizer.vocabSize}\0${tokenizer.padId}\0${tokenizer.modelMaxLength ?? ''}\0`);
  for (let id = 0; id < tokenizer.vocabSize; id++) hash.update(`${tokenizer.idToToken(id) ?? ''}\0`);
  for (const [text, pair] of PROBES) {
    const encoding = tokenizer.encode(text, pair);
    hash.update(`${encoding.ids.join(',')}|${encoding.typeIds.join(',')}\n`);
  }
  return hash.digest('hex');
}

function updateItems(hash: Hash, items: readonly StoreItem[]): void {
  // Lengths first, so no two different lists of texts hash alike.
  for (const item of items) {
    hash.update(`${item.text.length}:${item.textPair === undefined ? -1 : item.textPair.length}:`);
    hash.update(item.text);
    if (item.textPair !== undefined) hash.update(item.textPair);
  }
}

/** The cache key of encoding `items` with a tokenizer (by fingerprint) at `maxLength`. */
export function tokenCacheKey(items: readonly StoreItem[], fingerprint: string, maxLength: number): string {
  const hash = createHash('sha256');
  hash.update(`${FORMAT}\0${fingerprint}\0${maxLength}\0${items.length}\0`);
  updateItems(hash, items);
  return hash.digest('hex');
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Serializes a store: a 32-byte header (magic, count, total, id width, pairs), then offsets, ids and segment ids, each 8-byte aligned. */
function serialize(store: TokenStore): Uint8Array[] {
  const header = new DataView(new ArrayBuffer(HEADER_BYTES));
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, store.count, true);
  header.setFloat64(8, store.ids.length, true);
  header.setUint32(16, store.ids.BYTES_PER_ELEMENT, true);
  header.setUint32(20, store.typeIds === null ? 0 : 1, true);
  const parts: Uint8Array[] = [new Uint8Array(header.buffer)];
  for (const array of [store.offsets, store.ids, ...(store.typeIds ? [store.typeIds] : [])]) {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    parts.push(bytes, new Uint8Array(align8(bytes.byteLength) - bytes.byteLength));
  }
  return parts;
}

/** Reads a cached store; undefined when the file is missing, short or not one (a broken entry is a miss). */
function readStore(path: string, count: number): TokenStore | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    if (size < HEADER_BYTES) return undefined;
    const buffer = new ArrayBuffer(size);
    const bytes = new Uint8Array(buffer);
    for (let done = 0; done < size; ) {
      const read = readSync(fd, bytes, done, Math.min(size - done, 1 << 30), done);
      if (read === 0) return undefined;
      done += read;
    }
    const header = new DataView(buffer, 0, HEADER_BYTES);
    const total = header.getFloat64(8, true);
    const width = header.getUint32(16, true);
    const pairs = header.getUint32(20, true) === 1;
    if (header.getUint32(0, true) !== MAGIC || header.getUint32(4, true) !== count || (width !== 2 && width !== 4) || !Number.isSafeInteger(total))
      return undefined;
    const offsetsAt = HEADER_BYTES;
    const idsAt = offsetsAt + align8(4 * (count + 1));
    const typesAt = idsAt + align8(width * total);
    if (size !== typesAt + (pairs ? align8(total) : 0)) return undefined;
    const offsets = new Uint32Array(buffer, offsetsAt, count + 1);
    if (offsets[count] !== total) return undefined;
    const ids = width === 2 ? new Uint16Array(buffer, idsAt, total) : new Int32Array(buffer, idsAt, total);
    return { count, ids, offsets, typeIds: pairs ? new Uint8Array(buffer, typesAt, total) : null };
  } finally {
    closeSync(fd);
  }
}

/** Writes a store atomically (a temporary name, then a rename); a failure only costs the next run its head start. */
function writeStore(path: string, store: TokenStore): string | undefined {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(join(path, '..'), { recursive: true });
    // Part by part: one buffer of the whole store would double its memory for a moment.
    const fd = openSync(temporary, 'w');
    try {
      for (const part of serialize(store)) writeSync(fd, part);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    return undefined;
  } catch (error) {
    rmSync(temporary, { force: true });
    return `token cache not written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}): ${path}`;
  }
}

export interface CachedEncodeOptions {
  readonly maxLength: number;
  /** How the data is named in messages (default 'data'). */
  readonly source?: string;
  /** Cache folder (default finetuneCacheDir()); the stores live under `<cacheDir>/tokens/`. */
  readonly cacheDir?: string;
  /** The tokenizer's fingerprint, when already known (default: computed). */
  readonly fingerprint?: string;
}

/** A store and how it was got. */
export interface CachedStore {
  readonly store: TokenStore;
  /** True when it was read from the cache instead of tokenized. */
  readonly hit: boolean;
  /** A notice when the cache could not be written. */
  readonly warning: string | undefined;
}

/** Encodes `items`, or reads their encoding from the cache when the same texts met the same tokenizer and max length before. */
export function encodeCached(items: readonly StoreItem[], tokenizer: TextTokenizer, options: CachedEncodeOptions): CachedStore {
  if (['0', 'off', 'false', 'no'].includes((process.env['FINETUNE_TOKEN_CACHE'] ?? '').toLowerCase())) {
    return { store: encodeToStore(items, tokenizer, options.maxLength, options.source), hit: false, warning: undefined };
  }
  const fingerprint = options.fingerprint ?? tokenizerFingerprint(tokenizer);
  const key = tokenCacheKey(items, fingerprint, options.maxLength);
  const path = join(options.cacheDir ?? finetuneCacheDir(), 'tokens', `${key}.bin`);
  const cached = readStore(path, items.length);
  if (cached) return { store: cached, hit: true, warning: undefined };
  const store = encodeToStore(items, tokenizer, options.maxLength, options.source);
  return { store, hit: false, warning: writeStore(path, store) };
}
