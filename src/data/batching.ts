// Batch index plans: plain (optionally shuffled) batches and length-bucketed batches that waste less padding.
import { FinetuneError } from '../errors.js';
import { createRandom, shuffleInPlace } from './random.js';

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
  const order = shuffleInPlace(
    Array.from({ length: lengths.length }, (_, i) => i),
    random,
  );
  const poolSize = poolBatches * batchSize;
  const batches: number[][] = [];
  for (let start = 0; start < order.length; start += poolSize) {
    // Sorting is stable, so equal lengths keep their shuffled order and ties vary with the seed.
    const pool = order.slice(start, start + poolSize).sort((a, b) => (lengths[b] as number) - (lengths[a] as number));
    batches.push(...chunk(pool, batchSize));
  }
  return shuffleInPlace(batches, random);
}
