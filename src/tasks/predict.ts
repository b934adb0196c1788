// Predictions for raw texts, shaped by the model's head: a class with probabilities, a label set, a value, or tagged words and entities.
import { batchInputs } from '../models/inputs.js';
import { labelList } from '../models/labels.js';
import type { TaskModel } from '../models/types.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { inferenceLogits } from './inference.js';
import { isIob2TagSet } from './token-classification/seqeval.js';
import { splitWordsWithOffsets, wordTagsToEntities, type TextEntity } from './token-classification/align.js';

/** One text to run, with the second text of a pair when the task has one. */
export interface PredictInput {
  readonly text: string;
  readonly textPair?: string;
}

/** A single-label classification: what `finetune predict` writes per input. */
export interface ClassPrediction {
  readonly text: string;
  readonly text_pair?: string;
  /** The most probable class's name. */
  readonly label: string;
  /** Its probability. */
  readonly score: number;
  /** Probability of each class, in label-id order (config.json id2label). */
  readonly probs: number[];
  /** The class of each entry of probs and logits. */
  readonly classes: string[];
  /** The raw scores behind probs, in the same order. */
  readonly logits: number[];
}

/** A multi-label classification: the labels above the threshold, and every label's probability. */
export interface LabelSetPrediction {
  readonly text: string;
  readonly text_pair?: string;
  readonly labels: string[];
  /** label -> probability (sigmoid of its logit). */
  readonly scores: Record<string, number>;
  readonly threshold: number;
}

/** A regression: the predicted value. */
export interface ValuePrediction {
  readonly text: string;
  readonly text_pair?: string;
  readonly value: number;
}

/** A tagged text: each whitespace-separated word's tag, and (for IOB2 tags) the entities with character offsets. */
export interface TagPrediction {
  readonly text: string;
  readonly words: { readonly word: string; readonly tag: string; readonly score: number; readonly start: number; readonly end: number }[];
  readonly entities?: TextEntity[];
}

export type Prediction = ClassPrediction | LabelSetPrediction | ValuePrediction | TagPrediction;

export interface PredictOptions {
  /** Inputs per forward pass (default 32). */
  readonly batchSize?: number;
  /** Tokens per input, special tokens included (default: the tokenizer's limit). */
  readonly maxLength?: number;
  /** Multi-label heads: probability above which a label is given (default 0.5). */
  readonly threshold?: number;
  /**
   * Batches gathered before sorting by length (default 16): inputs of similar length share a batch, so
   * little of each batch is padding. Predictions still come out in input order, one window at a time;
   * 1 keeps the input order in every batch.
   */
  readonly sortWindow?: number;
}

function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / total);
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Sequence heads: one row of logits per input. */
function sequencePredictions(
  model: TaskModel,
  names: readonly string[],
  chunk: readonly PredictInput[],
  logits: Float32Array,
  threshold: number,
): Prediction[] {
  const classes = model.numLabels;
  return chunk.map((input, row) => {
    const rowLogits = Array.from(logits.subarray(row * classes, (row + 1) * classes));
    const pair = input.textPair === undefined ? {} : { text_pair: input.textPair };
    if (model.head.problemType === 'regression') return { text: input.text, ...pair, value: rowLogits[0]! };
    if (model.head.problemType === 'multi_label_classification') {
      const scores = Object.fromEntries(names.map((name, i) => [name, sigmoid(rowLogits[i]!)]));
      return { text: input.text, ...pair, labels: names.filter((name) => scores[name]! > threshold), scores, threshold };
    }
    const probs = softmax(rowLogits);
    const best = probs.indexOf(Math.max(...probs));
    const classNames = probs.map((_, i) => names[i] ?? `LABEL_${i}`);
    return { text: input.text, ...pair, label: classNames[best]!, score: probs[best]!, probs, classes: classNames, logits: rowLogits };
  });
}

/** Token heads: each text split at whitespace, every word tagged by its first sub-token. */
function tagPredictions(
  model: TaskModel,
  tokenizer: TextTokenizer,
  names: readonly string[],
  chunk: readonly PredictInput[],
  maxLength?: number,
): TagPrediction[] {
  const split = chunk.map((input) => splitWordsWithOffsets(input.text));
  const encodings = split.map((s) => tokenizer.encodeWords(s.words, maxLength === undefined ? {} : { maxLength }));
  const inputs = batchInputs(encodings, tokenizer.padId);
  const t = inputs.inputIds.shape[1]!;
  const c = model.numLabels;
  const values = inferenceLogits(model, inputs);
  const iob2 = isIob2TagSet(names);
  return chunk.map((input, row) => {
    const { words, offsets } = split[row]!;
    const firstToken = new Map<number, number>();
    encodings[row]!.wordIds.forEach((word, pos) => {
      if (word !== null && !firstToken.has(word)) firstToken.set(word, pos);
    });
    const tags: string[] = [];
    const scores: number[] = [];
    const tagged = words.flatMap((word, i) => {
      const pos = firstToken.get(i);
      if (pos === undefined) return []; // cut by truncation, or a word that gives no tokens
      const probs = softmax(Array.from(values.subarray((row * t + pos) * c, (row * t + pos + 1) * c)));
      const best = probs.indexOf(Math.max(...probs));
      tags.push(names[best]!);
      scores.push(probs[best]!);
      return [{ word, tag: names[best]!, score: probs[best]!, start: offsets[i]![0], end: offsets[i]![1] }];
    });
    const entities = iob2
      ? wordTagsToEntities(
          tagged.map((w) => w.word),
          tagged.map((w) => [w.start, w.end] as [number, number]),
          tags,
          scores,
          input.text,
        )
      : undefined;
    return { text: input.text, words: tagged, ...(entities ? { entities } : {}) };
  });
}

/**
 * Runs `model` (switched to evaluation mode) on `inputs` in batches, calling `emit` with the predictions of
 * each batch in input order, so a long file streams out as it goes. What a prediction holds follows the
 * head: ClassPrediction, LabelSetPrediction (multi-label), ValuePrediction (regression) or TagPrediction.
 */
export function predictBatches(
  model: TaskModel,
  tokenizer: TextTokenizer,
  inputs: readonly PredictInput[],
  emit: (predictions: Prediction[]) => void,
  options: PredictOptions = {},
): void {
  const batchSize = options.batchSize ?? 32;
  const names = labelList(model.labels);
  model.eval();
  const run = (chunk: readonly PredictInput[]): Prediction[] => {
    if (model.head.kind === 'token-classification') return tagPredictions(model, tokenizer, names, chunk, options.maxLength);
    const pairs = chunk.some((input) => input.textPair !== undefined) ? chunk.map((input) => input.textPair ?? '') : undefined;
    const encodings = tokenizer.encodeBatch(
      chunk.map((input) => input.text),
      pairs,
      options.maxLength === undefined ? {} : { maxLength: options.maxLength },
    );
    return sequencePredictions(model, names, chunk, inferenceLogits(model, batchInputs(encodings, tokenizer.padId)), options.threshold ?? 0.5);
  };
  const window = batchSize * (options.sortWindow ?? 16);
  for (const [start, order] of lengthSortedWindows(inputs, window)) {
    const out: Prediction[] = new Array(order.length);
    for (let at = 0; at < order.length; at += batchSize) {
      const rows = order.slice(at, at + batchSize);
      run(rows.map((i) => inputs[start + i]!)).forEach((p, j) => {
        out[rows[j]!] = p;
      });
    }
    emit(out);
  }
}

/**
 * Windows of `size` inputs, each with its positions ordered by text length (characters, a proxy for
 * tokens that needs no second tokenization), stable for equal lengths.
 */
export function* lengthSortedWindows(inputs: readonly PredictInput[], size: number): Generator<[number, number[]]> {
  const length = (input: PredictInput): number => input.text.length + (input.textPair?.length ?? 0);
  for (let start = 0; start < inputs.length; start += size) {
    const count = Math.min(size, inputs.length - start);
    const order = Array.from({ length: count }, (_, i) => i);
    yield [start, order.sort((a, b) => length(inputs[start + a]!) - length(inputs[start + b]!) || a - b)];
  }
}

/** Every prediction at once (see predictBatches). */
export function predict(model: TaskModel, tokenizer: TextTokenizer, inputs: readonly PredictInput[], options: PredictOptions = {}): Prediction[] {
  const out: Prediction[] = [];
  predictBatches(model, tokenizer, inputs, (batch) => out.push(...batch), options);
  return out;
}

/** What a prediction counts as in predict's summary line: its class, its labels, its entity types, or nothing for values. */
export function predictionKeys(p: Prediction): string[] {
  if ('label' in p) return [p.label];
  if ('labels' in p) return p.labels.length > 0 ? p.labels : ['(none)'];
  if ('entities' in p) return (p.entities ?? []).map((e) => e.entity_group);
  if ('words' in p) return p.words.map((w) => w.tag);
  return [];
}
