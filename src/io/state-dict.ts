// One entry point for a model's weights, whatever the checkpoint format: safetensors, sharded, or PyTorch.

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readPytorchBin } from './pytorch-bin.js';
import type { RawTensor } from './raw-tensor.js';
import { checkShardsExist, readShardIndex, readShardedSafetensors } from './safetensors-index.js';
import { readSafetensors } from './safetensors.js';

/** Weight files of a Hugging Face model folder, in the order transformers prefers them. */
export const WEIGHTS_FILE_NAMES = ['model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'pytorch_model.bin.index.json'] as const;

export interface StateDictReadOptions {
  /** Loads only the keys this returns true for (default: every key). */
  readonly select?: (key: string) => boolean;
}

/** The first weights file present in `folder` (see WEIGHTS_FILE_NAMES), or an error naming the folder. */
export function findWeightsFile(folder: string): string {
  for (const fileName of WEIGHTS_FILE_NAMES) {
    const path = join(folder, fileName);
    if (existsSync(path)) return path;
  }
  throw new FinetuneError(`${folder}: no weights file (looked for ${WEIGHTS_FILE_NAMES.join(', ')})`);
}

function readShardedPytorchBin(indexPath: string, options: StateDictReadOptions): Map<string, RawTensor> {
  const index = readShardIndex(indexPath);
  checkShardsExist(indexPath, index);
  const tensors = new Map<string, RawTensor>();
  for (const shard of index.shards) {
    const wanted = (key: string): boolean => index.weightMap.get(key) === shard && (!options.select || options.select(key));
    for (const [key, tensor] of readPytorchBin(join(dirname(indexPath), shard), { select: wanted })) tensors.set(key, tensor);
  }
  for (const [key, shard] of index.weightMap) {
    if (!tensors.has(key) && (!options.select || options.select(key))) {
      throw new FinetuneError(`${indexPath}: '${key}' is not in its shard '${shard}'`);
    }
  }
  return tensors;
}

/**
 * Reads a checkpoint into one map by its file name: `*.safetensors`, `*.safetensors.index.json`
 * (shards), `*.bin.index.json` (PyTorch shards), anything else as a torch.save file.
 */
export function readStateDict(path: string, options: StateDictReadOptions = {}): Map<string, RawTensor> {
  if (path.endsWith('.safetensors')) return readSafetensors(path, options).tensors;
  if (path.endsWith('.safetensors.index.json')) return readShardedSafetensors(path, options).tensors;
  if (path.endsWith('.index.json')) return readShardedPytorchBin(path, options);
  return readPytorchBin(path, options);
}
