// Tests of decoding data files: UTF-8, BOMs, the Latin-1 fallback and binary detection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeText, firstInvalidUtf8 } from './text-decode.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

test('UTF-8 with and without a BOM', () => {
  assert.equal(decodeText(utf8('a,b\ncafé,1\n'), 'd.csv', 'CSV text').text, 'a,b\ncafé,1\n');
  const withBom = decodeText(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('text,label')]), 'd.csv', 'CSV text');
  assert.equal(withBom.text, 'text,label');
  assert.equal(withBom.encoding, 'utf-8');
  assert.deepEqual(withBom.warnings, []);
});

test('UTF-16 files with a BOM are decoded', () => {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('x,y\n1,é\n', 'utf16le')]);
  const decoded = decodeText(le, 'd.csv', 'CSV text');
  assert.equal(decoded.text, 'x,y\n1,é\n');
  assert.equal(decoded.encoding, 'utf-16le');
  const be = Buffer.from(le);
  be.swap16();
  assert.equal(decodeText(be, 'd.csv', 'CSV text').text, 'x,y\n1,é\n');
});

test('bytes that are not UTF-8 are read as Latin-1 with a warning naming the offset', () => {
  const decoded = decodeText(bytes(0x61, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a), 'old.csv', 'CSV text');
  assert.equal(decoded.text, 'a\ncafé\n');
  assert.equal(decoded.encoding, 'latin-1');
  assert.deepEqual(decoded.warnings, ['old.csv: not valid UTF-8 (byte 0xe9 at offset 5); read as Latin-1']);
});

test('binary data is refused with a clear message', () => {
  assert.throws(() => decodeText(bytes(0x61, 0x2c, 0x00, 0x62), 'data.csv', 'CSV text'), {
    name: 'FinetuneError',
    message: 'data.csv: binary data (NUL byte at offset 2), not CSV text',
  });
  assert.throws(() => decodeText(utf8('PAR1xxxx'), 'data.csv', 'CSV text'), { message: 'data.csv: a Parquet file, not CSV text' });
  assert.throws(() => decodeText(bytes(0x50, 0x4b, 0x03, 0x04, 0x14), 'data.csv', 'CSV text'), /data\.csv: a zip archive/);
  const controls = Uint8Array.from({ length: 400 }, (_, i) => (i % 3 === 0 ? 0x02 : 0x41));
  assert.throws(
    () => decodeText(controls, 'data.csv', 'CSV text'),
    /^FinetuneError: data\.csv: binary data \(control character 0x02 at character 0\), not CSV text$/,
  );
});

test('a few stray control characters do not make text binary', () => {
  const text = `${'word '.repeat(200)}\u0007bell`;
  assert.equal(decodeText(utf8(text), 'd.csv', 'CSV text').text, text);
});

test('an empty file is an error', () => {
  assert.throws(() => decodeText(new Uint8Array(0), 'data.csv', 'CSV text'), { message: 'data.csv: empty file' });
});

test('firstInvalidUtf8 finds truncated, overlong, surrogate and out-of-range sequences', () => {
  assert.equal(firstInvalidUtf8(utf8('plain ascii, é, 日本, 😀')), -1);
  assert.equal(firstInvalidUtf8(bytes(0x61, 0xc3)), 1); // truncated
  assert.equal(firstInvalidUtf8(bytes(0xc0, 0xaf)), 0); // overlong '/'
  assert.equal(firstInvalidUtf8(bytes(0xe0, 0x80, 0xaf)), 0); // overlong 3-byte
  assert.equal(firstInvalidUtf8(bytes(0x61, 0xed, 0xa0, 0x80)), 1); // surrogate
  assert.equal(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80)), 0); // above U+10FFFF
  assert.equal(firstInvalidUtf8(bytes(0x80)), 0); // stray continuation
  assert.equal(firstInvalidUtf8(bytes(0xe2, 0x28, 0xa1)), 0); // bad continuation
});
