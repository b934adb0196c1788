// Tests of column choice: names given by the caller, common names, and detection by content.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectColumns } from './columns.js';
import type { Cell, RawTable } from './table.js';

function table(columns: string[], rows: Cell[][]): RawTable {
  return { columns, rows, origin: (i) => `t.csv: line ${i + 2}`, warnings: [] };
}

test('common names are found case-insensitively', () => {
  assert.deepEqual(selectColumns(table(['Label', 'SMS'], [['ham', 'hi']]), {}, 't.csv'), { text: 'SMS', label: 'Label' });
  assert.deepEqual(selectColumns(table(['label', 'sentence'], [['0', 'x']]), {}, 't.csv'), { text: 'sentence', label: 'label' });
  assert.deepEqual(selectColumns(table(['id', 'review', 'sentiment'], [['1', 'good', 'pos']]), {}, 't.csv'), {
    text: 'review',
    label: 'sentiment',
  });
});

test('sentence-pair layouts give a text-pair column only when both columns exist', () => {
  assert.deepEqual(selectColumns(table(['sentence1', 'sentence2', 'label'], [['a', 'b', '1']]), {}, 't.csv'), {
    text: 'sentence1',
    textPair: 'sentence2',
    label: 'label',
  });
  assert.deepEqual(selectColumns(table(['question', 'sentence', 'label'], [['q', 's', '1']]), {}, 't.csv'), {
    text: 'question',
    textPair: 'sentence',
    label: 'label',
  });
  assert.deepEqual(selectColumns(table(['premise', 'label'], [['p', '1']]), {}, 't.csv'), { text: 'premise', label: 'label' });
  // A named text column that is not the first of the pair keeps the pair off.
  assert.deepEqual(selectColumns(table(['text_a', 'text_b', 'notes', 'label'], [['a', 'b', 'n', '1']]), { textColumn: 'notes' }, 't.csv'), {
    text: 'notes',
    label: 'label',
  });
});

test('without known names: the longest string column is the text, the fewest-values column the label', () => {
  const rows: Cell[][] = [
    ['1', 'a long piece of writing here', 'x', 'short'],
    ['2', 'another long piece of writing', 'y', 'tiny'],
    ['3', 'and a third long passage', 'x', 'wee'],
    ['4', 'the fourth long passage', 'y', 'bit'],
  ];
  assert.deepEqual(selectColumns(table(['n', 'body_text', 'kind', 'note'], rows), {}, 't.csv'), { text: 'body_text', label: 'kind' });
});

test('numeric columns are not taken for text', () => {
  const rows: Cell[][] = [
    ['123456789012', 'ok', 'a'],
    ['223456789012', 'no', 'b'],
    ['323456789012', 'ok', 'a'],
    ['423456789012', 'no', 'b'],
  ];
  assert.equal(selectColumns(table(['code', 'words', 'grp'], rows), {}, 't.csv').text, 'words');
});

test('named columns win; a name in another case is accepted when unambiguous', () => {
  const t = table(['msg', 'body', 'cls', 'label'], [['a', 'b', 'c', 'd']]);
  assert.deepEqual(selectColumns(t, { textColumn: 'body', labelColumn: 'CLS' }, 't.csv'), { text: 'body', label: 'cls' });
  assert.deepEqual(selectColumns(t, { textColumn: 'msg', textPairColumn: 'body' }, 't.csv'), { text: 'msg', textPair: 'body', label: 'label' });
});

test('a named column that does not exist is an error listing the columns', () => {
  const t = table(['Label', 'SMS'], [['ham', 'hi']]);
  assert.throws(() => selectColumns(t, { textColumn: 'txt' }, 'data.csv'), {
    name: 'FinetuneError',
    message: "data.csv: no text column 'txt' (columns: 'Label', 'SMS')",
  });
  assert.throws(() => selectColumns(t, { labelColumn: 'y' }, 'data.csv'), { message: "data.csv: no label column 'y' (columns: 'Label', 'SMS')" });
  assert.throws(() => selectColumns(t, { textPairColumn: 'b' }, 'data.csv'), /no text-pair column 'b'/);
});

test('undetectable or clashing columns are errors', () => {
  assert.throws(
    () =>
      selectColumns(
        table(
          ['a', 'b'],
          [
            ['1', '2'],
            ['3', '4'],
          ],
        ),
        {},
        'd.csv',
      ),
    {
      message: "d.csv: cannot tell which column holds the text (columns: 'a', 'b'); name it with --text-column (option textColumn)",
    },
  );
  const allDistinct = table(
    ['text', 'id'],
    [
      ['x', '1'],
      ['y', '2'],
      ['z', '3'],
    ],
  );
  assert.throws(() => selectColumns(allDistinct, {}, 'd.csv'), {
    message: "d.csv: cannot tell which column holds the labels (columns: 'text', 'id'); name it with --label-column (option labelColumn)",
  });
  const headless = table(
    ['hello there', '1'],
    [
      ['bye now', '0'],
      ['see you', '0'],
    ],
  );
  assert.throws(() => selectColumns(headless, {}, 'd.csv'), {
    message:
      "d.csv: cannot tell which column holds the labels (columns: 'hello there', '1'); name it with --label-column (option labelColumn); the first line is read as the header row, does the file have one?",
  });
  const t = table(['text', 'label'], [['a', 'b']]);
  assert.throws(() => selectColumns(t, { textColumn: 'text', labelColumn: 'text' }, 'd.csv'), {
    message: "d.csv: the text and label columns are both 'text'",
  });
  assert.throws(() => selectColumns(t, { textPairColumn: 'label', labelColumn: 'label' }, 'd.csv'), {
    message: "d.csv: the text-pair column 'label' is also the label column",
  });
});
