// The image flags of `train` (input size, augmentation, subset, bad files, list column) and their options.
import { imageFolderKind } from '../../data/images/sources.js';
import { NSFWJS_MOBILENET_BUILTIN_NAME } from '../../models/mobilenet-v2/pretrained.js';
import type { Flags, FlagSpecs } from '../args.js';

export const IMAGE_TRAIN_FLAGS: FlagSpecs = {
  'image-size': { type: 'int', help: "images: the model's input size in pixels, height = width (default: the model's preprocessor_config.json)" },
  augment: { type: 'boolean', help: 'images: random resized crops and flips when training (--no-augment for none)', default: true },
  'max-train-images': { type: 'int', help: 'images: train on a stratified subset of this many images' },
  'max-eval-images': { type: 'int', help: 'images: evaluate on a stratified subset of this many images' },
  'bn-momentum': { type: 'number', help: "images: batch-norm momentum as PyTorch's (0.1 there; default: the model's, 0.001 for Keras's MobileNetV2)" },
  'skip-bad-images': { type: 'boolean', help: 'images: skip unreadable image files (counted) instead of stopping at the first' },
  'image-column': { type: 'string', help: 'images: the path column of a CSV/JSONL image list (detected when omitted)' },
};

/** The built-in image backbone for a folder of class folders or IDX files given without --model, else undefined. */
export function defaultImageModel(data: string | undefined): string | undefined {
  return data !== undefined && imageFolderKind(data) !== undefined ? NSFWJS_MOBILENET_BUILTIN_NAME : undefined;
}

/** TrainRunOptions' image fields from the flags given. */
export function imageOptionsFromFlags(flags: Flags): {
  imageSize?: number;
  augment?: boolean;
  maxTrainImages?: number;
  maxEvalImages?: number;
  bnMomentum?: number;
  skipBadImages?: boolean;
  imageColumn?: string;
} {
  const size = flags.number('image-size');
  const max = flags.number('max-train-images');
  const maxEval = flags.number('max-eval-images');
  const bn = flags.number('bn-momentum');
  const column = flags.string('image-column');
  return {
    ...(size === undefined ? {} : { imageSize: size }),
    ...(flags.has('augment') ? { augment: flags.boolean('augment') } : {}),
    ...(max === undefined ? {} : { maxTrainImages: max }),
    ...(maxEval === undefined ? {} : { maxEvalImages: maxEval }),
    ...(bn === undefined ? {} : { bnMomentum: bn }),
    ...(flags.boolean('skip-bad-images') ? { skipBadImages: true } : {}),
    ...(column === undefined ? {} : { imageColumn: column }),
  };
}
