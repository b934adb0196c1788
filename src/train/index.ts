// The train layer: Trainer, TrainingArguments, schedules, callbacks, metrics, checkpoints, batching, and whole runs (train/eval).
export { Trainer, type TrainerOptions, type TrainResult } from './trainer.js';
export {
  resolveTrainingArguments,
  TRAINING_DEFAULTS,
  SCHEDULER_NAMES,
  SAVE_STRATEGIES,
  type SaveStrategy,
  type TrainingArguments,
  type TrainingOptions,
  type SchedulerName,
  type EvalEvery,
  type ClassWeightsOption,
  type OptionNamer,
} from './training-args.js';
export { TrainerState, type LogEntry, type TrainerStateJson } from './trainer-state.js';
export { lrAt, warmupStepsFor, type ScheduleConfig } from './schedule.js';
export { planRun, classWeightTensor, type RunPlan } from './run-plan.js';
export type { TrainerCallback, TrainerControl, CallbackContext, StepInfo, Evaluation, TrainerOutput } from './callbacks/callback.js';
export { EarlyStopping, type EarlyStoppingOptions } from './callbacks/early-stopping.js';
export { ProgressCallback, formatDuration, type ProgressOptions } from './callbacks/progress.js';
export { OverfittingMonitor } from './callbacks/overfitting.js';
export { streamOutput, type TextStream } from './callbacks/terminal-output.js';
export { evaluateModel, computeFeatures, gatherFeatures, inEvalMode, type EvaluateOptions, type FeatureCache } from './evaluate.js';
export { evalResultsJson, evalScalars, type EvalResultsJson } from './eval-results.js';
export { trainBatchPlan, evalBatchPlan, epochSeed } from './batch-plan.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  loadModelWeights,
  listCheckpoints,
  checkpointPath,
  rotateCheckpoints,
  removeStaleTemporaries,
  CHECKPOINTS_FOLDER,
  type CheckpointParts,
} from './checkpoint.js';
export { weightDecayGroups } from './param-groups.js';
export { AdamW, SGD, Optimizer, clipGradNorm, type AdamWOptions, type AdamWState, type SGDOptions, type ParamGroup } from './optim/index.js';
export { trainClassifier, type TrainRunOptions, type TrainRunResult, type RunIO } from './run/train-classifier.js';
export { trainEvents } from './run/train-classifier.js';
export { EventCallback, type TrainEvent } from './run/train-events.js';
export { MetricsFiles, parseReportTo, tensorBoardTag, REPORT_TARGETS, type ReportTarget } from './callbacks/metrics-files.js';
export { evalClassifier, type EvalRunOptions, type EvalRunResult } from './run/eval-classifier.js';
export { prepareData, describeClasses, DEFAULT_EVAL_SPLIT, type DataOptions, type PreparedData } from './run/prepare-data.js';
export { prepareModel, DEFAULT_MAX_LENGTH, type ModelOptions, type PreparedModel } from './run/prepare-model.js';
export { planOutput, timestampedOutputDir, RUNS_FOLDER, type OutputPlan, type OutputOptions } from './run/output-folder.js';
export { benchPredict, type BenchPredictOptions, type BenchPredictResult } from './bench/predict-bench.js';
export { imageRunData, decodeBound, type ImageDataOptions, type ImageRunData } from './run/image-data.js';
export { evalImages, type ImageEvalOptions } from './run/eval-images.js';
export { resizedPreprocessor } from './run/train-images.js';
