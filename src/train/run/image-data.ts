// The data of an image-classification run: images read, split or paired with their test set, checked for duplicates, kept 8-bit until batched.
import { classDistribution, imbalanceWarning } from '../../data/distribution.js';
import { findDuplicateImages, duplicateImagesWarning, splitImageSet, subsetImageSet } from '../../data/images/image-set.js';
import type { AugmentOptions, PixelPreprocessing } from '../../data/images/pixels.js';
import { isIdxFolder } from '../../data/images/idx.js';
import { loadIdxSplit, loadImageSet, type ImageLoadOptions } from '../../data/images/sources.js';
import type { ImageSet, LoadedImageSet } from '../../data/images/types.js';
import { sortLabels } from '../../data/labels.js';
import type { ClassCount } from '../../data/types.js';
import { FinetuneError } from '../../errors.js';
import type { ImageClassificationData } from '../../tasks/image-classification/index.js';
import { DEFAULT_EVAL_SPLIT, describeClasses } from './prepare-data.js';

export interface ImageDataOptions {
  /** A folder of class folders, a CSV/JSONL of path and label, an IDX images file, or a folder of IDX files. */
  readonly data: string;
  /** Validation images (the same kinds), which pick the best checkpoint; default: a stratified split of `data`. */
  readonly evalData?: string;
  /** Test images, scored once after training; default: an IDX folder's test split, else none. */
  readonly testData?: string;
  /** Fraction of `data` held out when there is no evaluation data (default 0.1; 0: none). */
  readonly evalSplit?: number;
  /** Train on a stratified subset of this many images (default: all), e.g. 1,000 of Fashion-MNIST's 60,000. */
  readonly maxTrainImages?: number;
  /** Validate and test on stratified subsets of this many images (default: all), when a full set costs too much per evaluation. */
  readonly maxEvalImages?: number;
  /** Skip undecodable images, counting them, instead of failing (default false). */
  readonly skipBadImages?: boolean;
  /** CSV/JSONL columns (detected when absent). */
  readonly imageColumn?: string;
  readonly labelColumn?: string;
  /** The model's input size, to bound the decoded size (default: 224). */
  readonly inputSize?: number;
  /** Seed of the split and the subset. */
  readonly seed: number;
}

/** An image run's data, read and checked, before the model fixes the preprocessing. */
export interface ImageRunData {
  /** Class names in id order (an IDX set's own order, else sorted). */
  readonly classNames: readonly string[];
  readonly train: ImageSet;
  readonly evaluation: ImageSet | undefined;
  readonly evaluationName: string | undefined;
  /** Scored once, after training. */
  readonly test: ImageSet | undefined;
  readonly testName: string | undefined;
  readonly description: readonly string[];
  readonly warnings: readonly string[];
  readonly classCounts: readonly ClassCount[];
  /** The task's data: `augment` makes the training images draw random resized crops and flips. */
  encode(
    preprocessing: PixelPreprocessing,
    augment: AugmentOptions | undefined,
  ): { train: ImageClassificationData; evaluation: ImageClassificationData | undefined; test: ImageClassificationData | undefined };
}

/**
 * The short side images are decoded to at most: enough for the model's input and a crop margin, so a
 * folder of photos is not held at camera size (ResNet's 224 crop of a 256 resize fits).
 */
export function decodeBound(inputSize = 224): number {
  return Math.max(256, Math.ceil(inputSize * 1.15));
}

function describeSet(name: string, set: LoadedImageSet): string {
  const sizes = new Set(set.images.slice(0, 1000).map((i) => `${i.width}x${i.height}`));
  const size = sizes.size === 1 ? `, ${[...sizes][0]} pixels` : '';
  return `${name}: ${set.images.length.toLocaleString('en-US')} images (${set.format}${size})${set.skipped.length > 0 ? `, ${set.skipped.length} unreadable skipped` : ''}`;
}

function classIds(set: ImageSet, names: readonly string[], where: string): Int32Array {
  const ids = new Map(names.map((n, i) => [n, i]));
  return Int32Array.from(set.labels, (label, i) => {
    const id = ids.get(label);
    if (id === undefined) throw new FinetuneError(`${set.origins[i]}: label '${label}' is not a class of the training data (${where}: ${names.join(', ')})`);
    return id;
  });
}

/** Reads, splits and checks image data; a problem is one line naming the file. */
export async function imageRunData(options: ImageDataOptions): Promise<ImageRunData> {
  const split = options.evalSplit ?? DEFAULT_EVAL_SPLIT;
  if (!(split >= 0 && split < 1)) throw new FinetuneError(`--eval-split ${split}: must be a fraction in [0, 1)`);
  const load: ImageLoadOptions = {
    maxShortEdge: decodeBound(options.inputSize),
    ...(options.skipBadImages ? { skipBadImages: true } : {}),
    ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
  };
  const description: string[] = [];
  const warnings: string[] = [];
  const loaded = await loadImageSet(options.data, load);
  description.push(describeSet(options.data, loaded));
  const skippedWarning = (set: LoadedImageSet, name: string): void => {
    if (set.skipped.length > 0) warnings.push(`${name}: skipped ${set.skipped.length} unreadable image(s) (--skip-bad-images), e.g. ${set.skipped[0]}`);
  };
  skippedWarning(loaded, options.data);
  let train: ImageSet = loaded;
  let evaluation: ImageSet | undefined;
  let evaluationName: string | undefined;
  if (options.evalData !== undefined) {
    const set = await loadImageSet(options.evalData, load);
    description.push(describeSet(options.evalData, set));
    skippedWarning(set, options.evalData);
    evaluation = set;
    evaluationName = options.evalData;
  } else if (split > 0) {
    const parts = splitImageSet(loaded, split, options.seed);
    train = parts.train;
    evaluation = parts.validation;
    evaluationName = `validation split (${parts.validation.images.length.toLocaleString('en-US')} images, ${+(split * 100).toPrecision(3)}% of ${options.data}, seed ${options.seed})`;
  }
  // The test images are touched once, after training: checkpoints are picked on the validation images.
  let test: ImageSet | undefined;
  let testName: string | undefined;
  if (options.testData !== undefined) {
    const set = await loadImageSet(options.testData, load);
    description.push(describeSet(options.testData, set));
    skippedWarning(set, options.testData);
    test = set;
    testName = options.testData;
  } else if (loaded.format === 'idx' && isIdxFolder(options.data)) {
    test = await loadIdxSplit(options.data, 'test');
    testName = `${options.data} (its test split)`;
  }
  if (options.maxTrainImages !== undefined) {
    if (!Number.isInteger(options.maxTrainImages) || options.maxTrainImages < 2)
      throw new FinetuneError(`--max-train-images ${options.maxTrainImages}: must be an integer >= 2`);
    if (options.maxTrainImages < train.images.length) {
      train = subsetImageSet(train, options.maxTrainImages, options.seed);
      description.push(`training on a stratified subset of ${train.images.length.toLocaleString('en-US')} images (--max-train-images, seed ${options.seed})`);
    }
  }
  if (options.maxEvalImages !== undefined && evaluation) {
    if (!Number.isInteger(options.maxEvalImages) || options.maxEvalImages < 2)
      throw new FinetuneError(`--max-eval-images ${options.maxEvalImages}: must be an integer >= 2`);
    if (options.maxEvalImages < evaluation.images.length) {
      evaluation = subsetImageSet(evaluation, options.maxEvalImages, options.seed);
      evaluationName = `${evaluationName}, a stratified subset of ${evaluation.images.length.toLocaleString('en-US')} (--max-eval-images, seed ${options.seed})`;
    }
  }
  if (options.maxEvalImages !== undefined && test && options.maxEvalImages < test.images.length) {
    test = subsetImageSet(test, options.maxEvalImages, options.seed);
    testName = `${testName}, a stratified subset of ${test.images.length.toLocaleString('en-US')} (--max-eval-images, seed ${options.seed})`;
  }
  const classCounts = classDistribution(train.labels.map((label) => ({ label })));
  if (classCounts.length < 2)
    throw new FinetuneError(`${options.data}: only one class ('${classCounts[0]?.label ?? ''}') in the training images; a classifier needs at least two`);
  const classNames = loaded.classNames?.filter((n) => classCounts.some((c) => c.label === n)) ?? sortLabels(classCounts.map((c) => c.label));
  const ordered = classNames.map((n) => classCounts.find((c) => c.label === n)!);
  description.push(`training: ${train.images.length.toLocaleString('en-US')} images, ${classNames.length} classes: ${describeClasses(ordered)}`);
  const imbalance = imbalanceWarning(ordered);
  if (imbalance !== undefined) warnings.push(`${options.data}: ${imbalance}`);
  const trainIds = classIds(train, classNames, 'training classes');
  const evalIds = evaluation ? classIds(evaluation, classNames, 'training classes') : undefined;
  const testIds = test ? classIds(test, classNames, 'training classes') : undefined;
  if (evaluation && evaluationName) {
    description.push(
      `evaluation: ${evaluation.images.length.toLocaleString('en-US')} images from ${evaluationName}: ${describeClasses(classDistribution(evaluation.labels.map((label) => ({ label }))))}`,
    );
    const duplicates = duplicateImagesWarning(findDuplicateImages(train, evaluation), evaluation.images.length, evaluationName);
    if (duplicates !== undefined) warnings.push(duplicates);
  }
  if (test && testName) {
    description.push(
      `test: ${test.images.length.toLocaleString('en-US')} images from ${testName}, scored once after training: ${describeClasses(classDistribution(test.labels.map((label) => ({ label }))))}`,
    );
    const duplicates = duplicateImagesWarning(findDuplicateImages(train, test), test.images.length, testName);
    if (duplicates !== undefined) warnings.push(duplicates);
  }
  return {
    classNames,
    train,
    evaluation,
    evaluationName,
    test,
    testName,
    description,
    warnings,
    classCounts: ordered,
    encode(preprocessing, augment) {
      return {
        train: {
          images: train.images,
          labels: trainIds,
          preprocessing,
          origins: train.origins,
          ...(augment ? { augmentation: { options: augment, enabled: true, epoch: 0 } } : {}),
        },
        evaluation: evaluation && evalIds ? { images: evaluation.images, labels: evalIds, preprocessing, origins: evaluation.origins } : undefined,
        test: test && testIds ? { images: test.images, labels: testIds, preprocessing, origins: test.origins } : undefined,
      };
    },
  };
}
