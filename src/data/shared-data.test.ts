// Checks the loaders on the shared development data sets (skipped when ../shared/data is absent).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDataset } from './load.js';

// Compiled tests live in dist/src/data; the shared folder sits next to the repository.
const shared = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/data');
const skip = existsSync(shared) ? false : `no shared data at ${shared}`;

test('sms_spam.tsv: 5,574 rows read, Label/SMS columns, duplicates reported', { skip }, async () => {
  const { examples, columns, report } = await loadDataset(join(shared, 'sms_spam.tsv'));
  assert.deepEqual(columns, { text: 'SMS', label: 'Label' });
  assert.equal(report.rowsRead, 5574);
  assert.equal(report.emptyDropped, 0);
  assert.equal(report.examples, 5574 - report.duplicatesDropped);
  assert.ok(report.duplicatesDropped > 300, `duplicates ${report.duplicatesDropped}`);
  assert.deepEqual(report.classes.map((c) => c.label), ['ham', 'spam']);
  // Fields that open with a quote but do not close one stay literal instead of swallowing rows.
  assert.ok(examples.some((e) => e.text.startsWith('"Happy valentines day" I know')));
});

test('sst2_train.tsv: 67,349 rows read with CRLF line ends and integer labels', { skip }, async () => {
  const { columns, report } = await loadDataset(join(shared, 'sst2_train.tsv'));
  assert.deepEqual(columns, { text: 'sentence', label: 'label' });
  assert.equal(report.rowsRead, 67349);
  assert.equal(report.examples, 67349 - report.duplicatesDropped - report.emptyDropped);
  assert.deepEqual(report.classes.map((c) => c.label), ['0', '1']);
});

test('sst2_dev.tsv: 872 rows, text column named content', { skip }, async () => {
  const { columns, report } = await loadDataset(join(shared, 'sst2_dev.tsv'));
  assert.deepEqual(columns, { text: 'content', label: 'label' });
  assert.equal(report.rowsRead, 872);
});
