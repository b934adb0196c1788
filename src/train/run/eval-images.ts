// Evaluating an image classifier on labelled images (what `finetune eval` does for an image model): an IDX folder's test split, a class folder or a list.
import { isIdxFolder } from '../../data/images/idx.js';
import { loadIdxSplit, loadImageSet } from '../../data/images/sources.js';
import { FinetuneError } from '../../errors.js';
import { labelList } from '../../models/labels.js';
import type { ImageTaskModel } from '../../models/vision/image-model.js';
import { imageClassificationTask } from '../../tasks/image-classification/index.js';
import type { AnyTask, TaskEvaluation } from '../../tasks/task.js';
import { evaluateModel } from '../evaluate.js';
import { decodeBound } from './image-data.js';

export interface ImageEvalOptions {
  /** An IDX folder (its test split), an IDX images file, a folder of class folders, or a CSV/JSONL list. */
  readonly data: string;
  readonly batchSize: number;
  readonly skipBadImages?: boolean;
  readonly imageColumn?: string;
  readonly labelColumn?: string;
}

/** The model's loss and classification metrics on the images of `options.data` (a label the model lacks fails, naming the image). */
export async function evalImages(model: ImageTaskModel, options: ImageEvalOptions): Promise<{ result: TaskEvaluation; task: AnyTask; examples: number }> {
  const p = model.preprocessor;
  const set = isIdxFolder(options.data)
    ? await loadIdxSplit(options.data, 'test')
    : await loadImageSet(options.data, {
        maxShortEdge: decodeBound(Math.max(p.size.height, p.size.width)),
        ...(options.skipBadImages ? { skipBadImages: true } : {}),
        ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
        ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
      });
  const names = labelList(model.labels);
  const ids = new Map(names.map((n, i) => [n, i]));
  const labels = Int32Array.from(set.labels, (label, i) => {
    const id = ids.get(label) ?? (/^\d+$/.test(label) && names[Number(label)] === `LABEL_${label}` ? Number(label) : undefined);
    if (id === undefined) throw new FinetuneError(`${set.origins[i]}: label '${label}' is not a class of the model (${names.join(', ')})`);
    return id;
  });
  const task = imageClassificationTask({ labels: names });
  const result = evaluateModel(model, task, { images: set.images, labels, preprocessing: p, origins: set.origins }, { batchSize: options.batchSize });
  return { result, task, examples: set.images.length };
}
