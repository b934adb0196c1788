// Tokenize once, then batch: dynamic padding to the longest example of each batch, seeded order, optional length grouping.
import { batchIndices, bucketByLength } from '../data/batching.js';
import type { LabelMap } from '../data/labels.js';
import type { Example } from '../data/types.js';
import { FinetuneError } from '../errors.js';
import type { ModelInputs } from '../models/types.js';
import { Tensor } from '../tensor/tensor.js';
import type { TextTokenizer } from '../tokenizers/types.js';

/** A tokenized data set: unpadded ids per example, segment ids when the examples are pairs, label ids. */
export interface EncodedDataset {
  readonly inputIds: readonly Int32Array[];
  /** Segment ids per example; null when every example is a single text. */
  readonly typeIds: readonly Int32Array[] | null;
  /** Class id per example. */
  readonly labels: Int32Array;
  readonly padId: number;
}

export interface EncodeDatasetOptions {
  /** Longest sequence kept, special tokens included; longer texts are truncated. */
  readonly maxLength: number;
  /** Names the data set in errors (e.g. the file). */
  readonly source?: string;
}

/** Tokenizes every example once and maps its label through `labels` (an unseen label fails, naming the example). */
export function encodeDataset(
  examples: readonly Example[], tokenizer: TextTokenizer, labels: LabelMap, options: EncodeDatasetOptions,
): EncodedDataset {
  if (!Number.isInteger(options.maxLength) || options.maxLength < 2) {
    throw new FinetuneError(`max length ${options.maxLength} must be an integer >= 2`);
  }
  const labelIds = labels.encode(examples);
  const pairs = examples.some((e) => e.textPair !== undefined);
  const inputIds: Int32Array[] = [];
  const typeIds: Int32Array[] = [];
  examples.forEach((example, i) => {
    const encoding = tokenizer.encode(example.text, example.textPair, { maxLength: options.maxLength });
    if (encoding.ids.length === 0) {
      throw new FinetuneError(`${example.origin ?? `${options.source ?? 'data'}: example ${i + 1}`}: the text gives no tokens`);
    }
    inputIds.push(Int32Array.from(encoding.ids));
    if (pairs) typeIds.push(Int32Array.from(encoding.typeIds));
  });
  return { inputIds, typeIds: pairs ? typeIds : null, labels: labelIds, padId: tokenizer.padId };
}

/** The token count of every example. */
export function exampleLengths(dataset: EncodedDataset): number[] {
  return dataset.inputIds.map((ids) => ids.length);
}

/** A padded batch. Shapes: B examples, T the longest example's tokens. */
export interface Batch {
  readonly inputs: ModelInputs;
  /** int32 [B] class ids. */
  readonly labels: Tensor;
  /** Non-padding tokens in the batch. */
  readonly tokens: number;
  readonly indices: readonly number[];
}

/** Pads the examples at `indices` to the longest of them. */
export function collate(dataset: EncodedDataset, indices: readonly number[]): Batch {
  const b = indices.length;
  let t = 1;
  for (const i of indices) t = Math.max(t, dataset.inputIds[i]!.length);
  const ids = new Int32Array(b * t).fill(dataset.padId);
  const mask = new Int32Array(b * t);
  const types = dataset.typeIds ? new Int32Array(b * t) : null;
  const labels = new Int32Array(b);
  let tokens = 0;
  indices.forEach((index, row) => {
    const source = dataset.inputIds[index]!;
    ids.set(source, row * t);
    mask.fill(1, row * t, row * t + source.length);
    if (types) types.set(dataset.typeIds![index]!, row * t);
    labels[row] = dataset.labels[index]!;
    tokens += source.length;
  });
  const inputs: ModelInputs = {
    inputIds: new Tensor(ids, [b, t]),
    attentionMask: new Tensor(mask, [b, t]),
    ...(types ? { tokenTypeIds: new Tensor(types, [b, t]) } : {}),
  };
  return { inputs, labels: new Tensor(labels, [b]), tokens, indices };
}

/** A seed for one epoch's order, distinct per epoch and per run seed. */
export function epochSeed(seed: number, epoch: number): number {
  return ((seed >>> 0) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
}

/**
 * The batches of one training epoch: shuffled by (seed, epoch), and with `groupByLength` pooled by
 * similar length so dynamic padding pads little. The same arguments always give the same plan,
 * which is what lets a resumed run skip exactly the batches it already did.
 */
export function trainBatchPlan(dataset: EncodedDataset, batchSize: number, seed: number, epoch: number, groupByLength: boolean): number[][] {
  const s = epochSeed(seed, epoch);
  return groupByLength
    ? bucketByLength(exampleLengths(dataset), batchSize, s)
    : batchIndices(dataset.labels.length, batchSize, s, true);
}

/** Evaluation batches: examples sorted by length (longest first) so padding is minimal; the order does not affect metrics. */
export function evalBatchPlan(lengths: readonly number[], batchSize: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  return batches;
}
