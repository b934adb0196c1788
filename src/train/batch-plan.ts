// Which examples form each batch: a seeded order per epoch, optional length grouping, evaluation batches by length.
import { batchIndices, bucketByLength } from '../data/batching.js';

/** A seed for one epoch's order, distinct per epoch and per run seed. */
export function epochSeed(seed: number, epoch: number): number {
  return ((seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
}

/**
 * The batches of one training epoch: shuffled by (seed, epoch), and with `groupByLength` pooled by
 * similar length so dynamic padding pads little. The same arguments always give the same plan,
 * which is what lets a resumed run skip exactly the batches it already did.
 */
export function trainBatchPlan(lengths: readonly number[], batchSize: number, seed: number, epoch: number, groupByLength: boolean): number[][] {
  const s = epochSeed(seed, epoch);
  return groupByLength ? bucketByLength(lengths, batchSize, s) : batchIndices(lengths.length, batchSize, s, true);
}

/** Evaluation batches: examples sorted by length (longest first) so padding is minimal; the order does not affect metrics. */
export function evalBatchPlan(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}
