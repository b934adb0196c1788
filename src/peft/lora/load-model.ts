// Loads a classifier with an adapter on it: `--model <base> --adapter <dir>`, or an adapter folder whose base_model_name_or_path resolves.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { findWeightsFile, readStateDict } from '../../io/state-dict.js';
import { checkLabels } from '../../models/labels.js';
import { loadTaskModel, readConfigJson, type LoadClassifierOptions, type LoadedClassifier } from '../../models/load.js';
import type { LabelNames, TaskModel } from '../../models/types.js';
import { loadTokenizer } from '../../tokenizers/load.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { ADAPTER_CONFIG_FILE, CAUSAL_LM_TASK_TYPE, readLoraConfig, type LoraConfig } from './config.js';
import { attachAdapter, findAdapterWeights, isAdapterFolder, parameterNameOfKey } from './load.js';

export interface LoadWithAdapterOptions extends LoadClassifierOptions {
  /** The adapter folder to put on the model (default: none, unless the model folder is itself an adapter folder). */
  readonly adapter?: string;
}

export interface LoadedAdapterClassifier extends LoadedClassifier {
  /** The adapter's settings, or null when no adapter was loaded. */
  readonly adapter: LoraConfig | null;
  /** The adapter folder, or null. */
  readonly adapterDir: string | null;
  /** What the adapter provides (rank, targets, its own head and labels), for the user; null without an adapter. */
  readonly adapterSummary: string | null;
}

/** `runs/a: LoRA adapter (r 8, alpha 16, on query, value) with its own classifier (2 labels: ham, spam) over bert-base-uncased`. */
export function describeAdapter(adapterDir: string, config: LoraConfig, model: Pick<TaskModel, 'labels' | 'numLabels' | 'headModules'>, base: string): string {
  const targets = typeof config.targetModules === 'string' ? config.targetModules : config.targetModules.join(', ');
  const names = Array.from({ length: model.numLabels }, (_, i) => model.labels.id2label[String(i)] ?? `LABEL_${i}`);
  const labels = `${model.numLabels} label${model.numLabels === 1 ? '' : 's'}${model.numLabels <= 8 ? `: ${names.join(', ')}` : ''}`;
  // PEFT lists every head name a task may use (classifier, score); the model has one of them.
  const saved = config.modulesToSave.filter((m) => model.headModules.some((h) => h === m || h.startsWith(`${m}.`)));
  const head = saved.length > 0 ? ` with its own ${saved.join(' + ')} (${labels})` : ` (${labels})`;
  return `${adapterDir}: LoRA adapter (r ${config.r}, alpha ${config.loraAlpha}, on ${targets})${head} over ${base}`;
}

const TOKENIZER_MARKERS = ['tokenizer.json', 'vocab.txt', 'vocab.json'];
/** Base-load warnings about the head, which the adapter replaces as a whole. */
const HEAD_WARNING = /classification head in the (checkpoint|pre-trained model)|checkpoint's head does not fit|keeping the head trained/;

/** Whether `path` is a folder holding an adapter but no model weights (a LoRA run's output). */
export function isAdapterOnlyFolder(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isDirectory() || !isAdapterFolder(path)) return false;
  try {
    findWeightsFile(path);
    return false;
  } catch {
    return true;
  }
}

/**
 * The base an adapter folder records: as written when that exists (a folder from here, an absolute
 * path) or is a Hub id, else a relative path taken from the adapter folder (adapters that travel with
 * their base, like test fixtures, record '../base').
 */
export function resolveRecordedBase(recorded: string, adapterDir: string): string {
  if (existsSync(recorded) || isAbsolute(recorded)) return recorded;
  const fromAdapter = join(adapterDir, recorded);
  return existsSync(fromAdapter) ? fromAdapter : recorded;
}

/** The class names an adapter folder's config.json gives (finetune writes one beside the adapter), or undefined. */
function adapterLabels(dir: string): LabelNames | undefined {
  if (!existsSync(join(dir, 'config.json'))) return undefined;
  const { config, file } = readConfigJson(dir);
  if (config.id2label === undefined || config.id2label === null) return undefined;
  return checkLabels(config.id2label, config.label2id, file);
}

/** The head an adapter was trained with: TOKEN_CLS adapters sit on a token head; finetune's config.json beside the adapter gives problem_type. */
function adapterHead(dir: string, taskType: string | null): Pick<LoadClassifierOptions, 'headKind' | 'problemType'> {
  if (taskType === CAUSAL_LM_TASK_TYPE) return { headKind: 'causal-lm' };
  const headKind = taskType === 'TOKEN_CLS' ? 'token-classification' : 'sequence-classification';
  if (!existsSync(join(dir, 'config.json'))) return { headKind };
  const problemType = readConfigJson(dir).config.problem_type;
  return problemType === 'multi_label_classification' || problemType === 'regression' ? { headKind, problemType } : { headKind };
}

/**
 * The label count the adapter's head was trained for when it differs from `model`'s: the first axis
 * of a head tensor whose model counterpart has numLabels rows and another first axis in the file.
 */
function headLabelCount(model: TaskModel, tensors: ReadonlyMap<string, RawTensor>): number | undefined {
  const params = new Map(model.namedParameters());
  const inHead = (name: string): boolean => model.headModules.some((h) => name === h || name.startsWith(`${h}.`));
  for (const [key, tensor] of tensors) {
    const name = parameterNameOfKey(key);
    const param = name === null ? undefined : params.get(name);
    if (!param || !inHead(name!) || param.shape[0] !== model.numLabels) continue;
    const rows = tensor.shape[0];
    if (rows !== undefined && rows !== model.numLabels && tensor.shape.slice(1).every((d, i) => d === param.shape[i + 1])) return rows;
  }
  return undefined;
}

/**
 * Loads a sequence classifier and, when there is one, its LoRA adapter:
 * - with `options.adapter`, `nameOrDir` is the base (a folder or a Hub id);
 * - without it, a folder holding adapter_config.json and no model weights is an adapter whose base is
 *   its `base_model_name_or_path` (at its `revision`);
 * - anything else loads as a plain model.
 * Labels come from the options, else the adapter folder's config.json, else the base's; when the
 * adapter's head has another number of classes, the head is rebuilt for it. The tokenizer is the
 * adapter folder's when it has one, else the base's. The model is returned in evaluation mode.
 */
export async function loadClassifierWithAdapter(nameOrDir: string, options: LoadWithAdapterOptions = {}): Promise<LoadedAdapterClassifier> {
  const { adapter: adapterOption, ...loadOptions } = options;
  let adapterDir: string;
  let base: string;
  if (adapterOption !== undefined) {
    if (!existsSync(adapterOption) || !statSync(adapterOption).isDirectory()) throw new FinetuneError(`${adapterOption}: no such adapter folder`);
    adapterDir = adapterOption;
    base = nameOrDir;
  } else if (isAdapterOnlyFolder(nameOrDir)) {
    adapterDir = nameOrDir;
    const recorded = readLoraConfig(nameOrDir).baseModelNameOrPath;
    if (recorded === null) {
      throw new FinetuneError(
        `${join(nameOrDir, ADAPTER_CONFIG_FILE)}: base_model_name_or_path is null; give the base model with --model and this folder with --adapter`,
      );
    }
    base = resolveRecordedBase(recorded, nameOrDir);
  } else {
    return { ...(await loadTaskModel(nameOrDir, loadOptions)), adapter: null, adapterDir: null, adapterSummary: null };
  }

  const config = readLoraConfig(adapterDir);
  const weightsFile = findAdapterWeights(adapterDir);
  const tensors = readStateDict(weightsFile);
  const labels = loadOptions.labels ?? adapterLabels(adapterDir);
  const revision = loadOptions.revision ?? config.revision ?? undefined;
  const common: LoadClassifierOptions = { ...adapterHead(adapterDir, config.taskType), ...loadOptions, ...(revision ? { revision } : {}) };
  let loaded = await loadTaskModel(base, labels ? { ...common, labels } : common);
  const rows = loadOptions.numLabels === undefined && loadOptions.labels === undefined ? headLabelCount(loaded.model, tensors) : undefined;
  // Only adapters that come without class names (PEFT's) can disagree with the base's head; the base is read again for them.
  if (rows !== undefined) loaded = await loadTaskModel(base, { ...common, numLabels: rows });
  const model = loaded.model;
  attachAdapter(model, config, tensors, { config: join(adapterDir, ADAPTER_CONFIG_FILE), weights: weightsFile });
  let tokenizer: TextTokenizer | null = loaded.tokenizer;
  const ownTokenizer = TOKENIZER_MARKERS.some((name) => existsSync(join(adapterDir, name)));
  if (ownTokenizer) tokenizer = await loadTokenizer(adapterDir);
  const warnings = loaded.warnings.filter((w) => !HEAD_WARNING.test(w) && !(ownTokenizer && w.includes(': no tokenizer files')));
  return {
    model: model.eval(),
    tokenizer,
    source: loaded.source,
    warnings,
    adapter: config,
    adapterDir,
    adapterSummary: describeAdapter(adapterDir, config, model, base),
  };
}
