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

/** An evaluation image the model got wrong: its index in the data, the true and predicted class ids, the predicted class's probability. */
export interface Misclassified {
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  readonly score: number;
}

/** Classification metrics plus the most confident mistakes (for report.html's grid). */
export interface ImageClassificationMetrics extends ClassificationMetrics {
  /** At most `misclassifiedLimit` mistakes, most confident first (ties: lower index first). */
  readonly misclassified: readonly Misclassified[];
}

export interface ImageClassificationTaskOptions extends ClassificationTaskOptions {
  /** Mistakes kept for the report (default 48). */
  readonly misclassifiedLimit?: number;
}

const byConfidence = (a: Misclassified, b: Misclassified): number => b.score - a.score || a.index - b.index;

/** The image-classification task over `options.labels`: cross-entropy, accuracy / precision / recall / F1, the confusion matrix, the surest mistakes. */
export function imageClassificationTask(options: ImageClassificationTaskOptions): Task<ImageClassificationData, ImageClassificationMetrics, ImageInputs> {
  const scoring = classificationScoring<ImageInputs>(options);
  const limit = options.misclassifiedLimit ?? 48;
  const classes = options.labels.length;
  return {
    ...scoring,
    metrics() {
      const inner = scoring.metrics();
      let wrong: Misclassified[] = [];
      return {
        add(logits, batch) {
          inner.add(logits, batch);
          const values = logits.f32();
          const actual = batch.targets.i32();
          batch.indices.forEach((index, row) => {
            const r = values.subarray(row * classes, (row + 1) * classes);
            let best = 0;
            for (let c = 1; c < classes; c++) if (r[c]! > r[best]!) best = c;
            if (best === actual[row]) return;
            let total = 0;
            for (let c = 0; c < classes; c++) total += Math.exp(r[c]! - r[best]!);
            wrong.push({ index, label: actual[row]!, predicted: best, score: 1 / total });
          });
          // Sorted and cut back now and then, so a poor model on 10,000 images keeps a bounded list.
          if (wrong.length > 4 * limit) wrong = wrong.sort(byConfidence).slice(0, limit);
        },
        result: () => ({ ...inner.result(), misclassified: wrong.sort(byConfidence).slice(0, limit) }),
      };
    },
    details: (m) => ({ ...scoring.details(m), misclassified: m.misclassified }),
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
