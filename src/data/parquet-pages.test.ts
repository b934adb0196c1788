// Parquet page headers: sound files pass, and a damaged header is refused before the reader allocates what it declares.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parquetMetadata } from 'hyparquet';
import { parseParquet } from './parquet.js';
import { implausiblePage } from './parquet-pages.js';

const fixture = (path: string): Uint8Array => Uint8Array.from(readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url)));
const metadataOf = (bytes: Uint8Array) => parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);

describe('parquet page headers', () => {
  it('finds nothing wrong in sound files', () => {
    for (const name of ['reviews', 'pairs', 'topics', 'scores', 'pages-v1', 'pages-v2']) {
      const bytes = fixture(`data/${name}.parquet`);
      assert.equal(implausiblePage(bytes, metadataOf(bytes)), undefined, name);
    }
  });

  it('reads many small pages with nulls, lists, booleans and long runs, in version 1 and 2 data pages', async () => {
    const v1 = await parseParquet(fixture('data/pages-v1.parquet'), 'pages-v1.parquet');
    const v2 = await parseParquet(fixture('data/pages-v2.parquet'), 'pages-v2.parquet');
    assert.deepEqual(v1.columns, ['text', 'label', 'flag', 'tokens', 'same']);
    assert.equal(v1.rows.length, 2000);
    assert.deepEqual(v2.rows, v1.rows);
  });

  it('refuses a page that declares more values than the file can hold, by name, at once', async () => {
    const bytes = fixture('data/reviews.parquet');
    const metadata = metadataOf(bytes);
    const chunk = metadata.row_groups[0]!.columns[0]!.meta_data!;
    // The first page header of the first column starts with field 1 (type) and field 2 (uncompressed size): make that size huge.
    const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
    const damaged = Uint8Array.from(bytes);
    assert.equal(damaged[start], 0x15, 'field 1, i32');
    assert.equal(damaged[start + 2], 0x15, 'field 2, i32');
    damaged.set([0xfe, 0xff, 0xff, 0xff, 0x0f], start + 3);
    assert.match(implausiblePage(damaged, metadata) ?? '', /^row group 1, column 1: /);
    const began = performance.now();
    await assert.rejects(parseParquet(damaged, 'reviews.parquet'), /^FinetuneError: reviews\.parquet: cannot read as Parquet \(the file is damaged/);
    assert.ok(performance.now() - began < 2000);
  });

  for (const name of ['case-38666', 'case-41296']) {
    it(`refuses the saved fuzz input ${name}, which once took seconds and gigabytes (a run far longer than its page)`, async () => {
      const began = performance.now();
      await assert.rejects(parseParquet(fixture(`fuzz/parquet/${name}.bin`), 'case.parquet'), /cannot read as Parquet/);
      assert.ok(performance.now() - began < 2000);
    });
  }
});
