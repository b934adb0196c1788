// Tests of the seeded stratified and random splits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomSplit, stratifiedSplit } from './split.js';

function examples(counts: Record<string, number>): { text: string; label: string }[] {
  const out: { text: string; label: string }[] = [];
  for (const [label, count] of Object.entries(counts)) for (let i = 0; i < count; i++) out.push({ text: `${label}-${i}`, label });
  return out;
}

const count = (items: readonly { label: string }[], label: string): number => items.filter((e) => e.label === label).length;

test('each class keeps its proportion and nothing is lost or repeated', () => {
  const data = examples({ a: 800, b: 150, c: 50 });
  const { train, validation } = stratifiedSplit(data, 0.2, 1);
  assert.equal(count(validation, 'a'), 160);
  assert.equal(count(validation, 'b'), 30);
  assert.equal(count(validation, 'c'), 10);
  assert.equal(train.length + validation.length, data.length);
  assert.equal(new Set([...train, ...validation].map((e) => e.text)).size, data.length);
});

test('the split is deterministic for a seed, different for another, and keeps the original order', () => {
  const data = examples({ a: 40, b: 40 });
  const one = stratifiedSplit(data, 0.25, 5);
  assert.deepEqual(stratifiedSplit(data, 0.25, 5), one);
  assert.notDeepEqual(stratifiedSplit(data, 0.25, 6).validation, one.validation);
  const position = new Map(data.map((e, i) => [e, i]));
  for (const part of [one.train, one.validation]) {
    const positions = part.map((e) => position.get(e) as number);
    assert.deepEqual(
      positions,
      [...positions].sort((x, y) => x - y),
    );
  }
  // Shuffling the input does not change which examples are held out.
  const reversed = stratifiedSplit([...data].reverse(), 0.25, 5);
  assert.equal(reversed.validation.length, one.validation.length);
});

test('every class with two or more examples gives one to validation; singletons stay in training', () => {
  const { train, validation } = stratifiedSplit(examples({ big: 100, pair: 2, one: 1 }), 0.1, 3);
  assert.equal(count(validation, 'pair'), 1);
  assert.equal(count(train, 'pair'), 1);
  assert.equal(count(validation, 'one'), 0);
  assert.equal(count(train, 'one'), 1);
  assert.equal(count(validation, 'big'), 10);
  // A large fraction still leaves one example of each class for training.
  const heavy = stratifiedSplit(examples({ a: 3, b: 3 }), 0.9, 3);
  assert.equal(count(heavy.train, 'a'), 1);
  assert.equal(count(heavy.train, 'b'), 1);
});

test('many classes of two examples: the fraction held out is the one asked for, not one per class', () => {
  const counts: Record<string, number> = {};
  for (let c = 0; c < 1000; c++) counts[`class-${c}`] = 2;
  const { train, validation } = stratifiedSplit(examples(counts), 0.1, 7);
  assert.equal(validation.length, 200);
  assert.equal(train.length, 1800);
  // Every class still keeps an example for training.
  assert.equal(new Set(train.map((e) => e.label)).size, 1000);
  assert.deepEqual(stratifiedSplit(examples(counts), 0.1, 7).validation, validation);
  // Large classes keep their share next to many small ones.
  const mixed = stratifiedSplit(examples({ ...counts, big: 1000 }), 0.1, 7);
  assert.equal(count(mixed.validation, 'big'), 100);
  assert.equal(mixed.validation.length, 300);
});

test('bad fractions and unsplittable data are errors', () => {
  for (const fraction of [0, 1, -0.1, 1.5, Number.NaN]) {
    assert.throws(() => stratifiedSplit(examples({ a: 5 }), fraction, 1), /validation fraction must be between 0 and 1 \(exclusive\), got/);
  }
  assert.throws(() => stratifiedSplit(examples({ a: 1, b: 1 }), 0.5, 1), {
    message: 'cannot hold out a validation split: no class has two examples (2 examples)',
  });
});

test('randomSplit: seeded, sized by the fraction, at least one item a side, order kept', () => {
  const items = Array.from({ length: 20 }, (_, i) => ({ text: `t${i}`, label: String(i * 0.5), target: i * 0.5 }));
  const a = randomSplit(items, 0.25, 3);
  assert.equal(a.validation.length, 5);
  assert.deepEqual(randomSplit(items, 0.25, 3), a);
  assert.deepEqual(
    [...a.train, ...a.validation].map((x) => x.target).sort((x, y) => x - y),
    items.map((x) => x.target),
  );
  assert.deepEqual(
    a.validation,
    [...a.validation].sort((x, y) => x.target - y.target),
  );
  assert.equal(randomSplit(items.slice(0, 3), 0.01, 1).validation.length, 1);
  assert.throws(() => randomSplit(items.slice(0, 1), 0.5, 1), {
    name: 'FinetuneError',
    message: 'cannot hold out a validation split from 1 example; it needs two',
  });
  assert.throws(() => randomSplit(items, 0, 1), { message: 'validation fraction must be between 0 and 1 (exclusive), got 0' });
});
