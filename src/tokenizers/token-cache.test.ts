// Token stores and their disk cache: the same rows as encodeTexts, flat arrays, hits only for the same texts, tokenizer and max length.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FinetuneError } from '../errors.js';
import { encodeTexts } from '../tasks/text-inputs.js';
import { loadTokenizer } from './load.js';
import { encodeCached, finetuneCacheDir, tokenCacheKey, tokenizerFingerprint } from './token-cache.js';
import { encodeToStore, storeRows } from './token-store.js';
import type { TextTokenizer } from './types.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-tokens-'));
after(() => rmSync(root, { recursive: true, force: true }));
const golden = fileURLToPath(new URL('../../../test/golden/models/bert', import.meta.url));

const ITEMS = [
  { text: 'a good film', origin: 'a.csv: line 2' },
  { text: 'Bad, boring and far too long!', textPair: 'really?', origin: 'a.csv: line 3' },
  { text: 'fine', origin: 'a.csv: line 4' },
];

/** A tokenizer whose ids are char codes times `scale`: enough to see widths and fingerprints change. */
function charTokenizer(scale: number): TextTokenizer {
  const encode = (text: string, pair?: string) => {
    const ids = [...text].map((c) => c.codePointAt(0)! * scale);
    const pairIds = pair === undefined ? [] : [...pair].map((c) => c.codePointAt(0)! * scale);
    return { ids: [...ids, ...pairIds], typeIds: [...ids.map(() => 0), ...pairIds.map(() => 1)], attentionMask: [...ids, ...pairIds].map(() => 1) };
  };
  return {
    encode,
    encodeWords: () => {
      throw new Error('not used');
    },
    encodeBatch: (texts) => texts.map((t) => encode(t)),
    padId: 0,
    vocabSize: 3,
    tokenToId: () => undefined,
    idToToken: (id) => String(id),
    save: async () => {},
  };
}

describe('token store', () => {
  it('holds the rows encodeTexts gives, in flat arrays, and reads like an array', async () => {
    const tokenizer = await loadTokenizer(golden);
    const expected = encodeTexts(ITEMS, tokenizer, { maxLength: 8 });
    const store = encodeToStore(ITEMS, tokenizer, 8);
    assert.ok(store.ids instanceof Uint16Array);
    assert.equal(store.offsets.length, ITEMS.length + 1);
    const rows = storeRows(store);
    assert.equal(rows.length, 3);
    assert.deepEqual([...rows], expected.inputIds);
    assert.deepEqual(
      rows.map((r) => r.length),
      expected.inputIds.map((r) => r.length),
    );
    assert.deepEqual([...storeRows(store, true)], expected.typeIds);
    assert.equal(rows[3], undefined);
    assert.equal(2 in rows, true);
    assert.equal(3 in rows, false);
  });

  it('keeps 32-bit ids when they do not fit 16 bits, and names a text that gives no tokens', () => {
    assert.ok(encodeToStore([{ text: 'ab' }], charTokenizer(1000), 8).ids instanceof Int32Array);
    assert.deepEqual([...storeRows(encodeToStore([{ text: 'ab' }], charTokenizer(1000), 8))], [Int32Array.from([97000, 98000])]);
    assert.equal(encodeToStore([{ text: 'ab' }], charTokenizer(1), 8).typeIds, null);
    assert.throws(
      () => encodeToStore([{ text: 'a' }, { text: '', origin: 'a.csv: line 3' }], charTokenizer(1), 8),
      (e) => e instanceof FinetuneError && e.message === 'a.csv: line 3: the text gives no tokens',
    );
  });
});

describe('token cache', () => {
  it('misses, then hits with the same rows; another max length, text or tokenizer misses', async () => {
    const tokenizer = await loadTokenizer(golden);
    const cacheDir = join(root, 'cache');
    const first = encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir });
    assert.equal(first.hit, false);
    assert.equal(first.warning, undefined);
    const second = encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir });
    assert.equal(second.hit, true);
    assert.deepEqual([...storeRows(second.store)], [...storeRows(first.store)]);
    assert.deepEqual([...storeRows(second.store, true)], [...storeRows(first.store, true)]);
    assert.equal(encodeCached(ITEMS, tokenizer, { maxLength: 6, cacheDir }).hit, false);
    assert.equal(encodeCached([...ITEMS.slice(0, 2), { text: 'fine!' }], tokenizer, { maxLength: 8, cacheDir }).hit, false);
    // The same characters split differently between text and pair are other inputs.
    const fp = tokenizerFingerprint(tokenizer);
    assert.notEqual(tokenCacheKey([{ text: 'ab', textPair: 'c' }], fp, 8), tokenCacheKey([{ text: 'a', textPair: 'bc' }], fp, 8));
    assert.notEqual(tokenizerFingerprint(charTokenizer(1)), tokenizerFingerprint(charTokenizer(2)));
    assert.equal(encodeCached(ITEMS, charTokenizer(1), { maxLength: 8, cacheDir }).hit, false);
  });

  it('a broken entry is a miss and is written again; an unwritable folder is a notice, not a failure', async () => {
    const tokenizer = await loadTokenizer(golden);
    const cacheDir = join(root, 'broken');
    encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir });
    const [entry] = readdirSync(join(cacheDir, 'tokens'));
    truncateSync(join(cacheDir, 'tokens', entry!), 40);
    assert.equal(encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir }).hit, false);
    assert.equal(encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir }).hit, true);
    const locked = join(root, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      const result = encodeCached(ITEMS, tokenizer, { maxLength: 8, cacheDir: join(locked, 'cache') });
      assert.equal(result.hit, false);
      // root may write anywhere: then there is no notice to give.
      if (result.warning !== undefined) assert.match(result.warning, /^token cache not written \(EACCES\): /);
      assert.deepEqual([...storeRows(result.store)], [...storeRows(encodeToStore(ITEMS, tokenizer, 8))]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it('lives under $FINETUNE_CACHE, else $XDG_CACHE_HOME/finetune, else ~/.cache/finetune', () => {
    assert.equal(finetuneCacheDir({ FINETUNE_CACHE: '/c' }), '/c');
    assert.equal(finetuneCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/finetune');
    assert.match(finetuneCacheDir({}), /\.cache\/finetune$/);
  });
});
