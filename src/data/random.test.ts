// Tests of the seeded random numbers and shuffles used by splits and batching.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandom, randomInt, seededShuffle } from './random.js';

test('the same seed gives the same stream, another seed another', () => {
  const a = createRandom(7);
  const b = createRandom(7);
  const c = createRandom(8);
  const first = Array.from({ length: 20 }, () => a());
  assert.deepEqual(
    Array.from({ length: 20 }, () => b()),
    first,
  );
  assert.notDeepEqual(
    Array.from({ length: 20 }, () => c()),
    first,
  );
});

test('values lie in [0, 1) and are roughly uniform', () => {
  const random = createRandom(1);
  const bins = new Array<number>(10).fill(0);
  for (let i = 0; i < 20000; i++) {
    const x = random();
    assert.ok(x >= 0 && x < 1);
    bins[Math.floor(x * 10)]! += 1;
  }
  for (const count of bins) assert.ok(count > 1800 && count < 2200, `bin count ${count}`);
  const ints = new Set(Array.from({ length: 200 }, () => randomInt(random, 3)));
  assert.deepEqual([...ints].sort(), [0, 1, 2]);
});

test('seeds above 2^32 differ from their low bits; a non-finite seed is refused', () => {
  assert.notEqual(createRandom(2 ** 32 + 5)(), createRandom(5)());
  assert.throws(() => createRandom(Number.NaN), /seed must be a finite number/);
});

test('seededShuffle returns a permutation, repeatably, and leaves the input alone', () => {
  const items = Array.from({ length: 50 }, (_, i) => i);
  const shuffled = seededShuffle(items, 3);
  assert.deepEqual(
    [...shuffled].sort((x, y) => x - y),
    items,
  );
  assert.notDeepEqual(shuffled, items);
  assert.deepEqual(seededShuffle(items, 3), shuffled);
  assert.deepEqual(
    items,
    Array.from({ length: 50 }, (_, i) => i),
  );
});
