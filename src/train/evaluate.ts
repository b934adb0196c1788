// Evaluation: a task's loss and streamed metrics of a model on an encoded data set (or on cached base features).
import type { ModelInputs, TaskModel } from '../models/types.js';
import type { Task, TaskEvaluation } from '../tasks/task.js';
import { noGrad } from '../tensor/autograd.js';
import { Tensor } from '../tensor/tensor.js';
import { evalBatchPlan } from './batch-plan.js';

/** Base outputs computed once per example: features [N, dim] in example order (sequence heads). */
export interface FeatureCache {
  readonly data: Float32Array;
  readonly dim: number;
}

export interface EvaluateOptions {
  readonly batchSize: number;
  /** Use these features instead of running the base. */
  readonly features?: FeatureCache;
}

/** Runs `fn` with the model in evaluation mode, then restores the mode it had. */
export function inEvalMode<T>(model: TaskModel, fn: () => T): T {
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
export function computeFeatures<D>(model: TaskModel, task: Task<D, unknown, ModelInputs>, data: D, batchSize: number): FeatureCache {
  return inEvalMode(model, () => {
    let cache: Float32Array | null = null;
    let dim = 0;
    for (const indices of evalBatchPlan(task.lengths(data), batchSize)) {
      const features = model.features(task.collate(data, indices).inputs);
      if (cache === null) {
        dim = features.shape[1]!;
        cache = new Float32Array(task.size(data) * dim);
      }
      const values = features.f32();
      indices.forEach((index, row) => cache!.set(values.subarray(row * dim, (row + 1) * dim), index * dim));
    }
    return { data: cache ?? new Float32Array(0), dim };
  });
}

/** Evaluates `model` on `data` for `task`: the mean loss (weighted as the training loss is) and the task's metrics, streamed batch by batch. */
export function evaluateModel<D, M>(model: TaskModel, task: Task<D, M, ModelInputs>, data: D, options: EvaluateOptions): TaskEvaluation<M> {
  const stream = task.metrics();
  let lossSum = 0;
  let weightSum = 0;
  inEvalMode(model, () => {
    for (const indices of evalBatchPlan(task.lengths(data), options.batchSize)) {
      const batch = task.collate(data, indices);
      const logits = options.features ? model.classify(gatherFeatures(options.features, indices)) : model.forward(batch.inputs);
      const [sum, weight] = task.evalLoss(logits, batch);
      lossSum += sum;
      weightSum += weight;
      stream.add(logits, batch);
    }
  });
  return { loss: weightSum > 0 ? lossSum / weightSum : NaN, count: task.size(data), metrics: stream.result() };
}
