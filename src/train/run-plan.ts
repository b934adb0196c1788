// The numbers a training run derives from its arguments and data: steps per epoch, total steps, schedule, logging, class weights.
import { FinetuneError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { warmupStepsFor, type ScheduleConfig } from './schedule.js';
import type { ClassWeightsOption, TrainingArguments } from './training-args.js';

export interface RunPlan {
  /** Optimizer steps in one pass over the data (the last may accumulate fewer batches). */
  readonly stepsPerEpoch: number;
  /** Optimizer steps of the whole run. */
  readonly maxSteps: number;
  /** Epochs the run spans (fractional when maxSteps ends mid-epoch). */
  readonly numTrainEpochs: number;
  readonly schedule: ScheduleConfig;
  readonly loggingSteps: number;
}

/** Steps, epochs and schedule for `trainExamples` examples under `args`. */
export function planRun(args: TrainingArguments, trainExamples: number): RunPlan {
  if (trainExamples === 0) throw new FinetuneError('no training examples');
  const batches = Math.ceil(trainExamples / args.batchSize);
  const stepsPerEpoch = Math.ceil(batches / args.gradAccumSteps);
  const maxSteps = args.maxSteps > 0 ? args.maxSteps : Math.max(1, Math.ceil(args.epochs * stepsPerEpoch));
  const numTrainEpochs = args.maxSteps > 0 ? maxSteps / stepsPerEpoch : args.epochs;
  const schedule: ScheduleConfig = {
    name: args.scheduler,
    baseLr: args.learningRate,
    warmupSteps: warmupStepsFor(maxSteps, args.warmupRatio, args.warmupSteps),
    totalSteps: maxSteps,
  };
  // About 50 points on the loss curve, at most 50 steps apart.
  const loggingSteps = args.loggingSteps ?? Math.min(50, Math.max(1, Math.ceil(maxSteps / 50)));
  return { stepsPerEpoch, maxSteps, numTrainEpochs, schedule, loggingSteps };
}

/**
 * The class-weight tensor [C] of the loss: 'balanced' gives n / (C * count_c) (scikit-learn's
 * formula, so the classes weigh equally in total); explicit weights must number C.
 */
export function classWeightTensor(option: ClassWeightsOption | undefined, trainLabels: Int32Array, labels: readonly string[]): Tensor | undefined {
  if (option === undefined) return undefined;
  const c = labels.length;
  if (option !== 'balanced') {
    if (option.length !== c) throw new FinetuneError(`class weights: ${option.length} given for ${c} classes (${labels.join(', ')})`);
    return new Tensor(Float32Array.from(option), [c]);
  }
  const counts = new Array<number>(c).fill(0);
  for (const label of trainLabels) counts[label]!++;
  const n = trainLabels.length;
  return new Tensor(
    Float32Array.from(counts, (count) => (count === 0 ? 0 : n / (c * count))),
    [c],
  );
}
