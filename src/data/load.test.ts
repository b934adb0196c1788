// Tests of loadDataset on real files: every format, detection, cleaning counts, and every bad-input message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadDataset } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
// Compiled tests run from dist/src/data; the committed fixtures stay in the source tree.
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/data');

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('CSV: columns detected, empty rows and duplicates dropped and counted', async () => {
  const path = file('reviews.csv', 'id,review,label\n1,good film,pos\n2,"bad, boring",neg\n3,good film,pos\n4,,neg\n5,  fine  ,pos\n6,meh,\n');
  const { examples, columns, report } = await loadDataset(path);
  assert.deepEqual(columns, { text: 'review', label: 'label' });
  assert.deepEqual(
    examples.map((e) => [e.text, e.label, e.origin]),
    [
      ['good film', 'pos', `${path}: line 2`],
      ['bad, boring', 'neg', `${path}: line 3`],
      ['fine', 'pos', `${path}: line 6`],
    ],
  );
  assert.equal(report.format, 'csv');
  assert.equal(report.rowsRead, 6);
  assert.equal(report.emptyDropped, 2);
  assert.equal(report.duplicatesDropped, 1);
  assert.equal(report.examples, 3);
  assert.deepEqual(
    report.classes.map((c) => [c.label, c.count]),
    [
      ['neg', 1],
      ['pos', 2],
    ],
  );
  assert.deepEqual(report.warnings, [
    `${path}: 2 rows with an empty text or label dropped (first at line 5)`,
    `${path}: 1 exact duplicate row dropped (first at line 4)`,
  ]);
});

test('duplicates can be kept; texts with two labels are counted and kept', async () => {
  const path = file('dups.csv', 'text,label\na,x\na,x\na,y\nb,y\n');
  const kept = await loadDataset(path, { dropDuplicates: false });
  assert.equal(kept.examples.length, 4);
  assert.equal(kept.report.duplicatesDropped, 0);
  const dropped = await loadDataset(path);
  assert.equal(dropped.examples.length, 3);
  assert.equal(dropped.report.conflictingTexts, 1);
  assert.ok(dropped.report.warnings.includes(`${path}: 1 text occurs with different labels (first at line 4)`));
});

test('TSV with CRLF, labels first, a BOM and integer labels written as floats', async () => {
  const path = file('sst.tsv', '\ufefflabel\tsentence\r\n1.0\tit is good\r\n0.0\tit is bad\r\n1.0\t"quoted, with tab\tinside"\r\n');
  const { examples, columns, report } = await loadDataset(path);
  assert.deepEqual(columns, { text: 'sentence', label: 'label' });
  assert.deepEqual(
    examples.map((e) => e.label),
    ['1', '0', '1'],
  );
  assert.equal(examples[2]?.text, 'quoted, with tab\tinside');
  assert.equal(report.format, 'tsv');
  assert.deepEqual(report.warnings, []);
});

test('a Latin-1 CSV is read with a warning in the report', async () => {
  const path = file('latin.csv', Buffer.from('text,label\ncaf\xe9 cr\xe8me,a\nna\xefve,b\n', 'latin1'));
  const { examples, report } = await loadDataset(path);
  assert.deepEqual(
    examples.map((e) => e.text),
    ['café crème', 'naïve'],
  );
  assert.deepEqual(report.warnings, [`${path}: not valid UTF-8 (byte 0xe9 at offset 14); read as Latin-1`]);
});

test('JSONL, NDJSON and JSON arrays, with typed labels', async () => {
  const jsonl = file('d.jsonl', '{"text":"a","label":1}\n\n{"text":"b","label":0}\n{"text":"c","label":true,"x":1}\n');
  const loaded = await loadDataset(jsonl);
  assert.deepEqual(
    loaded.examples.map((e) => [e.text, e.label, e.origin]),
    [
      ['a', '1', `${jsonl}: line 1`],
      ['b', '0', `${jsonl}: line 3`],
      ['c', 'true', `${jsonl}: line 4`],
    ],
  );
  assert.equal(loaded.report.format, 'jsonl');
  const ndjson = file('d.ndjson', '{"content":"x","category":"p"}\n{"content":"y","category":"q"}\n');
  assert.deepEqual((await loadDataset(ndjson)).columns, { text: 'content', label: 'category' });
  const array = file('d.json', '[{"sentence1":"s","sentence2":"t","label":"yes"},{"sentence1":"u","sentence2":"v","label":"no"}]');
  const pairs = await loadDataset(array);
  assert.deepEqual(pairs.columns, { text: 'sentence1', textPair: 'sentence2', label: 'label' });
  assert.deepEqual(pairs.examples[1], { text: 'u', textPair: 'v', label: 'no', origin: `${array}: row 2` });
  assert.equal(pairs.report.format, 'json');
  const jsonAsLines = file('lines.json', '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n');
  assert.equal((await loadDataset(jsonAsLines)).examples.length, 2);
});

test('cells that cannot be texts or labels are errors naming the line and column', async () => {
  await assert.rejects(loadDataset(file('f.jsonl', '{"text":"a","label":1}\n{"text":"b","label":0.5}\n')), {
    name: 'FinetuneError',
    message: `${join(dir, 'f.jsonl')}: line 2: label 0.5 in column 'label' is not a class (a name or an integer); regression targets need labelKind 'number'`,
  });
  await assert.rejects(loadDataset(file('l.jsonl', '{"text":"a","label":["x","y"]}\n')), {
    message: `${join(dir, 'l.jsonl')}: line 1: column 'label' holds a list, expected a label; several labels per row need labelKind 'multi'`,
  });
  await assert.rejects(loadDataset(file('o.jsonl', '{"text":{"t":1},"label":"x"}\n')), {
    message: `${join(dir, 'o.jsonl')}: line 1: column 'text' holds an object, expected text`,
  });
  const numbers = await loadDataset(file('n.jsonl', '{"text":42,"label":"x"}\n{"text":"b","label":"y"}\n'), { textColumn: 'text' });
  assert.equal(numbers.examples[0]?.text, '42');
});

test('Parquet via hyparquet: integer labels, nulls dropped, duplicates counted, pairs detected', async () => {
  const reviews = await loadDataset(join(fixtures, 'reviews.parquet'));
  assert.deepEqual(reviews.columns, { text: 'review', label: 'label' });
  assert.equal(reviews.report.format, 'parquet');
  assert.equal(reviews.report.rowsRead, 6);
  assert.equal(reviews.report.emptyDropped, 1);
  assert.equal(reviews.report.duplicatesDropped, 1);
  assert.deepEqual(
    reviews.examples.map((e) => [e.text, e.label]),
    [
      ['great film', '1'],
      ['dull and long', '0'],
      ['a café scene, très bien', '1'],
      ['awful', '0'],
    ],
  );
  assert.equal(reviews.examples[3]?.origin, `${join(fixtures, 'reviews.parquet')}: row 6`);
  const pairs = await loadDataset(join(fixtures, 'pairs.parquet'));
  assert.deepEqual(pairs.columns, { text: 'premise', textPair: 'hypothesis', label: 'label' });
  assert.equal(pairs.examples.length, 4);
  assert.deepEqual(pairs.examples[3], {
    text: 'it rains',
    textPair: 'the sun shines',
    label: 'contradiction',
    origin: `${join(fixtures, 'pairs.parquet')}: row 4`,
  });
});

test('Parquet problems: unsupported codec, a text file named .parquet', async () => {
  const zstd = join(fixtures, 'reviews-zstd.parquet');
  await assert.rejects(loadDataset(zstd), {
    message: `${zstd}: cannot read as Parquet (compression ZSTD is not supported; write the file with snappy or no compression)`,
  });
  const fake = file('fake.parquet', 'text,label\na,b\n');
  await assert.rejects(loadDataset(fake), new RegExp(`^FinetuneError: ${fake.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: cannot read as Parquet \\(`));
});

test('format from the option, or sniffed when the extension says nothing', async () => {
  const tabs = file('data.txt', 'label\ttext\na\tx, y\nb\tz\n');
  const sniffed = await loadDataset(tabs);
  assert.equal(sniffed.report.format, 'tsv');
  assert.equal(sniffed.examples[0]?.text, 'x, y');
  assert.equal((await loadDataset(file('data', 'text,label\nx,a\ny,b\n'))).report.format, 'csv');
  assert.equal((await loadDataset(file('data.dat', '{"text":"x","label":"a"}\n'))).report.format, 'jsonl');
  assert.equal((await loadDataset(file('arr.txt', ' [{"text":"x","label":"a"}]'))).report.format, 'json');
  const parquetNoExt = file('noext', (await import('node:fs')).readFileSync(join(fixtures, 'reviews.parquet')));
  assert.equal((await loadDataset(parquetNoExt)).report.format, 'parquet');
  const forced = await loadDataset(file('forced.csv', 'text\tlabel\nx\ta\n'), { format: 'tsv' });
  assert.deepEqual(forced.columns, { text: 'text', label: 'label' });
});

test('gzip-compressed files are read, by suffix or content', async () => {
  const gz = file('d.csv.gz', gzipSync('text,label\nhello,a\nbye,b\n'));
  const loaded = await loadDataset(gz);
  assert.equal(loaded.report.format, 'csv');
  assert.equal(loaded.examples.length, 2);
  const hidden = file('hidden.tsv', gzipSync('text\tlabel\nhello\ta\n'));
  assert.equal((await loadDataset(hidden)).examples[0]?.text, 'hello');
  await assert.rejects(loadDataset(file('broken.csv.gz', Uint8Array.from([0x1f, 0x8b, 1, 2, 3]))), /broken\.csv\.gz: broken gzip data \(/);
});

test('missing, empty, directory and binary inputs get one clear line each', async () => {
  const missing = join(dir, 'nope', 'data.csv');
  await assert.rejects(loadDataset(missing), { name: 'FinetuneError', message: `${missing}: no such file` });
  const empty = file('empty.csv', '');
  await assert.rejects(loadDataset(empty), { message: `${empty}: empty file` });
  const blank = file('blank.csv', '\n \r\n');
  await assert.rejects(loadDataset(blank), { message: `${blank}: empty file` });
  await assert.rejects(loadDataset(file('empty.parquet', '')), /empty\.parquet: empty file$/);
  await assert.rejects(loadDataset(dir), { message: `${dir}: is a directory, expected a data file` });
  const binary = file('binary.csv', Uint8Array.from([0x74, 0x65, 0x78, 0x74, 0x00, 0x01, 0x02, 0xff]));
  await assert.rejects(loadDataset(binary), { message: `${binary}: binary data (NUL byte at offset 4), not CSV text` });
  const parquetAsCsv = file('table.csv', (await import('node:fs')).readFileSync(join(fixtures, 'reviews.parquet')));
  await assert.rejects(loadDataset(parquetAsCsv), { message: `${parquetAsCsv}: a Parquet file, not CSV text` });
});

test('a header without rows, rows without usable values, and bad rows are errors', async () => {
  const header = file('header.csv', 'text,label\n');
  await assert.rejects(loadDataset(header), { message: `${header}: no data rows` });
  const unlabeled = file('unlabeled.csv', 'text,label\na,\nb,\n');
  await assert.rejects(loadDataset(unlabeled, { labelColumn: 'label' }), {
    message: `${unlabeled}: no usable rows: all 2 have an empty text or label (columns 'text', 'label')`,
  });
  const ragged = file('ragged.csv', 'text,label\na,b\nc,d,e\n');
  await assert.rejects(loadDataset(ragged), { message: `${ragged}: line 3 (row 2): 3 comma-separated fields, expected 2 as in the header` });
  const badLine = file('bad.jsonl', '{"text":"a","label":"b"}\n{oops}\n');
  await assert.rejects(loadDataset(badLine), /bad\.jsonl: line 2: invalid JSON/);
  const noColumn = file('cols.csv', 'Label,SMS\nham,hi\n');
  await assert.rejects(loadDataset(noColumn, { textColumn: 'text' }), { message: `${noColumn}: no text column 'text' (columns: 'Label', 'SMS')` });
});

test('one class and class imbalance are reported as warnings', async () => {
  const single = await loadDataset(file('single.csv', 'text,label\na,x\nb,x\n'), { labelColumn: 'label' });
  assert.ok(single.report.warnings.some((w) => w.endsWith("only one class ('x'); a classifier needs at least two")));
  const rows = ['text,label', ...Array.from({ length: 8 }, (_, i) => `ham ${i},ham`), 'spam 1,spam', 'spam 2,spam'];
  const skewed = file('skewed.csv', `${rows.join('\n')}\n`);
  const loaded = await loadDataset(skewed);
  assert.ok(loaded.report.warnings.some((w) => w.startsWith(`${skewed}: class imbalance: 'ham' has 8 examples, 'spam' 2 (4.0 to 1, above 3)`)));
  assert.ok(!(await loadDataset(skewed, { imbalanceRatio: 5 })).report.warnings.some((w) => w.includes('imbalance')));
});
