// FinetuneError messages are one line, whatever a file puts into the names they quote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FinetuneError, UsageError } from './errors.js';

test('line breaks inside a message are shown escaped, keeping it one line', () => {
  assert.equal(new FinetuneError("x.bin: storage 'a\nb' is missing").message, "x.bin: storage 'a\\nb' is missing");
  assert.equal(new FinetuneError('a\r\nb\rc\u2028d').message, 'a\\nb\\nc\\nd');
  assert.equal(new UsageError('unknown flag --a\nb').exitCode, 2);
});
