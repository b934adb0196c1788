// Builds a tiny, fast training setup (model, tokenizer, encoded data) shared by the trainer tests and the kill-and-resume child.
import { LabelMap } from '../../src/data/labels.js';
import { classificationTask, encodeClassification, type ClassificationData, type ClassificationMetrics } from '../../src/tasks/classification/index.js';
import type { Task } from '../../src/tasks/task.js';
import { TinyClassifier, WordTokenizer, syntheticExamples } from './tiny-classifier.js';

export interface TinySetup {
  readonly model: TinyClassifier;
  readonly tokenizer: WordTokenizer;
  readonly labels: LabelMap;
  readonly task: Task<ClassificationData, ClassificationMetrics>;
  readonly train: ClassificationData;
  readonly evaluation: ClassificationData;
}

/** `trainCount` training and `evalCount` evaluation examples of the synthetic task, and a fresh tiny model. */
export function tinySetup(trainCount = 240, evalCount = 80, modelSeed = 0, dropout = 0.1): TinySetup {
  const trainExamples = syntheticExamples(trainCount, 1, 'train.tsv');
  const evalExamples = syntheticExamples(evalCount, 2, 'eval.tsv');
  const tokenizer = new WordTokenizer(trainExamples.map((e) => e.text));
  const labels = LabelMap.fromExamples(trainExamples);
  const model = new TinyClassifier({ vocabSize: tokenizer.vocabSize, dim: 16, numLabels: labels.size, seed: modelSeed, dropout });
  return {
    model,
    tokenizer,
    labels,
    task: classificationTask({ labels: labels.labels }),
    train: encodeClassification(trainExamples, tokenizer, labels, { maxLength: 32 }),
    evaluation: encodeClassification(evalExamples, tokenizer, labels, { maxLength: 32 }),
  };
}

/** Every parameter's values, concatenated, for bit-exact comparisons. */
export function weightsOf(model: TinyClassifier): Float32Array {
  const parts = model.parameters().map((p) => p.f32());
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
