// The tasks layer: the task contract, one folder per task (classification, token classification, multi-label, regression, causal LM), predictions.
export {
  TASK_NAMES,
  type AnyTask,
  type EncodedInputs,
  type MetricStream,
  type Task,
  type TaskBatch,
  type TaskEvaluation,
  type TaskName,
  type TaskReport,
  type TaskTable,
} from './task.js';
export { METRIC_NAMES, greaterIsBetter, isImprovement, normalizeMetricName, type MetricName } from './metric-names.js';
export { collateInputs, encodeTexts, inputLengths, type EncodeTextOptions, type TextItem } from './text-inputs.js';
export {
  classificationTask,
  encodeClassification,
  classificationMetrics,
  argmaxRows,
  ConfusionMatrix,
  CLASSIFICATION_METRICS,
  type ClassificationData,
  type ClassificationMetrics,
  type ClassMetrics,
} from './classification/index.js';
export {
  tokenClassificationTask,
  encodeTagSequences,
  alignLabels,
  bToIMap,
  splitWordsWithOffsets,
  wordTagsToEntities,
  EntityMetricsAccumulator,
  IGNORE_INDEX,
  type TagSequence,
  type TokenClassificationData,
  type EntityMetrics,
  type TextEntity,
} from './token-classification/index.js';
export { multiLabelTask, encodeMultiLabel, MultiLabelMetricsAccumulator, type MultiLabelData, type MultiLabelMetrics } from './multi-label/index.js';
export { regressionTask, encodeRegression, RegressionMetricsAccumulator, type RegressionData, type RegressionMetrics } from './regression/index.js';
export {
  predict,
  predictBatches,
  lengthSortedWindows,
  type Prediction,
  type PredictInput,
  type PredictOptions,
  type ClassPrediction,
  type LabelSetPrediction,
  type TagPrediction,
  type ValuePrediction,
} from './predict.js';
export { classifier, type ClassifierOptions, type ScoredLabel, type TextClassifier } from './pipeline.js';
export { causalLMTask, shiftLabels, type CausalLMData, type CausalLMMetrics } from './causal-lm/index.js';
export { inferenceLogits } from './inference.js';
export {
  imageClassificationTask,
  type ImageAugmentation,
  type ImageClassificationData,
  type ImageClassificationMetrics,
  type ImageClassificationTaskOptions,
  type Misclassified,
} from './image-classification/index.js';
export { predictImages, type ImagePrediction } from './image-classification/predict.js';
