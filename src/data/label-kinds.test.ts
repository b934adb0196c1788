// Tests of multi-label and regression loading on CSV, TSV, JSONL and Parquet, and of detectLabelKind.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cellToLabels, cellToTarget, detectLabelKind, parseListText, summarizeTargets } from './label-kinds.js';
import { loadDataset } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'finetune-label-kinds-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fixtures = resolve(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/data');

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

test('multi-label CSV: separated cells sorted and unique, an empty cell kept as no label, counts per label', async () => {
  const path = file('topics.csv', 'text,labels\nrates rise,economy\nvote today,politics|economy\nquiet day,\nbudget,economy | politics|economy\ngoal,sport|\n');
  const { examples, columns, report } = await loadDataset(path, { labelKind: 'multi' });
  assert.deepEqual(columns, { text: 'text', label: 'labels' });
  assert.deepEqual(
    examples.map((e) => [e.text, e.labels, e.label]),
    [
      ['rates rise', ['economy'], 'economy'],
      ['vote today', ['economy', 'politics'], 'economy|politics'],
      ['quiet day', [], ''],
      ['budget', ['economy', 'politics'], 'economy|politics'],
      ['goal', ['sport'], 'sport'],
    ],
  );
  assert.equal(report.labelKind, 'multi');
  assert.equal(report.noLabel, 1);
  assert.equal(report.emptyDropped, 0);
  assert.deepEqual(report.classes, [
    { label: 'economy', count: 3, fraction: 0.6 },
    { label: 'politics', count: 2, fraction: 0.4 },
    { label: 'sport', count: 1, fraction: 0.2 },
  ]);
  assert.deepEqual(report.warnings, []);
  // Duplicates compare the label sets, whatever order the cell wrote them in.
  const dup = await loadDataset(file('dup.tsv', 'text\tlabels\na\tx;y\na\ty;x\n'), { labelKind: 'multi', labelSeparator: ';' });
  assert.equal(dup.report.duplicatesDropped, 1);
  assert.deepEqual(dup.report.warnings, [
    `${join(dir, 'dup.tsv')}: 1 exact duplicate row dropped (first at line 3)`,
    `${join(dir, 'dup.tsv')}: labels 'x', 'y' on every example; they tell the examples nothing apart`,
  ]);
});

test('multi-label JSONL and Parquet: JSON lists, integer labels, lists written in text cells', async () => {
  const path = file('m.jsonl', '{"text":"a","labels":[3,1]}\n{"text":"b","labels":[]}\n{"text":"c","labels":null}\n{"text":"d","labels":"2"}\n');
  const { examples, report } = await loadDataset(path, { labelKind: 'multi' });
  assert.deepEqual(
    examples.map((e) => e.labels),
    [['1', '3'], [], [], ['2']],
  );
  assert.deepEqual(examples[0], { text: 'a', label: '1|3', labels: ['1', '3'], origin: `${path}: line 1` });
  assert.equal(report.noLabel, 2);
  assert.deepEqual(
    report.classes.map((c) => c.label),
    ['1', '2', '3'],
  );
  const texts = await loadDataset(file('m.csv', 'text,label\nx,"[""a"", ""b""]"\ny,"[\'c\']"\nz,[draft]\n'), { labelKind: 'multi' });
  assert.deepEqual(
    texts.examples.map((e) => e.labels),
    [['a', 'b'], ['c'], ['[draft]']],
  );
  const parquet = await loadDataset(join(fixtures, 'topics.parquet'), { labelKind: 'multi' });
  assert.deepEqual(parquet.columns, { text: 'text', label: 'labels' });
  assert.deepEqual(
    parquet.examples.map((e) => e.labels),
    [['economy'], ['sport'], [], ['economy', 'politics']],
  );
  // Without a known name, the list column is the label column.
  const detected = await loadDataset(file('d.jsonl', '{"body":"a b c","cats":["x"]}\n{"body":"d e f","cats":["y","x"]}\n'), { labelKind: 'multi' });
  assert.deepEqual(detected.columns, { text: 'body', label: 'cats' });
});

test('multi-label errors: fractional or nested labels, no label anywhere, empty separator', async () => {
  const frac = file('frac.jsonl', '{"text":"a","labels":[1]}\n{"text":"b","labels":[1,2.5]}\n');
  await assert.rejects(loadDataset(frac, { labelKind: 'multi' }), {
    name: 'FinetuneError',
    message: `${frac}: line 2: label 2.5 in column 'labels' is not a class (a name or an integer)`,
  });
  const nested = file('nested.jsonl', '{"text":"a","labels":[["x"]]}\n');
  await assert.rejects(loadDataset(nested, { labelKind: 'multi' }), {
    message: `${nested}: line 1: column 'labels' holds a list holding a list, expected labels`,
  });
  const none = file('none.csv', 'text,labels\na,\nb,|\n');
  await assert.rejects(loadDataset(none, { labelKind: 'multi', labelColumn: 'labels' }), {
    message: `${none}: no labels in column 'labels': every row has an empty label list`,
  });
  await assert.rejects(loadDataset(file('sep.csv', 'text,labels\na,x\n'), { labelKind: 'multi', labelSeparator: '' }), {
    message: 'the label separator must not be empty',
  });
});

test('regression CSV/TSV/JSONL/Parquet: numbers and numeric strings, range in the report, no classes', async () => {
  const path = file('stars.csv', 'review,score\ngood,4.5\nbad,1\nfine, 3e0 \nmeh,\nok,-0.5\n');
  const { examples, columns, report } = await loadDataset(path, { labelKind: 'number' });
  assert.deepEqual(columns, { text: 'review', label: 'score' });
  assert.deepEqual(
    examples.map((e) => [e.text, e.target, e.label]),
    [
      ['good', 4.5, '4.5'],
      ['bad', 1, '1'],
      ['fine', 3, '3'],
      ['ok', -0.5, '-0.5'],
    ],
  );
  assert.equal(report.emptyDropped, 1);
  assert.deepEqual(report.classes, []);
  assert.equal(report.labelKind, 'number');
  assert.deepEqual(report.targets, { min: -0.5, max: 4.5, mean: 2, std: Math.sqrt((2.5 ** 2 + 1 + 1 + 2.5 ** 2) / 4) });
  assert.ok(!report.warnings.some((w) => w.includes('imbalance')));
  const tsv = await loadDataset(file('r.tsv', 'id\ttext\tvalue\n1\ta\t.25\n2\tb\t7\n'), { labelKind: 'number' });
  assert.deepEqual(
    tsv.examples.map((e) => e.target),
    [0.25, 7],
  );
  const jsonl = await loadDataset(file('r.jsonl', '{"text":"a","label":0.1}\n{"text":"b","label":"2"}\n{"text":"c","label":3}\n'), { labelKind: 'number' });
  assert.deepEqual(
    jsonl.examples.map((e) => e.target),
    [0.1, 2, 3],
  );
  assert.deepEqual(jsonl.examples[0], { text: 'a', label: '0.1', target: 0.1, origin: `${join(dir, 'r.jsonl')}: line 1` });
  const parquet = await loadDataset(join(fixtures, 'scores.parquet'), { labelKind: 'number' });
  assert.deepEqual(parquet.columns, { text: 'sentence1', textPair: 'sentence2', label: 'score' });
  assert.deepEqual(
    parquet.examples.map((e) => e.target),
    [3.8, 0.4, 5],
  );
  // Without a known name, the one numeric column besides row ids holds the targets.
  const detected = await loadDataset(file('d.csv', 'row_id,comment,howfunny\n1,a joke,0.7\n2,not one,0.1\n'), { labelKind: 'number' });
  assert.deepEqual(detected.columns, { text: 'comment', label: 'howfunny' });
});

test('regression errors name the file, line and value; warnings for constant or two-valued targets', async () => {
  const word = file('word.csv', 'text,label\na,1\nb,abc\n');
  await assert.rejects(loadDataset(word, { labelKind: 'number' }), {
    name: 'FinetuneError',
    message: `${word}: line 3: label 'abc' in column 'label' is not a number (regression needs numeric targets)`,
  });
  const comma = file('comma.tsv', 'text\tlabel\na\t3,5\n');
  await assert.rejects(loadDataset(comma, { labelKind: 'number' }), {
    message: `${comma}: line 2: label '3,5' in column 'label' is not a number; write '3.5' (a decimal point, not a comma)`,
  });
  const bool = file('bool.jsonl', '{"text":"a","label":true}\n');
  await assert.rejects(loadDataset(bool, { labelKind: 'number' }), {
    message: `${bool}: line 1: label true in column 'label' is not a number (regression needs numeric targets)`,
  });
  const list = file('list.jsonl', '{"text":"a","label":[1]}\n');
  await assert.rejects(loadDataset(list, { labelKind: 'number' }), { message: `${list}: line 1: column 'label' holds a list, expected a number` });
  const two = file('two.csv', 'text,label\na,0\nb,1\nc,1\n');
  assert.deepEqual((await loadDataset(two, { labelKind: 'number' })).report.warnings, [
    `${two}: the targets take only two values (0, 1); classification (labelKind 'class') may fit better`,
  ]);
  const flat = file('flat.csv', 'text,label\na,2\nb,2.0\n');
  assert.deepEqual((await loadDataset(flat, { labelKind: 'number' })).report.warnings, [`${flat}: every target is 2; there is nothing to learn`]);
  const ids = file('ids.csv', 'id,text\n1,a\n2,b\n');
  await assert.rejects(loadDataset(ids, { labelKind: 'number' }), {
    message: `${ids}: cannot tell which column holds the labels (columns: 'id', 'text'); name it with --label-column (option labelColumn)`,
  });
});

test('class loading is unchanged by default and reports its kind', async () => {
  const path = file('c.csv', 'text,label\na,x|y\nb,z\n');
  const { examples, report } = await loadDataset(path);
  assert.deepEqual(
    examples.map((e) => e.label),
    ['x|y', 'z'],
  );
  assert.ok(examples.every((e) => e.labels === undefined && e.target === undefined));
  assert.equal(report.labelKind, 'class');
  assert.equal(report.noLabel, undefined);
  assert.equal(report.targets, undefined);
});

test('cell readers and the target summary', () => {
  assert.deepEqual(cellToLabels(' a | b ', 'l', 'f: line 1'), ['a', 'b']);
  assert.deepEqual(cellToLabels(7, 'l', 'f: line 1'), ['7']);
  assert.deepEqual(cellToLabels(null, 'l', 'f: line 1'), []);
  assert.throws(() => cellToLabels({ a: 1 }, 'l', 'f: line 1'), { message: "f: line 1: column 'l' holds an object, expected labels" });
  assert.equal(cellToTarget('+1.5e2', 'y', 'f: line 2'), 150);
  assert.equal(cellToTarget(' ', 'y', 'f: line 2'), undefined);
  assert.throws(() => cellToTarget('NaN', 'y', 'f: line 2'), {
    message: "f: line 2: label 'NaN' in column 'y' is not a number (regression needs numeric targets)",
  });
  assert.throws(() => cellToTarget(Infinity, 'y', 'f: line 2'), { message: "f: line 2: label Infinity in column 'y' is not a finite number" });
  assert.deepEqual(parseListText('[1, "a"]'), [1, 'a']);
  assert.deepEqual(parseListText('[\'a\', "b"]'), ['a', 'b']);
  assert.deepEqual(parseListText('[]'), []);
  assert.equal(parseListText('[draft]'), undefined);
  assert.equal(parseListText('a'), undefined);
  assert.deepEqual(summarizeTargets([1, 3]), { min: 1, max: 3, mean: 2, std: 1 });
});

test('detectLabelKind: lists or joined labels -> multi, fractional or many integers -> number, else class', () => {
  assert.deepEqual(detectLabelKind([['a'], ['a', 'b'], [], null]), { kind: 'multi', reason: '3 of 3 label values are lists' });
  assert.equal(detectLabelKind(['["a"]', "['b', 'c']", 'd']).kind, 'multi');
  const joined = ['sports', 'politics', 'sports|politics', 'economy', 'economy|politics', 'sports', 'politics'];
  assert.deepEqual(detectLabelKind(joined), { kind: 'multi', reason: "'|' joins labels in 2 of 7 values (3 distinct labels)" });
  assert.equal(detectLabelKind(['a;b', 'a', 'b', 'c;a'], ';').kind, 'multi');
  // A class that happens to hold the separator once is still a class.
  assert.deepEqual(detectLabelKind(['pos|neg', 'neu', 'neu', 'other']), { kind: 'class', reason: '3 distinct values' });
  const sts = Array.from({ length: 40 }, (_, i) => String((i % 26) * 0.2));
  assert.deepEqual(detectLabelKind(sts), { kind: 'number', reason: 'numbers with fractions (such as 0.2), 26 distinct values' });
  assert.equal(detectLabelKind([0.5, 1.5, 2]).kind, 'number');
  const ages = Array.from({ length: 60 }, (_, i) => 18 + i * 2);
  assert.deepEqual(detectLabelKind(ages), { kind: 'number', reason: '60 distinct integers from 18 to 136' });
  const ids = Array.from({ length: 50 }, (_, i) => i);
  assert.deepEqual(detectLabelKind(ids), {
    kind: 'class',
    reason: '50 distinct integers, read as class ids',
    hint: 'the label column holds 50 distinct integers from 0 to 49, read as 50 classes; if they are scores or amounts, train with --task regression',
  });
  assert.equal(detectLabelKind(Array.from({ length: 150 }, (_, i) => i)).kind, 'number');
  assert.deepEqual(detectLabelKind(['0', '1', '1.0', 1]), { kind: 'class', reason: '2 distinct integers, read as class ids' });
  assert.deepEqual(detectLabelKind(['ham', 'spam', 'ham']), { kind: 'class', reason: '2 distinct values' });
  assert.deepEqual(detectLabelKind([null, '', undefined]), { kind: 'class', reason: 'no label values to go by' });
});
