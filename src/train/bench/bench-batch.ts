// The batch a training-step benchmark feeds: synthetic token ids, or one saved to safetensors by the PyTorch twin.
import { FinetuneError } from '../../errors.js';
import { readSafetensors } from '../../io/safetensors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import type { TextInputs } from '../../models/types.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';

/** One batch with its labels. Shapes: B rows of T tokens. */
export interface BenchBatch {
  readonly inputs: TextInputs;
  /** int32 [B] class ids. */
  readonly labels: Tensor;
}

/**
 * B rows of T token ids drawn uniformly from [1, vocab) (id 0 is BERT's padding), no padding, segment 0,
 * and labels uniform over the classes; the same seed gives the same batch.
 */
export function syntheticBatch(batchSize: number, seqLen: number, vocabSize: number, numLabels: number, seed: number): BenchBatch {
  const rng = new Random(seed);
  const ids = new Int32Array(batchSize * seqLen);
  for (let i = 0; i < ids.length; i++) ids[i] = 1 + rng.int(Math.max(1, vocabSize - 1));
  const labels = new Int32Array(batchSize);
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(numLabels);
  return {
    inputs: {
      inputIds: new Tensor(ids, [batchSize, seqLen]),
      attentionMask: Tensor.ones([batchSize, seqLen], { dtype: 'int32' }),
      tokenTypeIds: Tensor.zeros([batchSize, seqLen], { dtype: 'int32' }),
    },
    labels: new Tensor(labels, [batchSize]),
  };
}

function intTensor(tensors: ReadonlyMap<string, RawTensor>, key: string, shape: readonly number[], file: string): Tensor {
  const raw = tensors.get(key);
  if (!raw) throw new FinetuneError(`${file}: no tensor '${key}' (a batch file holds input_ids, attention_mask, token_type_ids and labels)`);
  if (raw.dtype !== 'int32' || raw.shape.length !== shape.length || raw.shape.some((d, i) => d !== shape[i])) {
    throw new FinetuneError(`${file}: tensor '${key}' must be an integer tensor of shape [${shape.join(', ')}], got ${raw.dtype} [${raw.shape.join(', ')}]`);
  }
  return new Tensor(raw.data, shape);
}

/**
 * Reads a batch from safetensors: input_ids, attention_mask and token_type_ids [B, T] and labels [B]
 * (any integer type). `expected` is [B, T] from the command line; the file must agree.
 */
export function readBatchFile(file: string, expected: readonly [number, number]): BenchBatch {
  const { tensors } = readSafetensors(file);
  const ids = tensors.get('input_ids');
  if (ids && (ids.shape.length !== 2 || ids.shape[0] !== expected[0] || ids.shape[1] !== expected[1])) {
    throw new FinetuneError(`${file}: input_ids has shape [${ids.shape.join(', ')}], but --batch-size ${expected[0]} and --seq-len ${expected[1]} were given`);
  }
  return {
    inputs: {
      inputIds: intTensor(tensors, 'input_ids', expected, file),
      attentionMask: intTensor(tensors, 'attention_mask', expected, file),
      tokenTypeIds: intTensor(tensors, 'token_type_ids', expected, file),
    },
    labels: intTensor(tensors, 'labels', [expected[0]], file),
  };
}
