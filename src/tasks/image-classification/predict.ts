// Predictions for image files: the class, its probability, every class's probability and the logits, per image.
import { decodeImageFile } from '../../data/images/decode.js';
import { pixelValues } from '../../data/images/pixels.js';
import { labelList } from '../../models/labels.js';
import type { ImageTaskModel } from '../../models/vision/image-model.js';
import { noGrad } from '../../tensor/autograd.js';
import { Tensor } from '../../tensor/tensor.js';

/** What `finetune predict --image` writes per image. */
export interface ImagePrediction {
  readonly image: string;
  /** The most probable class's name. */
  readonly label: string;
  readonly score: number;
  /** Probability of each class, in label-id order (config.json id2label). */
  readonly probs: number[];
  readonly logits: number[];
}

/**
 * Classifies the image files `paths`, `batchSize` at a time (decoded per batch, so a long list is not
 * held decoded); a missing or unreadable file fails with one line naming it before any output for its batch.
 */
export async function predictImages(
  model: ImageTaskModel,
  paths: readonly string[],
  onBatch: (predictions: ImagePrediction[]) => void,
  batchSize = 32,
): Promise<void> {
  const names = labelList(model.labels);
  const p = model.preprocessor;
  const bound = Math.max(256, Math.ceil(1.15 * Math.max(p.size.height, p.size.width)));
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < paths.length; start += batchSize) {
      const chunk = paths.slice(start, start + batchSize);
      const images = await Promise.all(chunk.map(async (path) => (await decodeImageFile(path, { maxShortEdge: bound })).image));
      const values = pixelValues(
        images,
        images.map((_, i) => i),
        p,
      );
      const logits = noGrad(() => model.forward({ pixelValues: new Tensor(values, [chunk.length, 3, p.size.height, p.size.width]) })).f32();
      const classes = names.length;
      onBatch(
        chunk.map((image, row) => {
          const r = Array.from(logits.subarray(row * classes, (row + 1) * classes));
          const max = Math.max(...r);
          const exps = r.map((v) => Math.exp(v - max));
          const total = exps.reduce((a, b) => a + b, 0);
          const probs = exps.map((v) => v / total);
          const best = probs.indexOf(Math.max(...probs));
          return { image, label: names[best]!, score: probs[best]!, probs, logits: r };
        }),
      );
    }
  } finally {
    model.train(wasTraining);
  }
}
