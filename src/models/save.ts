// Saves a sequence classifier as a Hugging Face model folder: model.safetensors, config.json, tokenizer files.
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import type { RawTensor } from '../io/raw-tensor.js';
import { writeSafetensors } from '../io/safetensors.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { configJsonText } from './encoder/config-json.js';
import type { TaskModel } from './types.js';
import { isImageTaskModel } from './vision/image-model.js';
import { preprocessorConfigJson } from './vision/preprocessor.js';

/** The checkpoint tensors as the safetensors writer takes them (sharing the parameters' data). */
export function checkpointTensors(model: TaskModel): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  for (const [key, tensor] of model.checkpointState()) {
    out.set(key, { dtype: tensor.dtype, shape: [...tensor.shape], data: tensor.data });
  }
  return out;
}

/**
 * Writes `model` into `dir` as transformers' save_pretrained does: model.safetensors (float32, the
 * keys and shapes of the transformers class, metadata format=pt) and config.json, plus the tokenizer
 * files when a tokenizer is given and preprocessor_config.json for an image model. Each file is written atomically (temporary name, then rename);
 * other files in `dir` are left alone, so a training run's output folder keeps its logs and checkpoints.
 */
export async function saveTaskModel(model: TaskModel, tokenizer: TextTokenizer | null, dir: string): Promise<void> {
  writeSafetensors(join(dir, 'model.safetensors'), checkpointTensors(model), { format: 'pt' });
  writeFileAtomic(join(dir, 'config.json'), configJsonText(model.configJson()));
  if (isImageTaskModel(model)) writeFileAtomic(join(dir, 'preprocessor_config.json'), configJsonText(preprocessorConfigJson(model.preprocessor)));
  if (tokenizer) await tokenizer.save(dir);
}
