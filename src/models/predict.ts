// Predictions of a classifier for raw texts: tokenize, batch, run in evaluation mode, softmax per row.
import { noGrad } from '../tensor/autograd.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { batchInputs } from './inputs.js';
import { labelList, labelsOf } from './labels.js';
import type { SequenceClassifier } from './types.js';

/** One text to classify, with the second text of a pair when the task has one. */
export interface PredictInput {
  readonly text: string;
  readonly textPair?: string;
}

/** What `finetune predict` writes per input. */
export interface Prediction {
  readonly text: string;
  readonly text_pair?: string;
  /** The most probable class's name. */
  readonly label: string;
  /** Its probability. */
  readonly score: number;
  /** Probability of each class, in label-id order (config.json id2label). */
  readonly probs: number[];
  /** The raw scores behind probs, in the same order. */
  readonly logits: number[];
}

export interface PredictOptions {
  /** Inputs per forward pass (default 32). */
  readonly batchSize?: number;
  /** Tokens per input, special tokens included (default: the tokenizer's limit). */
  readonly maxLength?: number;
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

/**
 * Classifies `inputs` with `model` (switched to evaluation mode) in batches, calling `emit` with the
 * predictions of each batch in input order, so a long file streams out as it goes.
 */
export function predictBatches(
  model: SequenceClassifier, tokenizer: TextTokenizer, inputs: readonly PredictInput[],
  emit: (predictions: Prediction[]) => void, options: PredictOptions = {},
): void {
  const batchSize = options.batchSize ?? 32;
  const names = labelList(labelsOf(model));
  model.eval();
  for (let start = 0; start < inputs.length; start += batchSize) {
    const chunk = inputs.slice(start, start + batchSize);
    const pairs = chunk.some((input) => input.textPair !== undefined) ? chunk.map((input) => input.textPair ?? '') : undefined;
    const encodings = tokenizer.encodeBatch(chunk.map((input) => input.text), pairs, options.maxLength === undefined ? {} : { maxLength: options.maxLength });
    const logits = noGrad(() => model.forward(batchInputs(encodings, tokenizer.padId)));
    const classes = logits.shape[1]!;
    emit(chunk.map((input, row) => {
      const rowLogits = Array.from(logits.data.subarray(row * classes, (row + 1) * classes));
      const probs = softmax(rowLogits);
      const best = probs.indexOf(Math.max(...probs));
      return {
        text: input.text,
        ...(input.textPair === undefined ? {} : { text_pair: input.textPair }),
        label: names[best] ?? `LABEL_${best}`,
        score: probs[best]!,
        probs,
        logits: rowLogits,
      };
    }));
  }
}

/** Every prediction at once (see predictBatches). */
export function predict(model: SequenceClassifier, tokenizer: TextTokenizer, inputs: readonly PredictInput[], options: PredictOptions = {}): Prediction[] {
  const out: Prediction[] = [];
  predictBatches(model, tokenizer, inputs, (batch) => out.push(...batch), options);
  return out;
}
