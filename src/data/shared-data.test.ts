// Checks the loaders on the shared development data sets (skipped when ../shared/data is absent).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDataset } from './load.js';
import { loadTaggedDataset, splitSentences } from './tagged.js';

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
  assert.deepEqual(
    report.classes.map((c) => c.label),
    ['ham', 'spam'],
  );
  // Fields that open with a quote but do not close one stay literal instead of swallowing rows.
  assert.ok(examples.some((e) => e.text.startsWith('"Happy valentines day" I know')));
});

test('sst2_train.tsv: 67,349 rows read with CRLF line ends and integer labels', { skip }, async () => {
  const { columns, report } = await loadDataset(join(shared, 'sst2_train.tsv'));
  assert.deepEqual(columns, { text: 'sentence', label: 'label' });
  assert.equal(report.rowsRead, 67349);
  assert.equal(report.examples, 67349 - report.duplicatesDropped - report.emptyDropped);
  assert.deepEqual(
    report.classes.map((c) => c.label),
    ['0', '1'],
  );
});

test('sst2_dev.tsv: 872 rows, text column named content', { skip }, async () => {
  const { columns, report } = await loadDataset(join(shared, 'sst2_dev.tsv'));
  assert.deepEqual(columns, { text: 'content', label: 'label' });
  assert.equal(report.rowsRead, 872);
});

test('wnut17_train.conll: 3,394 sentences over tab-only separator lines, 13 IOB2 tags, no warnings', { skip }, async () => {
  const path = join(shared, 'wnut17_train.conll');
  const { sentences, report } = await loadTaggedDataset(path);
  assert.equal(report.format, 'conll');
  assert.equal(report.sentences, 3394);
  assert.equal(sentences.length, 3394);
  assert.equal(report.tokens, 62730);
  assert.equal(report.tags.length, 13);
  assert.equal(report.tags.find((t) => t.label === 'B-person')?.count, 660);
  assert.deepEqual(report.warnings, []);
  assert.deepEqual(sentences[0]?.tokens.slice(0, 3), ['@paulwalk', 'It', "'s"]);
  const { train, validation } = splitSentences(sentences, 0.1, 42);
  assert.deepEqual([train.length, validation.length], [3055, 339]);
});

test('wnut17_dev.conll: 1,009 sentences', { skip }, async () => {
  const { report } = await loadTaggedDataset(join(shared, 'wnut17_dev.conll'));
  assert.equal(report.sentences, 1009);
  assert.equal(report.tokens, 15733);
  assert.deepEqual(report.warnings, []);
});

test('ud_en_ewt_dev.conllu: 2,001 sentences, 17 UPOS tags, ranges and empty nodes skipped', { skip }, async () => {
  const path = join(shared, 'ud_en_ewt_dev.conllu');
  const { sentences, report } = await loadTaggedDataset(path);
  assert.equal(report.format, 'conllu');
  assert.equal(report.sentences, 2001);
  assert.equal(report.tokens, 25147);
  assert.deepEqual(
    report.tags.map((t) => t.label),
    ['ADJ', 'ADP', 'ADV', 'AUX', 'CCONJ', 'DET', 'INTJ', 'NOUN', 'NUM', 'PART', 'PRON', 'PROPN', 'PUNCT', 'SCONJ', 'SYM', 'VERB', 'X'],
  );
  assert.equal(report.tags.find((t) => t.label === 'NOUN')?.count, 4210);
  assert.deepEqual(sentences[0]?.tokens, ['From', 'the', 'AP', 'comes', 'this', 'story', ':']);
  assert.equal(sentences[0]?.origin, `${path}: line 1`);
  assert.ok((await loadTaggedDataset(path, { labelColumn: 'xpos' })).report.tags.length > 40);
});
