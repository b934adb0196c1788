// evalClassifier: a saved model on a labelled file (what `finetune eval` does), scored by the task its head does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadBuiltinDataset, namesBuiltinDataset } from '../../data/builtin.js';
import { LabelMap } from '../../data/labels.js';
import { loadDataset } from '../../data/load.js';
import type { Example } from '../../data/types.js';
import { FinetuneError } from '../../errors.js';
import { readJsonObject } from '../../io/json-file.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import type { TaskModel } from '../../models/types.js';
import { loadTaggedDataset } from '../../data/tagged.js';
import { classificationTask, encodeClassification } from '../../tasks/classification/index.js';
import { encodeMultiLabel, multiLabelTask } from '../../tasks/multi-label/index.js';
import { encodeRegression, regressionTask } from '../../tasks/regression/index.js';
import type { AnyTask, EncodedInputs, TaskEvaluation } from '../../tasks/task.js';
import { encodeTagSequences, tokenClassificationTask } from '../../tasks/token-classification/index.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { evaluateModel } from '../evaluate.js';
import { causalRunData } from './causal-data.js';
import { isCausalConfig } from './task-choice.js';
import { isImageTaskModel } from '../../models/vision/image-model.js';
import { evalImages } from './eval-images.js';
import { DEFAULT_MAX_LENGTH } from './prepare-model.js';

export interface EvalRunOptions {
  /** A model folder (a training run's output, an adapter folder included) or a Hub id. */
  readonly model: string;
  /** A LoRA adapter folder to put on `model` (default: none). */
  readonly adapter?: string;
  /** A labelled data file, or a built-in data set's name (its held-out test split, which `train` scores once as its test). */
  readonly data: string;
  readonly textColumn?: string;
  readonly textPairColumn?: string;
  readonly labelColumn?: string;
  /** Token classification: the word column of CoNLL-U or JSON Lines data. */
  readonly tokensColumn?: string;
  /** Multi-label models: the decision threshold (default 0.5). */
  readonly threshold?: number;
  /** Examples per batch (default 64; 8 for causal LMs). */
  readonly batchSize?: number;
  /** Longest input in tokens (default: the max_length the model was trained with, per its training_args.json; else 128, or the tokenizer's limit if lower). */
  readonly maxLength?: number;
  /** Image models: skip unreadable image files (counted) instead of failing (default false). */
  readonly skipBadImages?: boolean;
  /** Image models: the path column of a CSV/JSONL image list (detected when absent). */
  readonly imageColumn?: string;
}

export interface EvalRunResult {
  readonly result: TaskEvaluation;
  /** The task the model's head does (its metrics, formatting and eval_results.json). */
  readonly task: AnyTask;
  readonly model: TaskModel;
  /** Data rows read and examples kept, for the log. */
  readonly examples: number;
}

function classNames(model: TaskModel): string[] {
  const config = model.configJson() as { id2label?: Record<string, string> };
  return Array.from({ length: model.numLabels }, (_, i) => config.id2label?.[String(i)] ?? `LABEL_${i}`);
}

/**
 * The label map of a model for the data: the model's class names; when they are transformers'
 * placeholders LABEL_i and the data's labels are the integers 0..N-1, integer i is class i.
 */
function labelMapFor(names: readonly string[], examples: readonly Example[]): { labels: LabelMap; examples: readonly Example[] } {
  // LabelMap.fromLabels would sort the names; the model's ids are id2label's order.
  const labels = LabelMap.fromConfig({ id2label: Object.fromEntries(names.map((n, i) => [String(i), n])) }, 'the model config.json');
  const placeholders = names.every((n, i) => n === `LABEL_${i}`);
  if (placeholders && examples.every((e) => /^\d+$/.test(e.label) && Number(e.label) < names.length)) {
    return { labels, examples: examples.map((e) => ({ ...e, label: `LABEL_${e.label}` })) };
  }
  return { labels, examples };
}

/**
 * The max_length a training run saved beside the adapter or the model (training_args.json), so that a
 * model trained on 64 tokens is evaluated on the inputs it saw, as its validation scores were.
 */
export function trainedMaxLength(folders: readonly (string | undefined)[]): number | undefined {
  for (const folder of folders) {
    if (folder === undefined) continue;
    const file = join(folder, 'training_args.json');
    if (!existsSync(file)) continue;
    const value = readJsonObject(file)['max_length'];
    if (value === undefined || value === null) continue;
    if (!Number.isInteger(value) || (value as number) < 2) throw new FinetuneError(`${file}: max_length ${JSON.stringify(value)} is not an integer >= 2`);
    return value as number;
  }
  return undefined;
}

/** Encoded evaluation data for the model's task, read with the model's own labels (an unknown one fails, naming its row). */
async function evaluationData(
  model: TaskModel,
  tokenizer: TextTokenizer,
  options: EvalRunOptions,
  maxLength: number,
): Promise<{ task: AnyTask; data: EncodedInputs; examples: number }> {
  if (model.head.kind === 'causal-lm') {
    // The whole file is the evaluation data: documents packed into blocks, or prompt/completion or chat examples.
    const run = await causalRunData({
      data: options.data,
      evalSplit: 0,
      seed: 0,
      model: options.model,
      ...(options.textColumn === undefined ? {} : { textColumn: options.textColumn }),
    });
    return { task: run.task, data: run.encode(tokenizer, maxLength).train, examples: run.trainCount };
  }
  const names = classNames(model);
  const labels = LabelMap.fromConfig({ id2label: Object.fromEntries(names.map((n, i) => [String(i), n])) }, 'the model config.json');
  const source = options.data;
  const columns = {
    ...(options.textColumn === undefined ? {} : { textColumn: options.textColumn }),
    ...(options.textPairColumn === undefined ? {} : { textPairColumn: options.textPairColumn }),
    ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
  };
  if (model.head.kind === 'token-classification') {
    const loaded = await loadTaggedDataset(source, {
      ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
      ...(options.tokensColumn === undefined ? {} : { tokensColumn: options.tokensColumn }),
    });
    const { data } = encodeTagSequences(loaded.sentences, tokenizer, { maxLength, tags: names, source });
    return { task: tokenClassificationTask({ labels: names }), data, examples: loaded.sentences.length };
  }
  if (model.head.problemType === 'multi_label_classification') {
    const { examples } = await loadDataset(source, { ...columns, labelKind: 'multi' });
    const data = encodeMultiLabel(examples, labels.encodeMultiHot(examples), names.length, tokenizer, { maxLength, source });
    return {
      task: multiLabelTask({ labels: names, ...(options.threshold === undefined ? {} : { threshold: options.threshold }) }),
      data,
      examples: examples.length,
    };
  }
  if (model.head.problemType === 'regression') {
    const { examples } = await loadDataset(source, { ...columns, labelKind: 'number' });
    const data = encodeRegression(
      examples,
      Float32Array.from(examples, (e) => e.target!),
      tokenizer,
      { maxLength, source },
    );
    return { task: regressionTask({ labels: names }), data, examples: examples.length };
  }
  const loaded = namesBuiltinDataset(source) ? { examples: (await loadBuiltinDataset(source)).test } : await loadDataset(source, columns);
  const mapped = labelMapFor(names, loaded.examples);
  const data = encodeClassification(mapped.examples, tokenizer, mapped.labels, { maxLength, source });
  return { task: classificationTask({ labels: names }), data, examples: mapped.examples.length };
}

/** Loads the model and its tokenizer, reads and checks the data for the model's task, and evaluates. */
export async function evalClassifier(options: EvalRunOptions): Promise<EvalRunResult> {
  // A causal LM's logits hold a row per token over the whole vocabulary: fewer sequences per batch.
  // 16 is train's default, so a score from `eval` repeats the one training reported, digit for digit.
  const batchSize =
    options.batchSize ?? (existsSync(join(options.model, 'config.json')) && isCausalConfig(readJsonObject(join(options.model, 'config.json'))) ? 8 : 16);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new FinetuneError(`--batch-size ${batchSize}: must be an integer >= 1`);
  const loaded = await loadClassifierWithAdapter(options.model, options.adapter === undefined ? {} : { adapter: options.adapter });
  if (isImageTaskModel(loaded.model)) {
    const images = await evalImages(loaded.model, {
      data: options.data,
      batchSize,
      ...(options.skipBadImages ? { skipBadImages: true } : {}),
      ...(options.imageColumn === undefined ? {} : { imageColumn: options.imageColumn }),
      ...(options.labelColumn === undefined ? {} : { labelColumn: options.labelColumn }),
    });
    return { ...images, model: loaded.model };
  }
  if (!loaded.tokenizer)
    throw new FinetuneError(`${loaded.source}: no tokenizer files (tokenizer.json, vocab.txt, vocab.json + merges.txt); the model needs its tokenizer`);
  const maxLength =
    options.maxLength ?? trainedMaxLength([options.adapter, options.model]) ?? Math.min(DEFAULT_MAX_LENGTH, loaded.tokenizer.modelMaxLength ?? Infinity);
  const { task, data, examples } = await evaluationData(loaded.model, loaded.tokenizer, options, maxLength);
  const result = evaluateModel(loaded.model, task, data, { batchSize });
  return { result, task, model: loaded.model, examples };
}
