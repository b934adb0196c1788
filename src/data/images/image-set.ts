// Operations on image sets: take rows, a stratified split or subset, class counts, and the train/evaluation duplicate check.
import { FinetuneError } from '../../errors.js';
import { stratifiedSplit } from '../split.js';
import type { ImageSet } from './types.js';

/** The rows `indices` of `set`, in that order (pixels shared, not copied). */
export function takeImages(set: ImageSet, indices: readonly number[]): ImageSet {
  return {
    images: indices.map((i) => set.images[i]!),
    labels: indices.map((i) => set.labels[i]!),
    origins: indices.map((i) => set.origins[i]!),
    keys: indices.map((i) => set.keys[i]!),
  };
}

const rows = (set: ImageSet): { label: string; index: number }[] => set.labels.map((label, index) => ({ label, index }));

/** Holds out about `fraction` of each class (seeded; the same set, fraction and seed give the same split). */
export function splitImageSet(set: ImageSet, fraction: number, seed: number): { train: ImageSet; validation: ImageSet } {
  const { train, validation } = stratifiedSplit(rows(set), fraction, seed);
  return {
    train: takeImages(
      set,
      train.map((r) => r.index),
    ),
    validation: takeImages(
      set,
      validation.map((r) => r.index),
    ),
  };
}

/** A stratified subset of `count` images (each class keeps its share; seeded), for learning curves such as 1,000 of 60,000. */
export function subsetImageSet(set: ImageSet, count: number, seed: number): ImageSet {
  if (!Number.isInteger(count) || count < 1) throw new FinetuneError(`subset of ${count} images: must be an integer >= 1`);
  if (count >= set.images.length) return set;
  const { validation } = stratifiedSplit(rows(set), count / set.images.length, seed);
  return takeImages(
    set,
    validation.map((r) => r.index),
  );
}

/** Images of an evaluation set whose bytes (encoded file, or raw IDX pixels) also occur in the training set. */
export interface ImageDuplicates {
  /** Indices into the evaluation set. */
  readonly evalIndices: readonly number[];
  /** Where the first duplicate came from in each set, for the warning. */
  readonly example?: { readonly train: string; readonly evaluation: string };
}

/** The evaluation images whose bytes also occur in training (the image form of src/data/leakage.ts). */
export function findDuplicateImages(train: ImageSet, evaluation: ImageSet): ImageDuplicates {
  const trainAt = new Map<string, number>();
  train.keys.forEach((k, i) => {
    if (!trainAt.has(k)) trainAt.set(k, i);
  });
  const evalIndices: number[] = [];
  let example: ImageDuplicates['example'];
  evaluation.keys.forEach((k, i) => {
    const t = trainAt.get(k);
    if (t === undefined) return;
    evalIndices.push(i);
    example ??= { train: train.origins[t]!, evaluation: evaluation.origins[i]! };
  });
  return example ? { evalIndices, example } : { evalIndices };
}

/** A one-line warning about duplicated images, or undefined when there are none. */
export function duplicateImagesWarning(d: ImageDuplicates, evaluationSize: number, evalName = 'evaluation data'): string | undefined {
  if (d.evalIndices.length === 0 || !d.example) return undefined;
  const percent = ((100 * d.evalIndices.length) / Math.max(1, evaluationSize)).toFixed(1);
  return (
    `${evalName}: ${d.evalIndices.length} of ${evaluationSize} images (${percent}%) have the same bytes as a training image, ` +
    `e.g. ${d.example.evaluation} = ${d.example.train}; scores on them overstate the model`
  );
}
