// Sharded safetensors checkpoints: `model.safetensors.index.json` maps each key to the shard file holding it.

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { readTextBounded } from './bounded-read.js';
import type { RawTensor } from './raw-tensor.js';
import { readSafetensors, type SafetensorsContents, type SafetensorsReadOptions } from './safetensors.js';

export interface ShardIndex {
  /** Tensor key -> shard file name (relative to the index's folder). */
  readonly weightMap: Map<string, string>;
  /** Shard file names in first-use order. */
  readonly shards: string[];
  /** The index's `metadata` object (e.g. `total_size`); empty when absent. */
  readonly metadata: Record<string, unknown>;
}

/** Reads a `*.index.json` file with a `weight_map` (safetensors or pytorch_model.bin shards). */
export function readShardIndex(indexPath: string): ShardIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextBounded(indexPath, 'config'));
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    const problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new FinetuneError(`${indexPath}: cannot read the shard index (${problem})`);
  }
  const weightMapValue = (parsed as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMapValue !== 'object' || weightMapValue === null || Array.isArray(weightMapValue)) {
    throw new FinetuneError(`${indexPath}: no "weight_map" object`);
  }
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [key, shard] of Object.entries(weightMapValue)) {
    // Shards live beside the index; anything else could read files outside the model folder.
    if (typeof shard !== 'string' || shard === '' || isAbsolute(shard) || shard.split(/[\\/]/).includes('..')) {
      throw new FinetuneError(`${indexPath}: weight_map '${key}' names an invalid shard ${JSON.stringify(shard)}`);
    }
    weightMap.set(key, shard);
    if (!shards.includes(shard)) shards.push(shard);
  }
  const metadataValue = (parsed as { metadata?: unknown }).metadata;
  const metadata = typeof metadataValue === 'object' && metadataValue !== null ? (metadataValue as Record<string, unknown>) : {};
  return { weightMap, shards, metadata };
}

/** Checks every shard of an index exists before any is read, naming the first missing one. */
export function checkShardsExist(indexPath: string, index: ShardIndex): void {
  for (const shard of index.shards) {
    if (!existsSync(join(dirname(indexPath), shard))) {
      const key = [...index.weightMap].find(([, file]) => file === shard)![0];
      throw new FinetuneError(`${indexPath}: shard '${shard}' (holding '${key}') is missing`);
    }
  }
}

/**
 * Reads a sharded safetensors checkpoint into one map. Each key is taken from the shard the index
 * names; a key the index lists but its shard lacks is an error naming both.
 */
export function readShardedSafetensors(indexPath: string, options: SafetensorsReadOptions = {}): SafetensorsContents {
  const index = readShardIndex(indexPath);
  checkShardsExist(indexPath, index);
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  for (const shard of index.shards) {
    const wanted = (key: string): boolean => index.weightMap.get(key) === shard && (!options.select || options.select(key));
    const contents = readSafetensors(join(dirname(indexPath), shard), { select: wanted });
    for (const [key, tensor] of contents.tensors) tensors.set(key, tensor);
    metadata = { ...metadata, ...contents.metadata };
  }
  for (const [key, shard] of index.weightMap) {
    if (!tensors.has(key) && (!options.select || options.select(key))) {
      throw new FinetuneError(`${indexPath}: '${key}' is not in its shard '${shard}'`);
    }
  }
  return { tensors, metadata };
}
