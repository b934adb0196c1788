// Tests of the JSONL and JSON-array readers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseJsonArray, parseJsonLines } from './json-lines.js';

test('one object per line, blank lines skipped, keys in first-seen order become columns', () => {
  const table = parseJsonLines('{"text":"a","label":1}\n\n  \r\n{"label":0,"text":"b","extra":true}\r\n', 'd.jsonl');
  assert.deepEqual(table.columns, ['text', 'label', 'extra']);
  assert.deepEqual(table.rows, [
    ['a', 1, undefined],
    ['b', 0, true],
  ]);
  assert.equal(table.origin(1), 'd.jsonl: line 4');
});

test('a bad line is named with its line number', () => {
  assert.throws(() => parseJsonLines('{"text":"a","label":1}\n\n{"text": "b", "label"}\n', 'data.jsonl'), {
    name: 'FinetuneError',
    message: /^data\.jsonl: line 3: invalid JSON \(.+\)$/,
  });
  assert.throws(() => parseJsonLines('{"text":"a"}\n[1,2]\n', 'data.jsonl'), {
    message: 'data.jsonl: line 2: expected a JSON object, got an array',
  });
  assert.throws(() => parseJsonLines('"just a string"\n', 'data.jsonl'), {
    message: 'data.jsonl: line 1: expected a JSON object, got a string',
  });
  assert.throws(() => parseJsonLines('null\n', 'data.jsonl'), { message: 'data.jsonl: line 1: expected a JSON object, got null' });
});

test('the JSON problem stays one short line even for a long line', () => {
  const long = `{"text": "${'x'.repeat(500)}", }`;
  try {
    parseJsonLines(long, 'data.jsonl');
    assert.fail('expected an error');
  } catch (error) {
    const message = (error as Error).message;
    assert.ok(!message.includes('\n'));
    assert.ok(message.length < 200, message);
  }
});

test('a JSON array of objects gives rows numbered from 1', () => {
  const table = parseJsonArray('[{"text":"a","label":"x"},\n {"text":"b","label":"y"}]', 'd.json');
  assert.deepEqual(table.columns, ['text', 'label']);
  assert.deepEqual(table.rows, [
    ['a', 'x'],
    ['b', 'y'],
  ]);
  assert.equal(table.origin(1), 'd.json: row 2');
  assert.throws(() => parseJsonArray('[{"a":1}, 3]', 'd.json'), { message: 'd.json: row 2: expected a JSON object, got a number' });
  assert.throws(() => parseJsonArray('[{"a":1}', 'd.json'), /^FinetuneError: d\.json: invalid JSON \(/);
  assert.throws(() => parseJsonArray('3', 'd.json'), { message: 'd.json: expected an array of objects or one object per line, got a number' });
});
