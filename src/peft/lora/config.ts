// LoraConfig: adapter_config.json as PEFT 0.21 reads and writes it, with the features finetune cannot apply refused by key.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { readJsonFile } from '../../io/json-file.js';
import { configJsonText } from '../../models/encoder/config-json.js';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
/** The PEFT version whose file layout this module writes (PEFT warns when a file comes from a newer one). */
export const PEFT_FORMAT_VERSION = '0.21.0';
/** Head names PEFT's sequence-classification model always adds to modules_to_save. */
export const SEQ_CLS_HEAD_NAMES: readonly string[] = ['classifier', 'score'];

/** PEFT task types of classification heads: sequence (SEQ_CLS) and token (TOKEN_CLS) classification. */
export const CLASSIFIER_TASK_TYPES: readonly string[] = ['SEQ_CLS', 'TOKEN_CLS'];
/** PEFT's task type of causal language models (no head is saved: the lm_head stays the base's). */
export const CAUSAL_LM_TASK_TYPE = 'CAUSAL_LM';
/** Every task type finetune loads. */
export const TASK_TYPES: readonly string[] = [...CLASSIFIER_TASK_TYPES, CAUSAL_LM_TASK_TYPE];

/** Which biases train and are saved with the adapter: none, every bias of the model, or those of wrapped layers. */
export type LoraBias = 'none' | 'all' | 'lora_only';
export const LORA_BIAS_VALUES: readonly LoraBias[] = ['none', 'all', 'lora_only'];

/**
 * Which modules an adapter wraps, in PEFT's two forms: a list (a module whose full name equals an
 * entry or ends with `.` + entry), or one regular expression that must match a whole module name.
 */
export type ModuleSelector = readonly string[] | string;

/** The settings of a LoRA adapter (adapter_config.json, camel-cased; defaults are PEFT's). */
export interface LoraConfig {
  /** Rank: A is [r, in], B is [out, r] (default 8). */
  readonly r: number;
  /** The update is scaled by alpha / r, or alpha / sqrt(r) with rsLoRA (default 8). */
  readonly loraAlpha: number;
  /** Dropout on the adapter branch's input, training only (default 0). */
  readonly loraDropout: number;
  /** Modules to wrap. */
  readonly targetModules: ModuleSelector;
  /** Modules never wrapped, same forms as targetModules (default null: none). */
  readonly excludeModules: ModuleSelector | null;
  /** Modules trained in full and saved whole; a module matches when its name ends with an entry (default for SEQ_CLS: classifier, score). */
  readonly modulesToSave: readonly string[];
  /** Biases that train and are saved (default 'none'). */
  readonly bias: LoraBias;
  /** Scale by alpha / sqrt(r) instead of alpha / r (default false). */
  readonly useRslora: boolean;
  /** Per-module ranks: a regular expression matched against the end of a module's name -> rank (default {}). */
  readonly rankPattern: Readonly<Record<string, number>>;
  /** Per-module alphas, matched as rankPattern (default {}). */
  readonly alphaPattern: Readonly<Record<string, number>>;
  /** Wrap only modules in these layer indices (default null: all layers). */
  readonly layersToTransform: readonly number[] | null;
  /** Name of the layer list that layersToTransform indexes, e.g. 'layer' (default null: the first numbered segment). */
  readonly layersPattern: readonly string[] | null;
  /** 'SEQ_CLS' for sequence heads, 'TOKEN_CLS' for token heads; null when the adapter names no task. */
  readonly taskType: string | null;
  /** The base model the adapter belongs to: a folder or a Hub id (default null). */
  readonly baseModelNameOrPath: string | null;
  /** Hub revision of the base model (default null: main). */
  readonly revision: string | null;
  /**
   * The wrapped layers store W as [in, out] (GPT-2's Conv1D; default false). As in PEFT, each layer's own storage
   * decides how its update is applied; this records it in adapter_config.json.
   */
  readonly fanInFanOut?: boolean;
}

type Json = Record<string, unknown>;

function fail(file: string, key: string, problem: string): never {
  throw new FinetuneError(`${file}: '${key}' ${problem}`);
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function positiveInt(json: Json, key: string, file: string, fallback: number): number {
  const value = json[key] ?? fallback;
  if (!Number.isInteger(value) || (value as number) < 1) fail(file, key, `must be a positive integer, got ${JSON.stringify(value)}`);
  return value as number;
}

function finiteNumber(json: Json, key: string, file: string, fallback: number): number {
  const value = json[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(file, key, `must be a number, got ${JSON.stringify(value)}`);
  return value;
}

function selector(json: Json, key: string, file: string): ModuleSelector | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return fail(file, key, `must be a list of module names or one regular expression, got ${JSON.stringify(value)}`);
}

function stringList(json: Json, key: string, file: string): string[] | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return fail(file, key, `must be a list of names, got ${JSON.stringify(value)}`);
}

function patternMap(json: Json, key: string, file: string, integer: boolean): Record<string, number> {
  const value = json[key] ?? {};
  if (!isPlainObject(value)) fail(file, key, `must be an object of pattern -> number, got ${JSON.stringify(value)}`);
  for (const [pattern, v] of Object.entries(value)) {
    const ok = integer ? Number.isInteger(v) && (v as number) >= 1 : typeof v === 'number' && Number.isFinite(v);
    if (!ok) fail(file, `${key}.${pattern}`, `must be ${integer ? 'a positive integer' : 'a number'}, got ${JSON.stringify(v)}`);
  }
  return value as Record<string, number>;
}

function layerIndices(json: Json, file: string): number[] | null {
  const value = json.layers_to_transform;
  if (value === null || value === undefined) return null;
  const list = Array.isArray(value) ? value : [value];
  if (!list.every((v) => Number.isInteger(v) && v >= 0)) fail(file, 'layers_to_transform', `must be layer indices, got ${JSON.stringify(value)}`);
  return list.length === 0 ? null : (list as number[]);
}

function optionalString(json: Json, key: string, file: string): string | null {
  const value = json[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') fail(file, key, `must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Settings that change what the adapter computes in ways finetune does not implement: an adapter
 * using one is refused by key rather than applied wrongly. [key, is the value harmless].
 */
const UNSUPPORTED: readonly (readonly [string, (v: unknown) => boolean, string])[] = [
  ['use_dora', (v) => v === false, 'DoRA adapters are not supported'],
  ['lora_bias', (v) => v === false, 'a bias on lora_B is not supported'],
  ['use_qalora', (v) => v === false, 'QALoRA is not supported'],
  ['use_bdlora', (v) => v === null || v === false, 'block-diagonal LoRA is not supported'],
  ['target_parameters', (v) => v === null || (Array.isArray(v) && v.length === 0), 'LoRA on bare parameters is not supported'],
  ['layer_replication', (v) => v === null, 'layer replication is not supported'],
  ['trainable_token_indices', (v) => v === null, 'trainable token indices are not supported'],
  ['alora_invocation_tokens', (v) => v === null, 'activated LoRA (aLoRA) is not supported'],
  ['megatron_config', (v) => v === null, 'Megatron parallel layers are not supported'],
  ['arrow_config', (v) => v === null, 'Arrow routing is not supported'],
  ['kasa_config', (v) => v === null, 'KaSA is not supported'],
  ['monteclora_config', (v) => v === null, 'MonteCLoRA is not supported'],
  ['velora_config', (v) => v === null, 'VeLoRA is not supported'],
  ['modules_to_tie', (v) => v === null, 'tied modules are not supported'],
];

/** Initialisations that leave the base weights as they are (others, like PiSSA or LoftQ, change the base the adapter needs). */
const PLAIN_INITS: readonly unknown[] = [true, false, 'gaussian', 'eva', 'orthogonal'];

/** Checks and reads an adapter_config.json object (`file` names it in errors). */
export function parseLoraConfig(value: unknown, file: string): LoraConfig {
  if (!isPlainObject(value)) throw new FinetuneError(`${file}: expected a JSON object`);
  const json = value;
  const peftType = json.peft_type;
  if (peftType !== 'LORA') fail(file, 'peft_type', `is ${JSON.stringify(peftType)}; finetune reads LORA adapters`);
  for (const [key, harmless, why] of UNSUPPORTED) {
    if (key in json && !harmless(json[key])) fail(file, key, `is ${JSON.stringify(json[key])}: ${why}`);
  }
  if ('init_lora_weights' in json && !PLAIN_INITS.includes(json.init_lora_weights)) {
    fail(
      file,
      'init_lora_weights',
      `is ${JSON.stringify(json.init_lora_weights)}: adapters initialised this way need a modified base model, which is not supported`,
    );
  }
  const taskType = optionalString(json, 'task_type', file);
  if (taskType !== null && !TASK_TYPES.includes(taskType)) {
    fail(file, 'task_type', `is '${taskType}'; finetune loads classification and causal LM adapters (${TASK_TYPES.join(', ')})`);
  }
  const fanInFanOut = json.fan_in_fan_out ?? false;
  if (typeof fanInFanOut !== 'boolean') fail(file, 'fan_in_fan_out', `must be true or false, got ${JSON.stringify(fanInFanOut)}`);
  const targetModules = selector(json, 'target_modules', file);
  if (targetModules === null) fail(file, 'target_modules', 'is missing: the adapter names no modules to wrap');
  const bias = json.bias ?? 'none';
  if (!LORA_BIAS_VALUES.includes(bias as LoraBias)) fail(file, 'bias', `must be one of ${LORA_BIAS_VALUES.join(', ')}, got ${JSON.stringify(bias)}`);
  const useRslora = json.use_rslora ?? false;
  if (typeof useRslora !== 'boolean') fail(file, 'use_rslora', `must be true or false, got ${JSON.stringify(useRslora)}`);
  const dropout = finiteNumber(json, 'lora_dropout', file, 0);
  if (dropout < 0 || dropout >= 1) fail(file, 'lora_dropout', `must be in [0, 1), got ${dropout}`);
  const modulesToSave = stringList(json, 'modules_to_save', file) ?? [];
  return {
    r: positiveInt(json, 'r', file, 8),
    loraAlpha: finiteNumber(json, 'lora_alpha', file, 8),
    loraDropout: dropout,
    targetModules,
    excludeModules: selector(json, 'exclude_modules', file),
    // PEFT's sequence- and token-classification models add their head names whatever the file says.
    modulesToSave: taskType !== null && taskType !== CAUSAL_LM_TASK_TYPE ? withHeadNames(modulesToSave) : modulesToSave,
    bias: bias as LoraBias,
    useRslora,
    rankPattern: patternMap(json, 'rank_pattern', file, true),
    alphaPattern: patternMap(json, 'alpha_pattern', file, false),
    layersToTransform: layerIndices(json, file),
    layersPattern: stringList(json, 'layers_pattern', file),
    taskType,
    baseModelNameOrPath: optionalString(json, 'base_model_name_or_path', file),
    revision: optionalString(json, 'revision', file),
    ...(fanInFanOut ? { fanInFanOut } : {}),
  };
}

/** `names` followed by the SEQ_CLS head names it lacks. */
export function withHeadNames(names: readonly string[]): string[] {
  return [...names, ...SEQ_CLS_HEAD_NAMES.filter((n) => !names.includes(n))];
}

/** Reads `dir`/adapter_config.json. */
export function readLoraConfig(dir: string): LoraConfig {
  const file = join(dir, ADAPTER_CONFIG_FILE);
  if (!existsSync(file)) throw new FinetuneError(`${dir}: no ${ADAPTER_CONFIG_FILE} (an adapter folder needs one)`);
  return parseLoraConfig(readJsonFile(file), file);
}

/**
 * adapter_config.json as PEFT 0.21's save_pretrained writes it: every field of its LoraConfig, keys
 * sorted, two-space indent, inference_mode true.
 */
export function loraConfigJson(config: LoraConfig): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    alora_invocation_tokens: null,
    alpha_pattern: sortedKeys(config.alphaPattern),
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: config.baseModelNameOrPath,
    bias: config.bias,
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: config.excludeModules === null || typeof config.excludeModules === 'string' ? config.excludeModules : [...config.excludeModules],
    fan_in_fan_out: config.fanInFanOut ?? false,
    inference_mode: true,
    init_lora_weights: true,
    kasa_config: null,
    layer_replication: null,
    layers_pattern: config.layersPattern === null ? null : [...config.layersPattern],
    layers_to_transform: config.layersToTransform === null ? null : [...config.layersToTransform],
    loftq_config: {},
    lora_alpha: config.loraAlpha,
    lora_bias: false,
    lora_dropout: config.loraDropout,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: [...config.modulesToSave],
    monteclora_config: null,
    peft_type: 'LORA',
    peft_version: PEFT_FORMAT_VERSION,
    qalora_group_size: 16,
    r: config.r,
    rank_pattern: sortedKeys(config.rankPattern),
    revision: config.revision,
    target_modules: typeof config.targetModules === 'string' ? config.targetModules : [...config.targetModules],
    target_parameters: null,
    task_type: config.taskType,
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: config.useRslora,
    velora_config: null,
  };
  return sortedKeys(fields);
}

/**
 * A copy with keys in sorted order, as Python's json.dumps(sort_keys=True) writes them. Pattern maps
 * are kept sorted from the start, because the first matching pattern wins and PEFT reloads them in
 * the sorted order it saved.
 */
export function sortedKeys<T>(record: Readonly<Record<string, T>>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key]!;
  return sorted;
}

/** The text of adapter_config.json: Python's json.dumps(indent=2, sort_keys=True), without a final newline, as PEFT writes it. */
export function loraConfigText(config: LoraConfig): string {
  return configJsonText(loraConfigJson(config)).trimEnd();
}
