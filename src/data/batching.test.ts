// Tests of batch index plans: plain batches and length buckets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchIndices, bucketByLength } from './batching.js';
import { createRandom } from './random.js';

const flat = (batches: number[][]): number[] => batches.flat().sort((a, b) => a - b);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

test('batchIndices covers every index once, in order or shuffled by seed', () => {
  assert.deepEqual(batchIndices(7, 3, 0, false), [[0, 1, 2], [3, 4, 5], [6]]);
  const shuffled = batchIndices(100, 8, 42, true);
  assert.equal(shuffled.length, 13);
  assert.deepEqual(flat(shuffled), range(100));
  assert.notDeepEqual(shuffled.flat(), range(100));
  assert.deepEqual(batchIndices(100, 8, 42, true), shuffled);
  assert.notDeepEqual(batchIndices(100, 8, 43, true), shuffled);
  assert.deepEqual(batchIndices(0, 4, 1, true), []);
});

test('bad batch sizes and counts are errors', () => {
  for (const size of [0, -1, 2.5, Number.NaN]) assert.throws(() => batchIndices(5, size, 1, false), /batch size must be a positive integer/);
  assert.throws(() => batchIndices(-1, 2, 1, false), /example count must be a non-negative integer, got -1/);
  assert.throws(() => bucketByLength([1, 2], 0, 1), /batch size must be a positive integer, got 0/);
  assert.throws(() => bucketByLength([1, 2], 2, 1, 0), /pool size must be a positive number of batches, got 0/);
});

test('bucketByLength groups similar lengths and pads far less than random batches', () => {
  const random = createRandom(9);
  const lengths = Array.from({ length: 1000 }, () => 5 + Math.floor(random() * 120));
  const batchSize = 16;
  const padding = (batches: number[][]): number =>
    batches.reduce((sum, batch) => {
      const longest = Math.max(...batch.map((i) => lengths[i] as number));
      return sum + batch.reduce((s, i) => s + longest - (lengths[i] as number), 0);
    }, 0);
  const buckets = bucketByLength(lengths, batchSize, 1);
  assert.deepEqual(flat(buckets), range(1000));
  assert.equal(buckets.filter((b) => b.length !== batchSize).length, 1);
  const plain = batchIndices(1000, batchSize, 1, true);
  assert.ok(padding(buckets) * 10 < padding(plain), `bucketed ${padding(buckets)} vs random ${padding(plain)}`);
});

test('bucketByLength is repeatable per seed and shuffles the batch order', () => {
  const lengths = range(200).map((i) => i % 37);
  const a = bucketByLength(lengths, 10, 3);
  assert.deepEqual(bucketByLength(lengths, 10, 3), a);
  assert.notDeepEqual(bucketByLength(lengths, 10, 4), a);
  // Batch order is not simply longest-first.
  const maxima = a.map((batch) => Math.max(...batch.map((i) => lengths[i] as number)));
  assert.notDeepEqual(
    maxima,
    [...maxima].sort((x, y) => y - x),
  );
  // Small pools still cover everything exactly once.
  const small = bucketByLength(lengths, 7, 3, 1);
  assert.deepEqual(flat(small), range(200));
  assert.deepEqual(bucketByLength([], 4, 1), []);
});
