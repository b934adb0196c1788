// Image classification: one class per image, pixel values collated per batch (augmented when training), scored as classification.
import { type AugmentOptions, pixelValues, type PixelPreprocessing } from '../../data/images/pixels.js';
import type { PixelImage } from '../../data/images/types.js';
import type { ImageInputs } from '../../models/types.js';
import { Tensor } from '../../tensor/tensor.js';
import { type ClassificationTaskOptions, classificationScoring } from '../classification/index.js';
import type { ClassificationMetrics } from '../classification/metrics.js';
import type { Task, TaskBatch } from '../task.js';

/** Training augmentation and the epoch it draws for (the trainer sets the epoch through the task's setEpoch). */
export interface ImageAugmentation {
  readonly options: AugmentOptions;
  /** Off while a frozen base's features are computed once (they must not depend on a random crop). */
  enabled: boolean;
  epoch: number;
}

/**
 * Images with their class ids, kept 8-bit: each batch is resized and normalised when collated, so a
 * data set of 60,000 images never sits in memory as float pixel values.
 */
export interface ImageClassificationData {
  readonly images: readonly PixelImage[];
  /** Class id per image. */
  readonly labels: Int32Array;
  /** The model's preprocessing (its size, mean and std). */
  readonly preprocessing: PixelPreprocessing;
  /** Random resized crops and flips (training data only; absent: evaluation preprocessing). */
  readonly augmentation?: ImageAugmentation;
  /** Where each image came from (paths, or `file: image N` for IDX data), for the report's grid. */
  readonly origins?: readonly string[];
}

/** The image-classification task over `options.labels`: cross-entropy, accuracy / precision / recall / F1, the confusion matrix. */
export function imageClassificationTask(options: ClassificationTaskOptions): Task<ImageClassificationData, ClassificationMetrics, ImageInputs> {
  return {
    ...classificationScoring<ImageInputs>(options),
    name: 'image-classification',
    headKind: 'image-classification',
    size: (data) => data.labels.length,
    // Every image is the same size once resized: one length each, so length grouping changes nothing.
    lengths: (data) => new Array<number>(data.labels.length).fill(1),
    collate(data, indices): TaskBatch<ImageInputs> {
      const { height, width } = data.preprocessing.size;
      const a = data.augmentation;
      const values = pixelValues(data.images, indices, data.preprocessing, a?.enabled ? { options: a.options, epoch: a.epoch } : undefined);
      const targets = Int32Array.from(indices, (i) => data.labels[i]!);
      return {
        inputs: { pixelValues: new Tensor(values, [indices.length, 3, height, width]) },
        targets: new Tensor(targets, [indices.length]),
        items: indices.length,
        tokens: 0,
        indices,
      };
    },
    setEpoch(data, epoch) {
      if (data.augmentation) data.augmentation.epoch = epoch;
    },
  };
}
