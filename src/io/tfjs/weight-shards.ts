// Reads the binary shard files a TF.js weightsManifest lists and decodes every weight (graph and layers models alike).

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readFileBounded } from '../bounded-read.js';
import type { RawTensor } from '../raw-tensor.js';
import { decodeWeightGroup, groupByteLength, type TfjsWeightGroup } from './weights-manifest.js';

function shardSize(path: string, file: string, group: number): number {
  try {
    const stat = statSync(path);
    if (!stat.isFile()) throw new FinetuneError(`${path}: not a file (a weight shard listed in ${file} weightsManifest[${group}])`);
    return stat.size;
  } catch (error) {
    if (error instanceof FinetuneError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FinetuneError(`${path}: missing weight shard (listed in ${file} weightsManifest[${group}])`);
    throw new FinetuneError(`${path}: cannot read weight shard (${code ?? (error as Error).message})`);
  }
}

/**
 * Checks the shard sizes of one group against what its weights need, before reading anything, so
 * the error names the file at fault. The converter cuts a group into shards of one fixed size and
 * a shorter last one, so a shard shorter than its earlier siblings is the truncated one.
 */
function checkShardSizes(paths: readonly string[], sizes: readonly number[], expected: number, where: string): void {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === expected) return;
  if (paths.length === 0) throw new FinetuneError(`${where}: no shard files listed, but the weights need ${expected} bytes`);
  if (total > expected) {
    throw new FinetuneError(`${where}: the shards hold ${total} bytes, ${total - expected} more than the listed weights need (${expected})`);
  }
  const fullSize = Math.max(...sizes.slice(0, -1), 0);
  const short = sizes.findIndex((size, i) => i < sizes.length - 1 && size < fullSize);
  const culprit = paths[short >= 0 ? short : paths.length - 1]!;
  throw new FinetuneError(`${culprit}: truncated weight shard (the shards hold ${total} bytes, the weights listed in ${where} need ${expected})`);
}

/**
 * Reads and decodes all weights of `groups`, with shard paths relative to `dir`. `file` is the
 * model.json path, used in errors. Each weight gets its own buffer.
 */
export function readWeightShards(dir: string, groups: readonly TfjsWeightGroup[], file: string): Map<string, RawTensor> {
  const weights = new Map<string, RawTensor>();
  groups.forEach((group, g) => {
    const where = `${file} weightsManifest[${g}]`;
    const paths = group.paths.map((p) => join(dir, p));
    const sizes = paths.map((p) => shardSize(p, file, g));
    checkShardSizes(paths, sizes, groupByteLength(group), where);
    const stream = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
    let offset = 0;
    paths.forEach((path, i) => {
      const bytes = readFileBounded(path, 'weights');
      // The file may change between stat and read; the decoder's length check would then fail with a vaguer message.
      if (bytes.byteLength !== sizes[i]) throw new FinetuneError(`${path}: changed size while being read`);
      stream.set(bytes, offset);
      offset += bytes.byteLength;
    });
    decodeWeightGroup(stream, group, where, weights);
  });
  return weights;
}
