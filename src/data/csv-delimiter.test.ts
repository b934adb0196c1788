// A .csv whose header has semicolons or tabs and no comma is read with them, and the run is told; integer labels of many values hint at regression.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectLabelKind } from './label-kinds.js';
import { loadDataset } from './load.js';
import { csvDelimiter, readTable } from './read-table.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-csv-delimiter-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('CSV delimiters', () => {
  it('reads semicolons and tabs when the header line has no comma, and says so', async () => {
    const semi = file('semi.csv', 'text;label\n"good, really";pos\nbad;neg\n');
    const { table } = await readTable(semi);
    assert.deepEqual(table.columns, ['text', 'label']);
    assert.deepEqual(table.rows, [
      ['good, really', 'pos'],
      ['bad', 'neg'],
    ]);
    assert.equal(table.warnings[0], `${semi}: fields separated by semicolons, not commas (detected from the header line); read with semicolons`);
    const tabs = file('tabs.csv', 'text\tlabel\ngood\tpos\n');
    assert.deepEqual((await readTable(tabs)).table.columns, ['text', 'label']);
    assert.match((await readTable(tabs)).table.warnings[0]!, /fields separated by tabs, not commas/);
    const loaded = await loadDataset(semi);
    assert.ok(loaded.report.warnings.some((w) => w.includes('separated by semicolons')));
  });

  it('keeps commas whenever the header has one; a one-column file stays one column', async () => {
    assert.equal(csvDelimiter('a,b;c\n1,2;3\n'), ',');
    assert.equal(csvDelimiter('text\nhello; world\n'), ',');
    assert.equal(csvDelimiter('\ufeffa;b\n'), ';');
    const single = await readTable(file('single.csv', 'text\nhello\n'));
    assert.deepEqual(single.table.warnings, []);
  });

  it('a semicolon row with a field too many names its line', async () => {
    const bad = file('bad.csv', 'text;label\na;b;c\n');
    await assert.rejects(readTable(bad), (e: Error) => e.message === `${bad}: line 2 (row 1): 3 semicolon-separated fields, expected 2 as in the header`);
  });
});

describe('integer labels', () => {
  it('hint at --task regression when there are more than 10 classes of integers', () => {
    const many = detectLabelKind(Array.from({ length: 60 }, (_, i) => i % 15));
    assert.equal(many.kind, 'class');
    assert.equal(
      many.hint,
      'the label column holds 15 distinct integers from 0 to 14, read as 15 classes; if they are scores or amounts, train with --task regression',
    );
    assert.equal(detectLabelKind([0, 1, 2, 1, 0]).hint, undefined);
  });
});
