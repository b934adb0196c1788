// The contract of an image classifier: a TaskModel that reads pixel values and carries its preprocessing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonObject } from '../../io/json-file.js';
import type { TaskModel } from '../types.js';
import { type ImagePreprocessor, readPreprocessorConfig } from './preprocessor.js';

/**
 * `...ForImageClassification`: forward takes ImageInputs (pixel values [B, C, H, W]) and gives logits [B, C'];
 * features are the pooled base output [B, F], classify the head.
 */
export interface ImageTaskModel extends TaskModel {
  /** How images are resized and normalised for this model (preprocessor_config.json; the loader sets the folder's). */
  preprocessor: ImagePreprocessor;
  /** Channels of pixel_values (config.json num_channels; 3 for RGB). */
  readonly numChannels: number;
}

/** True for models that read images. */
export function isImageTaskModel(model: TaskModel): model is ImageTaskModel {
  return model.head.kind === 'image-classification' && 'preprocessor' in model;
}

/** `folder`/preprocessor_config.json when present, else `fallback` (the family's default). */
export function readPreprocessorFile(folder: string, fallback: ImagePreprocessor): ImagePreprocessor {
  const file = join(folder, 'preprocessor_config.json');
  return existsSync(file) ? readPreprocessorConfig(readJsonObject(file) as Record<string, unknown>, file) : fallback;
}
