// Runs a model and its ONNX export on the same padded batch, for the export tests: our logits beside ONNX Runtime's.
import ort from 'onnxruntime-node';
import type { TaskModel } from '../../src/models/types.js';
import { noGrad } from '../../src/tensor/autograd.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** A batch of token ids [B, T] with its mask; rows shorter than T are padded with `padId`. */
export interface IdBatch {
  readonly ids: number[][];
  readonly mask: number[][];
}

/** `rows` sequences of the given lengths, ids drawn deterministically from [first, vocab), padded to the longest. */
export function idBatch(lengths: readonly number[], vocab: number, padId: number, first = 3): IdBatch {
  const t = Math.max(...lengths);
  let state = 12345;
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return first + (state % (vocab - first));
  };
  const ids = lengths.map((n) => Array.from({ length: t }, (_, i) => (i < n ? next() : padId)));
  const mask = lengths.map((n) => Array.from({ length: t }, (_, i) => (i < n ? 1 : 0)));
  return { ids, mask };
}

/** Our model's logits on the batch, flat. */
export function ourLogits(model: TaskModel, batch: IdBatch): Float32Array {
  const shape = [batch.ids.length, batch.ids[0]!.length];
  const inputs = {
    inputIds: new Tensor(Int32Array.from(batch.ids.flat()), shape, { dtype: 'int32' }),
    attentionMask: new Tensor(Int32Array.from(batch.mask.flat()), shape, { dtype: 'int32' }),
  };
  return Float32Array.from(noGrad(() => model.forward(inputs)).data);
}

/** ONNX Runtime's `logits` for the exported file on the batch (token_type_ids zero when the graph takes them). */
export async function onnxLogits(file: string, batch: IdBatch): Promise<{ logits: Float32Array; dims: readonly number[]; inputs: readonly string[] }> {
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  const shape = [batch.ids.length, batch.ids[0]!.length];
  const int64 = (rows: number[][]): ort.Tensor => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), shape);
  const feeds: Record<string, ort.Tensor> = { input_ids: int64(batch.ids), attention_mask: int64(batch.mask) };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = int64(batch.ids.map((row) => row.map(() => 0)));
  const out = await session.run(feeds);
  const logits = out.logits!;
  const result = { logits: Float32Array.from(logits.data as Float32Array), dims: logits.dims, inputs: session.inputNames };
  await session.release();
  return result;
}

/** The largest absolute difference between two arrays of the same length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

/** Argmax of each row of `width` values. */
export function rowArgmax(values: ArrayLike<number>, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r * width < values.length; r++) {
    let best = 0;
    for (let c = 1; c < width; c++) if (values[r * width + c]! > values[r * width + best]!) best = c;
    out.push(best);
  }
  return out;
}
