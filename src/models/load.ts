// Loads a sequence classifier from a model folder or a Hub id: config.json, weights, tokenizer, with warnings.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../errors.js';
import { locateModel } from '../io/hub.js';
import { readJsonObject } from '../io/json-file.js';
import type { HubOptions } from '../io/hub-settings.js';
import { checkFiniteTensors } from '../io/raw-tensor.js';
import { findWeightsFile, readStateDict } from '../io/state-dict.js';
import { loadTokenizer } from '../tokenizers/load.js';
import type { TextTokenizer } from '../tokenizers/types.js';
import { checkConfigBudget, singleWeightsFile } from './encoder/config-budget.js';
import type { ConfigJson } from './encoder/config-fields.js';
import { checkLabels, defaultLabels, labelCount } from './labels.js';
import { builtinModelLoader, familyFor } from './registry.js';
import type { HeadKind, HeadSpec, LabelNames, ProblemType, TaskModel } from './types.js';
import { isImageTaskModel, readPreprocessorFile } from './vision/image-model.js';
import { weightWarnings } from './warnings.js';

export interface LoadClassifierOptions {
  /** Classes of the head. Default: from `labels`, else config.json's id2label, else 2. */
  readonly numLabels?: number;
  /** Class names for the head; they replace config.json's (and must agree with numLabels when both are given). */
  readonly labels?: LabelNames;
  /** 'pretrained' loads the checkpoint's weights (default); 'random' initialises every weight as transformers does. */
  readonly init?: 'pretrained' | 'random';
  /** Hub revision: branch, tag or commit (default 'main'); ignored for local folders. */
  readonly revision?: string;
  /** Hub client settings (endpoint, cache folder, token, offline); defaults from the environment. */
  readonly hub?: HubOptions;
  /** The head to build. Default: config.json's `architectures` (`...ForTokenClassification` -> token), else sequence. */
  readonly headKind?: HeadKind;
  /** The sequence head's loss. Default: config.json's `problem_type`, else single-label classification. */
  readonly problemType?: ProblemType;
}

export interface LoadedClassifier {
  readonly model: TaskModel;
  /** The folder's tokenizer, or null when it has no tokenizer files. */
  readonly tokenizer: TextTokenizer | null;
  /** The local folder the model was read from (a Hub id resolves to its cache snapshot). */
  readonly source: string;
  /** One line per thing the user should know: ignored keys, a new or replaced head, a missing tokenizer. */
  readonly warnings: string[];
}

/** Reads and parses `folder`/config.json. */
export function readConfigJson(folder: string): { config: ConfigJson; file: string } {
  const file = join(folder, 'config.json');
  if (!existsSync(file)) throw new FinetuneError(`${folder}: no config.json (a model folder needs one)`);
  return { config: readJsonObject(file) as ConfigJson, file };
}

/** The head's labels: the caller's, else config.json's (when the count agrees), else LABEL_0..N-1. */
export function resolveLabels(config: ConfigJson, file: string, options: Pick<LoadClassifierOptions, 'numLabels' | 'labels'>): LabelNames {
  const { numLabels } = options;
  if (numLabels !== undefined && !(Number.isInteger(numLabels) && numLabels >= 1)) {
    throw new FinetuneError(`number of labels must be a positive integer, got ${numLabels}`);
  }
  if (options.labels) {
    const labels = checkLabels(options.labels.id2label, options.labels.label2id, 'labels');
    if (numLabels !== undefined && numLabels !== labelCount(labels)) {
      throw new FinetuneError(`${numLabels} labels asked for, but ${labelCount(labels)} label names given`);
    }
    return labels;
  }
  const fromConfig = config.id2label === undefined || config.id2label === null ? undefined : checkLabels(config.id2label, config.label2id, file);
  if (numLabels !== undefined) return fromConfig && labelCount(fromConfig) === numLabels ? fromConfig : defaultLabels(numLabels);
  return fromConfig ?? defaultLabels(2);
}

/** model_types that only classify images (their head defaults to image classification whatever `architectures` says). */
const IMAGE_MODEL_TYPES: readonly string[] = ['resnet', 'vit', 'mobilenet-v2-keras'];

const PROBLEM_TYPES: readonly ProblemType[] = ['single_label_classification', 'multi_label_classification', 'regression'];

/** The head a model is built with: the caller's choice, else what config.json says (architectures, problem_type). */
export function resolveHead(
  config: ConfigJson,
  file: string,
  options: Pick<LoadClassifierOptions, 'numLabels' | 'labels' | 'headKind' | 'problemType'>,
): HeadSpec {
  const architecture = Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? config.architectures[0] : '';
  const kind =
    options.headKind ??
    (architecture.endsWith('ForTokenClassification')
      ? 'token-classification'
      : architecture.endsWith('ForImageClassification') || IMAGE_MODEL_TYPES.includes(String(config.model_type))
        ? 'image-classification'
        : 'sequence-classification');
  const saved = config.problem_type;
  if (saved !== undefined && saved !== null && !PROBLEM_TYPES.includes(saved as ProblemType)) {
    throw new FinetuneError(`${file}: problem_type '${String(saved)}' is not one of ${PROBLEM_TYPES.join(', ')}`);
  }
  const problemType =
    kind === 'token-classification'
      ? 'single_label_classification'
      : (options.problemType ?? (saved as ProblemType | undefined | null) ?? 'single_label_classification');
  const numLabels = options.numLabels ?? (problemType === 'regression' && options.labels === undefined ? 1 : undefined);
  return { kind, problemType, labels: resolveLabels(config, file, { ...options, ...(numLabels === undefined ? {} : { numLabels }) }) };
}

/**
 * Builds a classifier from a config.json object alone, with transformers' random initial weights
 * (for benchmarks and `--init random`); `file` names the config in errors.
 */
export function createTaskModel(
  config: ConfigJson,
  options: Pick<LoadClassifierOptions, 'numLabels' | 'labels' | 'headKind' | 'problemType'> = {},
  file = 'config.json',
): TaskModel {
  const family = familyFor(config.model_type, file);
  checkConfigBudget(config, file);
  const model = family.create(config, file, resolveHead(config, file, options));
  family.initialize(model);
  return model.eval();
}

const TOKENIZER_MARKERS = ['tokenizer.json', 'vocab.txt', 'vocab.json'];

/**
 * Loads a classifier from a model folder, a Hub id (`org/name`, downloaded once into the cache) or a
 * built-in name (BUILTIN_MODEL_NAMES).
 * Reads config.json, then model.safetensors, its shards, or pytorch_model.bin (F32, F16 and BF16 are
 * upcast), tolerating old names and extra keys; gives the head the requested labels (new or replaced
 * heads are initialised as transformers does). The model is returned in evaluation mode.
 */
export async function loadTaskModel(nameOrDir: string, options: LoadClassifierOptions = {}): Promise<LoadedClassifier> {
  // A built-in name (e.g. 'use-lite') reads its npm package, unless a folder of that name exists.
  const builtin = builtinModelLoader(nameOrDir);
  if (builtin && !existsSync(nameOrDir)) return builtin({ head: resolveHead({}, nameOrDir, options), init: options.init ?? 'pretrained' });
  const source = await locateModel(nameOrDir, { ...options.hub, ...(options.revision === undefined ? {} : { revision: options.revision }) });
  const { config, file } = readConfigJson(source);
  const family = familyFor(config.model_type, file);
  const weights = options.init === 'random' ? undefined : singleWeightsFile(source);
  checkConfigBudget(config, file, { weightsBytes: weights?.bytes, ...(weights ? { weightsFile: weights.path } : {}) });
  const head = resolveHead(config, file, options);
  const model = family.create(config, file, head);
  const warnings: string[] = [];
  if (options.init === 'random') {
    family.initialize(model);
  } else {
    const weightsFile = findWeightsFile(source);
    const tensors = readStateDict(weightsFile);
    checkFiniteTensors(tensors, weightsFile);
    const report = family.loadWeights(model, tensors, weightsFile);
    warnings.push(...weightWarnings(report, model, config, head.labels, weightsFile));
  }
  let tokenizer: TextTokenizer | null = null;
  if (isImageTaskModel(model)) model.preprocessor = readPreprocessorFile(source, model.preprocessor);
  else if (TOKENIZER_MARKERS.some((name) => existsSync(join(source, name)))) tokenizer = await loadTokenizer(source);
  else warnings.push(`${source}: no tokenizer files (tokenizer.json, vocab.txt, vocab.json + merges.txt)`);
  return { model: model.eval(), tokenizer, source, warnings };
}
