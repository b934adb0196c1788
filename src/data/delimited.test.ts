// Tests of the CSV/TSV reader: RFC 4180 quoting, literal quotes, line ends, header and field-count errors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDelimited } from './delimited.js';

const rows = (text: string, delimiter: ',' | '\t' = ',') => parseDelimited(text, delimiter, 'd.csv').rows;

test('quoted fields hold delimiters, newlines and doubled quotes', () => {
  const table = parseDelimited('text,label\n"a, b",x\n"line one\nline two",y\n"say ""hi""",z\n', ',', 'd.csv');
  assert.deepEqual(table.columns, ['text', 'label']);
  assert.deepEqual(table.rows, [
    ['a, b', 'x'],
    ['line one\nline two', 'y'],
    ['say "hi"', 'z'],
  ]);
  assert.deepEqual(table.warnings, []);
});

test('line numbers count the newlines inside quoted fields', () => {
  const table = parseDelimited('text,label\n"one\r\ntwo\nthree",a\nnext,b\n', ',', 'd.csv');
  assert.equal(table.origin(0), 'd.csv: line 2');
  assert.equal(table.origin(1), 'd.csv: line 5');
});

test('quotes inside unquoted fields are kept literally', () => {
  assert.deepEqual(rows('text,label\nhe said "no" twice,1\n5" screen,0\n'), [
    ['he said "no" twice', '1'],
    ['5" screen', '0'],
  ]);
});

test('a field that starts with a quote but is not a closed quoted field is taken literally, with a warning', () => {
  const table = parseDelimited('label\ttext\nham\t"Happy day" I know\nham\t"unclosed\nspam\tnext row\n', '\t', 'sms.tsv');
  assert.deepEqual(table.rows, [
    ['ham', '"Happy day" I know'],
    ['ham', '"unclosed'],
    ['spam', 'next row'],
  ]);
  assert.equal(table.origin(2), 'sms.tsv: line 4');
  assert.deepEqual(table.warnings, ['sms.tsv: 2 fields start with a quote that does not close a quoted field (first at line 2); kept literally']);
});

test('CRLF, LF and lone CR line ends, with and without a final newline', () => {
  const expected = [
    ['a', '1'],
    ['b', '2'],
  ];
  assert.deepEqual(rows('t,l\r\na,1\r\nb,2\r\n'), expected);
  assert.deepEqual(rows('t,l\na,1\nb,2'), expected);
  assert.deepEqual(rows('t,l\ra,1\rb,2\r'), expected);
  assert.deepEqual(rows('t,l\r\na,1\nb,2'), expected);
});

test('TSV fields keep commas; empty fields and a trailing delimiter give empty strings', () => {
  assert.deepEqual(rows('text\tlabel\na, b\t1\n', '\t'), [['a, b', '1']]);
  assert.deepEqual(rows('a,b,c\n,,\nx,,\n'), [
    ['', '', ''],
    ['x', '', ''],
  ]);
  assert.deepEqual(rows('a,b\n"",1\n'), [['', '1']]);
});

test('blank lines are skipped, not counted as rows, and reported', () => {
  const table = parseDelimited('\n\ntext,label\n\nhello,1\n   \nbye,0\n\n', ',', 'd.csv');
  assert.deepEqual(table.columns, ['text', 'label']);
  assert.deepEqual(table.rows, [
    ['hello', '1'],
    ['bye', '0'],
  ]);
  assert.equal(table.origin(1), 'd.csv: line 7');
  assert.deepEqual(table.warnings, ['d.csv: 5 blank lines skipped']);
});

test('a row with too few or too many fields names the file, line, row and counts', () => {
  assert.throws(() => parseDelimited('text,label,extra\na,b,c\nonly,two\n', ',', 'data.csv'), {
    name: 'FinetuneError',
    message: 'data.csv: line 3 (row 2): 2 comma-separated fields, expected 3 as in the header',
  });
  assert.throws(() => parseDelimited('label\ttext\nham\thi\tthere\n', '\t', 'data.tsv'), {
    message: 'data.tsv: line 2 (row 1): 3 tab-separated fields, expected 2 as in the header',
  });
  // The line is where the record starts, after a multi-line quoted field.
  assert.throws(
    () => parseDelimited('a,b\n"x\ny",1\nz\n', ',', 'data.csv'),
    /^FinetuneError: data\.csv: line 4 \(row 2\): 1 comma-separated fields, expected 2/,
  );
});

test('the header names columns: trimmed, empty ones named by position, repeats refused', () => {
  assert.deepEqual(parseDelimited(',text , label\n0,a,b\n', ',', 'd.csv').columns, ['column_1', 'text', 'label']);
  assert.throws(() => parseDelimited('text,label,text\n1,2,3\n', ',', 'd.csv'), {
    message: "d.csv: line 1: column 'text' appears twice in the header",
  });
  assert.throws(() => parseDelimited('\n\n', ',', 'd.csv'), { message: 'd.csv: no header row (the file holds only blank lines)' });
  assert.deepEqual(parseDelimited('text,label\n', ',', 'd.csv').rows, []);
});
