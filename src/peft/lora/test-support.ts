// Shared by the LoRA tests: tiny BERT, DistilBERT and RoBERTa classifiers with random weights, batches, and comparisons.
import { createTaskModel } from '../../models/load.js';
import type { TextInputs, TaskModel } from '../../models/types.js';
import { noGrad } from '../../tensor/autograd.js';
import { Random } from '../../tensor/random.js';
import { Tensor } from '../../tensor/tensor.js';

export type TinyFamily = 'bert' | 'distilbert' | 'roberta';
export const TINY_FAMILIES: readonly TinyFamily[] = ['bert', 'distilbert', 'roberta'];

const LABELS = { id2label: { 0: 'neg', 1: 'neu', 2: 'pos' }, label2id: { neg: 0, neu: 1, pos: 2 } };

/** A config.json for a tiny model of `family`: hidden 16, 2 layers, 2 heads, vocabulary 50, 3 labels. */
export function tinyConfig(family: TinyFamily): Record<string, unknown> {
  if (family === 'distilbert') {
    return { model_type: 'distilbert', vocab_size: 50, dim: 16, n_layers: 2, n_heads: 2, hidden_dim: 24, max_position_embeddings: 32, ...LABELS };
  }
  return {
    model_type: family,
    vocab_size: 50,
    hidden_size: 16,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 24,
    max_position_embeddings: 40,
    pad_token_id: family === 'roberta' ? 1 : 0,
    ...LABELS,
  };
}

/** A tiny classifier of `family` with transformers' random initialisation (deterministic per call order). */
export function tinyModel(family: TinyFamily): TaskModel {
  return createTaskModel(tinyConfig(family) as never);
}

/** A padded batch of `rows` random sequences (the later rows shorter) with ids in [3, 50). */
export function tinyBatch(rows = 3, length = 7, seed = 1): TextInputs {
  const rng = new Random(seed);
  const ids = new Int32Array(rows * length);
  const mask = new Int32Array(rows * length);
  for (let r = 0; r < rows; r++) {
    const used = Math.max(2, length - r * 2);
    for (let t = 0; t < length; t++) {
      ids[r * length + t] = t < used ? 3 + rng.int(47) : 1;
      mask[r * length + t] = t < used ? 1 : 0;
    }
  }
  return { inputIds: new Tensor(ids, [rows, length]), attentionMask: new Tensor(mask, [rows, length]) };
}

/** Evaluation-mode logits without recording gradients. */
export function logitsOf(model: TaskModel, inputs: TextInputs): Float32Array {
  model.eval();
  return noGrad(() => model.forward(inputs))
    .f32()
    .slice();
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Fills every LoRA B matrix (zero at creation) with small random values, so the adapters change the output. */
export function randomizeAdapters(model: TaskModel, seed = 7, scale = 0.3): void {
  const rng = new Random(seed);
  for (const [name, p] of model.namedParameters()) {
    if (!name.endsWith('lora_B.weight')) continue;
    const d = p.f32();
    for (let i = 0; i < d.length; i++) d[i] = scale * (2 * rng.uniform() - 1);
  }
}
