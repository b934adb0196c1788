// Batch index plans: plain (optionally shuffled) batches and length-bucketed batches that waste less padding.
import { FinetuneError } from '../errors.js';
import { createRandom, randomInt, shuffleInPlace, type Random } from './random.js';

/**
 * How many batches of examples are pooled, sorted by length and cut into batches by
 * `bucketByLength`. Large enough that batches hold similar lengths, small enough that a batch's
 * members still change from epoch to epoch (the same idea as transformers' LengthGroupedSampler).
 */
export const DEFAULT_POOL_BATCHES = 50;

function checkBatchSize(batchSize: number): void {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new FinetuneError(`batch size must be a positive integer, got ${batchSize}`);
}

function chunk(order: readonly number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += batchSize) batches.push(order.slice(start, start + batchSize));
  return batches;
}

/** shuffleInPlace on a typed array of indices: the same draws, so the same order as on a plain array. */
function shuffleIndices(items: Uint32Array, random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const swap = items[i]!;
    items[i] = items[j]!;
    items[j] = swap;
  }
}

/**
 * Indices 0..n-1 cut into batches of `batchSize` (the last one may be smaller), in order or
 * shuffled by `seed`.
 */
export function batchIndices(n: number, batchSize: number, seed: number, shuffle: boolean): number[][] {
  checkBatchSize(batchSize);
  if (!Number.isInteger(n) || n < 0) throw new FinetuneError(`example count must be a non-negative integer, got ${n}`);
  const order = Array.from({ length: n }, (_, i) => i);
  if (shuffle) shuffleInPlace(order, createRandom(seed));
  return chunk(order, batchSize);
}

/**
 * Batches of indices whose `lengths` are similar, so dynamic padding pads little. The indices are
 * shuffled by `seed`, taken `poolBatches * batchSize` at a time, each pool sorted by length
 * (longest first) and cut into batches; the batch order is then shuffled by `seed`. Every index
 * appears exactly once; only the very last pool can leave one batch smaller than `batchSize`.
 */
export function bucketByLength(lengths: readonly number[], batchSize: number, seed: number, poolBatches: number = DEFAULT_POOL_BATCHES): number[][] {
  checkBatchSize(batchSize);
  if (!Number.isInteger(poolBatches) || poolBatches < 1) {
    throw new FinetuneError(`pool size must be a positive number of batches, got ${poolBatches}`);
  }
  const random = createRandom(seed);
  const poolSize = poolBatches * batchSize;
  const order = new Uint32Array(lengths.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  shuffleIndices(order, random);
  const batches: number[][] = [];
  // Small integer lengths (token counts) sort as packed numbers, with no comparator: the same order, faster on millions of examples.
  const packed = poolSize <= 1 << 22 && lengths.every((n) => Number.isInteger(n) && n >= 0 && n < 1 << 30);
  const keys = packed ? new Float64Array(Math.min(poolSize, order.length)) : undefined;
  for (let start = 0; start < order.length; start += poolSize) {
    const end = Math.min(order.length, start + poolSize);
    let pool: number[];
    if (keys) {
      // Longest first, ties in shuffled order: the key is (2^30 - 1 - length, place in the pool).
      const size = end - start;
      for (let k = 0; k < size; k++) keys[k] = ((1 << 30) - 1 - (lengths[order[start + k]!] as number)) * (1 << 22) + k;
      const sorted = keys.subarray(0, size).sort();
      pool = Array.from(sorted, (key) => order[start + (key % (1 << 22))]!);
    } else {
      // Sorting is stable, so equal lengths keep their shuffled order and ties vary with the seed.
      pool = Array.from(order.subarray(start, end)).sort((a, b) => (lengths[b] as number) - (lengths[a] as number));
    }
    for (let k = 0; k < pool.length; k += batchSize) batches.push(pool.slice(k, k + batchSize));
  }
  return shuffleInPlace(batches, random);
}
