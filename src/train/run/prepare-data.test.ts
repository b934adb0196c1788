// Data splits: the validation split picks checkpoints and comes from the training data (a built-in set's too); the test data is apart from both.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadBuiltinDataset } from '../../data/builtin.js';
import { prepareData } from './prepare-data.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-prepare-data-'));
after(() => rmSync(root, { recursive: true, force: true }));
const key = (e: { text: string }): string => e.text;

function csv(name: string, rows: readonly (readonly [string, string])[]): string {
  const path = join(root, name);
  writeFileSync(path, `text,label\n${rows.map(([t, l]) => `${t},${l}`).join('\n')}\n`);
  return path;
}
const rows = (prefix: string, n: number): [string, string][] => Array.from({ length: n }, (_, i) => [`${prefix} text number ${i}`, i % 2 ? 'pos' : 'neg']);

describe('prepareData splits', () => {
  it('a built-in set validates on a split of its training split and keeps its test split as the test', async () => {
    const builtin = await loadBuiltinDataset('spam-assassin');
    const data = await prepareData({ data: 'spam-assassin', seed: 42 });
    assert.equal(data.train.length + data.evaluation!.length, builtin.train.length);
    // Stratified: 10% of each class, rounded per class.
    assert.ok(Math.abs(data.evaluation!.length - builtin.train.length * 0.1) <= 2, `${data.evaluation!.length} validation examples`);
    assert.match(data.evaluationName!, /^validation split \(10% of spam-assassin, seed 42\)$/);
    assert.deepEqual(data.test!.map(key), builtin.test.map(key));
    assert.equal(data.testName, 'spam-assassin (held-out test split)');
    const testTexts = new Set(data.test!.map(key));
    assert.ok(![...data.train, ...data.evaluation!].some((e) => testTexts.has(key(e))), 'the test split is apart from training and validation');
  });

  it('--eval-data is the validation data and --test-data the test; neither is drawn from the training data', async () => {
    const train = csv('train.csv', rows('train', 40));
    const data = await prepareData({ data: train, evalData: csv('dev.csv', rows('dev', 10)), testData: csv('test.csv', rows('test', 12)), seed: 1 });
    assert.equal(data.train.length, 40);
    assert.equal(data.evaluationName, join(root, 'dev.csv'));
    assert.equal(data.testName, join(root, 'test.csv'));
    assert.equal(data.test!.length, 12);
    assert.ok(data.description.some((line) => line.startsWith('test: 12 examples from') && line.includes('scored once after training')));
  });

  it('a file with a validation split and test data; test data with a class the training data lacks is refused by row', async () => {
    const data = await prepareData({ data: csv('train2.csv', rows('t', 40)), testData: csv('test2.csv', rows('x', 6)), evalSplit: 0.25, seed: 3 });
    assert.equal(data.train.length, 30);
    assert.equal(data.evaluation!.length, 10);
    assert.equal(data.test!.length, 6);
    const bad = csv('bad-test.csv', [...rows('y', 4), ['odd one', 'maybe']]);
    await assert.rejects(
      prepareData({ data: csv('train3.csv', rows('z', 20)), testData: bad, seed: 1 }),
      (e: Error) => e.message.includes(bad) && e.message.includes("'maybe'"),
    );
  });

  it('regression and multi-label runs take test data too', async () => {
    const numeric = join(root, 'scores.csv');
    writeFileSync(numeric, `text,score\n${Array.from({ length: 20 }, (_, i) => `sentence ${i},${i / 4}`).join('\n')}\n`);
    const data = await prepareData({ data: numeric, testData: numeric, labelKind: 'number', seed: 1 });
    assert.equal(data.test!.length, 20);
    assert.ok(data.description.some((line) => line.startsWith('test: 20 examples from')));
  });
});
