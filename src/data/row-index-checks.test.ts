// Duplicates, the stratified split and the leak check on a row index agree with cleanTable, stratifiedSplit and findLeakage on the same rows.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findLeakage } from './leakage.js';
import { loadDataset } from './load.js';
import { cachedRowIndex, cachedSplit } from './row-index-cache.js';
import { allRows, dropDuplicateRows, leakedRows, splitRows } from './row-index-checks.js';
import { planRowIndex } from './row-index-plan.js';
import { indexRows } from './row-index.js';
import { stratifiedSplit } from './split.js';

const root = mkdtempSync(join(tmpdir(), 'finetune-row-index-checks-'));
after(() => rmSync(root, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const path = join(root, name);
  writeFileSync(path, text);
  return path;
}

const rows = (n: number, seed: number): string =>
  Array.from({ length: n }, (_, i) => `${i},"text ${(i * seed) % 97} of ${i % 13}",${['a', 'b', 'c'][(i * 7 + seed) % 3]}`).join('\n');

describe('row index checks', () => {
  it('drops the duplicates cleanTable drops and counts the same conflicting texts', async () => {
    const path = file('dups.csv', `id,text,label\n1,same,a\n2,"same",a\n3,same ,b\n4,other,a\n5,  other,a\n6,third,c\n7,same,b\n`);
    const plan = planRowIndex(path, {});
    const result = dropDuplicateRows(indexRows(path, plan.index));
    const loaded = await loadDataset(path);
    assert.equal(result.duplicatesDropped, loaded.report.duplicatesDropped);
    assert.equal(result.conflictingTexts, loaded.report.conflictingTexts);
    assert.equal(result.index.count, loaded.examples.length);
    assert.equal(result.firstDuplicateLine, 3);
    assert.equal(result.firstConflictLine, 4);
    assert.equal(dropDuplicateRows(indexRows(path, plan.index), false).index.count, 7);
  });

  it('holds out the rows stratifiedSplit holds out for the same seed and fraction', async () => {
    const path = file('split.csv', `id,text,label\n${rows(500, 3)}\n`);
    const index = dropDuplicateRows(indexRows(path, planRowIndex(path, {}).index)).index;
    const examples = (await loadDataset(path)).examples;
    for (const [fraction, seed] of [
      [0.1, 42],
      [0.25, 7],
    ] as const) {
      const split = splitRows(index, fraction, seed);
      const expected = stratifiedSplit(examples, fraction, seed);
      assert.deepEqual(
        Array.from(split.validation, (r) => `${path}: line ${index.lines[r]}`),
        expected.validation.map((e) => e.origin),
      );
      assert.equal(split.train.length, expected.train.length);
    }
  });

  it('finds the evaluation rows whose text occurs in training, however quoted, as findLeakage does', async () => {
    const train = file('train.csv', 'text,label\nalpha,a\n"say ""hi""",b\nbeta,a\ngamma,b\n');
    const dev = file('dev.csv', 'text,label\ndelta,a\nsay "hi",a\n  alpha ,b\nepsilon,b\n');
    const ti = indexRows(train, planRowIndex(train, {}).index);
    const di = indexRows(dev, planRowIndex(dev, {}).index);
    const leaked = leakedRows(ti, allRows(ti), di, allRows(di));
    const expected = findLeakage((await loadDataset(train)).examples, (await loadDataset(dev)).examples);
    assert.deepEqual(leaked, expected.evalIndices);
    assert.deepEqual(leaked, [1, 2]);
  });

  it('caches the index: the second read is a hit with the same arrays; an edited file is a miss', () => {
    const path = file('cached.csv', `id,text,label\n${rows(300, 5)}\n`);
    const plan = planRowIndex(path, {}).index;
    const cache = join(root, 'cache');
    const first = cachedRowIndex(path, plan, cache);
    const second = cachedRowIndex(path, plan, cache);
    assert.equal(first.hit, false);
    assert.equal(second.hit, true);
    assert.equal(first.warning, undefined);
    for (const key of ['starts', 'lengths', 'lines', 'labels', 'hashes'] as const) assert.deepEqual([...second.index[key]], [...first.index[key]]);
    assert.deepEqual(second.index.labelNames, first.index.labelNames);
    assert.deepEqual(second.index.report, first.index.report);
    // The split and its leak check are cached beside the index: computed once per fraction and seed.
    let computed = 0;
    const compute = () => {
      computed++;
      return { ...splitRows(first.index, 0.2, 9), leaked: Uint32Array.of(3) };
    };
    const a = cachedSplit(first.file, 0.2, 9, compute);
    const b = cachedSplit(second.file, 0.2, 9, compute);
    assert.equal(computed, 1);
    assert.deepEqual([...b.train], [...a.train]);
    assert.deepEqual([...b.validation], [...a.validation]);
    assert.deepEqual([...b.leaked], [3]);
    cachedSplit(second.file, 0.3, 9, compute);
    assert.equal(computed, 2);
    writeFileSync(path, `id,text,label\n${rows(301, 5)}\n`);
    assert.equal(cachedRowIndex(path, plan, cache).hit, false);
  });
});
