// Evaluation: loss, predictions and metrics of a classifier on an encoded data set (or on cached base features).
import type { SequenceClassifier } from '../models/types.js';
import { noGrad } from '../tensor/autograd.js';
import { crossEntropy, type CrossEntropyOptions } from '../tensor/ops/losses.js';
import { Tensor } from '../tensor/tensor.js';
import { collate, evalBatchPlan, exampleLengths, type EncodedDataset } from './collate.js';
import { argmaxRows, classificationMetrics, type ClassificationMetrics } from './metrics.js';

/** Base outputs computed once per example: features [N, dim] in example order. */
export interface FeatureCache {
  readonly data: Float32Array;
  readonly dim: number;
}

export interface EvaluationResult {
  /** Mean loss per example (weighted as the training loss is). */
  readonly loss: number;
  /** Logits [N, C] in example order. */
  readonly logits: Float32Array;
  readonly predictions: Int32Array;
  readonly metrics: ClassificationMetrics;
}

export interface EvaluateOptions {
  readonly batchSize: number;
  /** Class names in id order. */
  readonly labels: readonly string[];
  /** The training loss's options (class weights, label smoothing), so train and validation loss compare. */
  readonly loss?: Omit<CrossEntropyOptions, 'reduction'>;
  /** Use these features instead of running the base. */
  readonly features?: FeatureCache;
}

/** Runs `fn` with the model in evaluation mode, then restores the mode it had. */
export function inEvalMode<T>(model: SequenceClassifier, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

/** Rows `indices` of the cache as a [B, dim] tensor. */
export function gatherFeatures(cache: FeatureCache, indices: readonly number[]): Tensor {
  const out = new Float32Array(indices.length * cache.dim);
  indices.forEach((index, row) => out.set(cache.data.subarray(index * cache.dim, (index + 1) * cache.dim), row * cache.dim));
  return new Tensor(out, [indices.length, cache.dim]);
}

/** Runs the base once over every example (evaluation mode, no dropout): the features the head trains on when the base is frozen. */
export function computeFeatures(model: SequenceClassifier, data: EncodedDataset, batchSize: number): FeatureCache {
  return inEvalMode(model, () => {
    let cache: Float32Array | null = null;
    let dim = 0;
    for (const indices of evalBatchPlan(exampleLengths(data), batchSize)) {
      const features = model.features(collate(data, indices).inputs);
      if (cache === null) {
        dim = features.shape[1]!;
        cache = new Float32Array(data.labels.length * dim);
      }
      const values = features.f32();
      indices.forEach((index, row) => cache!.set(values.subarray(row * dim, (row + 1) * dim), index * dim));
    }
    return { data: cache ?? new Float32Array(0), dim };
  });
}

/** Evaluates `model` on `data`: loss, logits, predictions and classification metrics. */
export function evaluateModel(model: SequenceClassifier, data: EncodedDataset, options: EvaluateOptions): EvaluationResult {
  const n = data.labels.length;
  const classes = options.labels.length;
  const logits = new Float32Array(n * classes);
  const weights = options.loss?.classWeights?.f32() ?? null;
  let lossSum = 0;
  let weightSum = 0;
  inEvalMode(model, () => {
    for (const indices of evalBatchPlan(exampleLengths(data), options.batchSize)) {
      const batch = collate(data, indices);
      const out = options.features ? model.classify(gatherFeatures(options.features, indices)) : model.forward(batch.inputs);
      const values = out.f32();
      indices.forEach((index, row) => logits.set(values.subarray(row * classes, (row + 1) * classes), index * classes));
      lossSum += crossEntropy(out, batch.labels, { ...options.loss, reduction: 'sum' }).item();
      for (const label of batch.labels.i32()) weightSum += weights ? weights[label]! : 1;
    }
  });
  const predictions = argmaxRows(logits, n, classes);
  return {
    loss: weightSum > 0 ? lossSum / weightSum : NaN,
    logits,
    predictions,
    metrics: classificationMetrics(predictions, data.labels, options.labels),
  };
}
