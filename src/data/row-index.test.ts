// The row index against the in-memory reader: the same rows, lines, labels and texts on quoted fields over lines, CRLF, a BOM; errors name the line.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FinetuneError } from '../errors.js';
import { loadDataset } from './load.js';
import { dropDuplicateRows } from './row-index-checks.js';
import { planRowIndex, usesRowIndex } from './row-index-plan.js';
import { indexRows, type RowIndex } from './row-index.js';
import { RowReader } from './row-reader.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-row-index-'));
after(() => rmSync(root, { recursive: true, force: true }));
let files = 0;
function file(text: string, ext = 'csv'): string {
  const path = join(root, `f${files++}.${ext}`);
  writeFileSync(path, text);
  return path;
}

/** The index's rows as the in-memory reader's examples: text, pair, label and origin. */
function examplesOf(path: string, index: RowIndex, plan: ReturnType<typeof planRowIndex>) {
  const reader = new RowReader(path, index, plan.index);
  try {
    return Array.from({ length: index.count }, (_, i) => {
      const row = reader.read(i);
      return {
        text: row.text,
        ...(row.textPair === undefined ? {} : { textPair: row.textPair }),
        label: index.labelNames[index.labels[i]!]!,
        origin: row.origin,
      };
    });
  } finally {
    reader.close();
  }
}

async function sameAsInMemory(path: string, chunkBytes?: number): Promise<RowIndex> {
  const plan = planRowIndex(path, {});
  const index = dropDuplicateRows(indexRows(path, { ...plan.index, ...(chunkBytes === undefined ? {} : { chunkBytes }) })).index;
  const loaded = await loadDataset(path);
  assert.deepEqual(plan.columns, loaded.columns);
  assert.deepEqual(
    examplesOf(path, index, plan),
    loaded.examples.map((e) => ({ text: e.text, ...(e.textPair === undefined ? {} : { textPair: e.textPair }), label: e.label, origin: e.origin })),
  );
  assert.equal(index.report.rowsRead, loaded.report.rowsRead);
  assert.equal(index.report.emptyDropped, loaded.report.emptyDropped);
  return index;
}

const TRICKY =
  'id,text,label\n' +
  '1,"a quoted text, with a comma",pos\n' +
  '2,"over\ntwo lines",neg\n' +
  '3,"doubled ""quotes"" inside",pos\n' +
  '4,  plain text with spaces  ,neg\n' +
  '\n' +
  '5,,pos\n' +
  '6,"over\nthree\nlines",neg\n' +
  '7,a quoted text duplicate,pos\n' +
  '8,a quoted text duplicate,pos\n' +
  '9,"a quoted text duplicate",neg\n' +
  '10,"Hi" she said,pos\n' +
  '11,last row without a line end,neg';

describe('indexRows', () => {
  it('keeps the rows, lines, labels and texts of the in-memory reader: quotes over lines, doubled quotes, blanks, empties, duplicates', async () => {
    const index = await sameAsInMemory(file(TRICKY));
    assert.equal(index.report.blankLines, 1);
    assert.equal(index.report.literalQuotes, 1);
    assert.deepEqual([...index.lines], [2, 3, 5, 6, 9, 12, 14, 15, 16]);
  });

  it('reads CRLF line ends and a UTF-8 byte order mark the same way', async () => {
    const index = await sameAsInMemory(file(`\ufeff${TRICKY.replaceAll('\n', '\r\n')}\r\n`));
    assert.equal(index.count, 9);
  });

  it('reads records across chunk ends, and a record longer than a chunk', async () => {
    const long = 'x'.repeat(500);
    await sameAsInMemory(file(`${TRICKY}\n12,"${long}\n${long}",pos\n`), 16);
  });

  it('reads TSV files and integer-like labels in their canonical spelling', async () => {
    const index = await sameAsInMemory(file('sentence\tlabel\nfirst\t1\nsecond\t0\nthird\t1.0\nfourth\t+0\n', 'tsv'));
    assert.deepEqual(index.labelNames, ['0', '1']);
    assert.deepEqual([...index.labels], [1, 0, 1, 0]);
  });

  it('names the line and row of a row with a missing column, as the in-memory reader does', async () => {
    const path = file('text,label\n"a\nb",pos\nok,neg\nno label here\nfine,pos\n');
    const message = `${path}: line 5 (row 3): 1 comma-separated fields, expected 2 as in the header`;
    // Past the first rows the index finds it; within them the sample read for the columns does.
    assert.throws(
      () => indexRows(path, { source: path, delimiter: ',', columnCount: 2, textAt: 0, pairAt: -1, labelAt: 1 }),
      (error: Error) => error instanceof FinetuneError && error.message === message,
    );
    assert.throws(() => planRowIndex(path, {}), { message });
    await assert.rejects(loadDataset(path), { message });
  });

  it('fails by name on a file of blank lines or with no data rows', () => {
    const blank = file('\n\n');
    assert.throws(() => indexRows(blank, { source: blank, delimiter: ',', columnCount: 2, textAt: 0, pairAt: -1, labelAt: 1 }), /no header row/);
    const header = file('text,label\n');
    assert.throws(() => indexRows(header, { source: header, delimiter: ',', columnCount: 2, textAt: 0, pairAt: -1, labelAt: 1 }), /no data rows/);
  });

  it('reads text pairs', async () => {
    const index = await sameAsInMemory(file('sentence1,sentence2,label\n"a, b",c,entail\nd,"e\nf",contradict\n'));
    assert.equal(index.count, 2);
  });
});

describe('usesRowIndex', () => {
  it('takes plain CSV/TSV files from the size on, never gzip, JSON Lines or lone-CR files', () => {
    const csv = file('text,label\na,b\n');
    assert.equal(usesRowIndex(csv, 0), true);
    assert.equal(usesRowIndex(csv, 1 << 20), false);
    assert.equal(usesRowIndex(file('{"text":"a","label":"b"}\n', 'jsonl'), 0), false);
    assert.equal(usesRowIndex(file('text,label\ra,b\r'), 0), false);
    assert.equal(usesRowIndex(file(Buffer.from('text,label\ncaf\xe9,b\n', 'latin1').toString('latin1')), 0), true);
    const latin1 = join(root, 'latin1.csv');
    writeFileSync(latin1, Buffer.from('text,label\ncaf\xe9,b\n', 'latin1'));
    assert.equal(usesRowIndex(latin1, 0), false);
    assert.equal(usesRowIndex(join(root, 'missing.csv'), 0), false);
  });
});
