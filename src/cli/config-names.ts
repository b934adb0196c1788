// The names a --config file may use for an option: the CLI's, the library's (training_args.json) and Hugging Face TrainingArguments', as one table.
import { FinetuneError } from '../errors.js';
import { greaterIsBetter, normalizeMetricName } from '../tasks/metric-names.js';
import type { FlagSpecs, FlagValue } from './args.js';

/** Values of one spelling that mean something else: the raw value (as text) -> the flags it sets ({} sets none). */
export type ValueMap = Readonly<Record<string, Readonly<Record<string, FlagValue>>>>;

/** One option and its spellings besides the CLI's own (the flag name, also accepted in camelCase or snake_case). */
export interface ConfigOption {
  /** The flag it sets; a pair takes the two values of a two-element array; absent: only its `values` say what it sets. */
  readonly flag?: string | readonly [string, string];
  /** The library's name (TrainRunOptions or TrainingArguments, as training_args.json writes it), when it differs from the flag's. */
  readonly library?: string;
  /** Hugging Face's name (TrainingArguments, EarlyStoppingCallback), when there is one. */
  readonly hf?: string | readonly string[];
  /** What some values of the library's spelling mean. */
  readonly libraryValues?: ValueMap;
  /** What some values of Hugging Face's spelling mean (its sentinels, its other scheduler names). */
  readonly hfValues?: ValueMap;
}

/**
 * Every option with a second or third spelling. Options of the command not listed here take their
 * flag name only (`max-length`, `maxLength` or `max_length`).
 */
export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  { flag: 'epochs', hf: 'num_train_epochs' },
  // The library reads 0 steps as "no limit", Hugging Face -1.
  { flag: 'max-steps', hf: 'max_steps', libraryValues: { 0: {} }, hfValues: { '-1': {} } },
  { flag: 'batch-size', hf: ['per_device_train_batch_size', 'train_batch_size'] },
  { flag: 'eval-batch-size', hf: 'per_device_eval_batch_size' },
  { flag: 'lr', library: 'learningRate', hf: 'learning_rate' },
  { flag: 'weight-decay', hf: 'weight_decay' },
  { flag: 'warmup-ratio', hf: 'warmup_ratio' },
  // Hugging Face's 0 warm-up steps means "use warmup_ratio".
  { flag: 'warmup-steps', hf: 'warmup_steps', hfValues: { 0: {} } },
  {
    flag: 'scheduler',
    hf: 'lr_scheduler_type',
    // Our 'constant' warms up first; Hugging Face's 'constant' has no warm-up.
    hfValues: { constant_with_warmup: { scheduler: 'constant' }, constant: { scheduler: 'constant', 'warmup-steps': 0 } },
  },
  { flag: 'max-grad-norm', hf: 'max_grad_norm' },
  { flag: 'grad-accum', library: 'gradAccumSteps', hf: 'gradient_accumulation_steps' },
  { flag: 'seed', hf: 'seed' },
  { flag: 'eval-every', hf: 'eval_steps' },
  {
    hf: ['eval_strategy', 'evaluation_strategy'],
    // 'steps' takes its number from eval_steps (checked below).
    hfValues: { no: { 'eval-split': 0 }, epoch: { 'eval-every': 'epoch' }, steps: {} },
  },
  { flag: 'logging-steps', hf: 'logging_steps' },
  { flag: 'save-total-limit', hf: 'save_total_limit' },
  { flag: 'save-strategy', hf: 'save_strategy' },
  { flag: 'save-steps', hf: 'save_steps' },
  { flag: 'save-optimizer' },
  { hf: 'save_only_model', hfValues: { true: { 'save-optimizer': false }, false: {} } },
  { flag: 'early-stopping', library: 'earlyStoppingPatience', hf: 'early_stopping_patience' },
  { flag: 'min-delta', library: 'earlyStoppingMinDelta', hf: 'early_stopping_threshold' },
  { flag: 'metric-for-best', hf: 'metric_for_best_model' },
  { flag: 'load-best-model-at-end', hf: 'load_best_model_at_end' },
  { flag: 'label-smoothing', hf: 'label_smoothing_factor' },
  { flag: 'group-by-length', hf: 'group_by_length' },
  { flag: ['adam-beta1', 'adam-beta2'], library: 'adamBetas' },
  { flag: 'adam-beta1', hf: 'adam_beta1' },
  { flag: 'adam-beta2', hf: 'adam_beta2' },
  { flag: 'adam-epsilon', hf: 'adam_epsilon' },
  { flag: 'report-to', hf: 'report_to' },
  { flag: 'output', library: 'outputDir', hf: 'output_dir' },
  { flag: 'overwrite', hf: 'overwrite_output_dir' },
  { flag: 'resume', hf: 'resume_from_checkpoint' },
  { flag: 'bf16', hf: 'bf16' },
];

/** Hugging Face's greater_is_better: checked against the metric's own direction, which finetune knows. */
const GREATER_IS_BETTER = 'greater_is_better';

/** The sub-keys of a `lora:` mapping (as training_args.json writes it) and the flags they set. */
const LORA_KEYS: Readonly<Record<string, string>> = { r: 'lora-r', alpha: 'lora-alpha', dropout: 'lora-dropout', targets: 'lora-targets' };

/** Mappings whose keys are options themselves (the library's `training: {...}`). */
const SECTIONS: readonly string[] = ['training'];

/** `--flag` in camelCase or snake_case, as a flag name. */
export const toFlagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');

interface Spelling {
  readonly option: ConfigOption;
  readonly values: ValueMap | undefined;
}

const SPELLINGS: ReadonlyMap<string, Spelling> = (() => {
  const map = new Map<string, Spelling>();
  for (const option of CONFIG_OPTIONS) {
    if (option.library !== undefined) map.set(option.library, { option, values: option.libraryValues });
    for (const name of typeof option.hf === 'string' ? [option.hf] : (option.hf ?? [])) map.set(name, { option, values: option.hfValues });
    // A library name equal to the flag's carries its own value map too (maxSteps 0).
    if (option.libraryValues && typeof option.flag === 'string' && option.library === undefined) {
      map.set(
        option.flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()),
        { option, values: option.libraryValues },
      );
    }
  }
  return map;
})();

/** One option read from a config file: the key as written (for messages), the flag and the raw value. */
export interface ConfigEntry {
  readonly key: string;
  readonly flag: string;
  readonly value: unknown;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The closest known name to `key` (edit distance on the lower-cased names), for a hint. */
function closest(key: string, names: readonly string[]): string {
  let best = '';
  let bestScore = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const name of names) {
    const score = distance(key.toLowerCase(), name.toLowerCase());
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return best === '' ? '' : `; did you mean '${best}'?`;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The options of a parsed config file as flags of the command (`specs`). Every key is used or refused
 * by name: unknown names, values a spelling does not take, two spellings that disagree, and
 * greater_is_better against the metric's direction are FinetuneErrors naming the file and the key.
 */
export function configEntries(data: Record<string, unknown>, path: string, specs: FlagSpecs): ConfigEntry[] {
  const chosen = new Map<string, ConfigEntry>();
  const set = (key: string, flag: string, value: unknown): void => {
    if (!(flag in specs) || flag === 'config') throw new FinetuneError(`${path}: unknown option '${key}'`);
    const previous = chosen.get(flag);
    if (previous && JSON.stringify(previous.value) !== JSON.stringify(value)) {
      throw new FinetuneError(`${path}: '${previous.key}' and '${key}' both set --${flag}, to different values`);
    }
    // A list in a single-valued option (training_args.json's classWeights) is its comma-separated form.
    const single = specs[flag]!.type === 'string' && Array.isArray(value) && value.every((v) => typeof v !== 'object') ? value.join(',') : value;
    chosen.set(flag, { key, flag, value: single });
  };
  let greater: { key: string; value: unknown } | undefined;
  const read = (key: string, value: unknown, prefix: string): void => {
    const name = `${prefix}${key}`;
    // null is "not set", as training_args.json writes options left at their default.
    if (value === null || value === undefined) return;
    if (prefix === '' && SECTIONS.includes(key) && isMapping(value)) {
      for (const [k, v] of Object.entries(value)) read(k, v, `${key}.`);
      return;
    }
    if (key === 'lora' && isMapping(value)) {
      set(name, 'lora', true);
      for (const [k, v] of Object.entries(value)) {
        const flag = LORA_KEYS[k];
        if (flag === undefined) throw new FinetuneError(`${path}: unknown option '${name}.${k}' (lora takes ${Object.keys(LORA_KEYS).join(', ')})`);
        if (v !== null && v !== undefined) set(`${name}.${k}`, flag, v);
      }
      return;
    }
    if (key === GREATER_IS_BETTER) {
      greater = { key: name, value };
      return;
    }
    const spelling = SPELLINGS.get(key);
    if (spelling === undefined) {
      const flag = toFlagName(key);
      if (flag in specs && flag !== 'config') {
        set(name, flag, value);
        return;
      }
      const known = [...Object.keys(specs), ...SPELLINGS.keys(), GREATER_IS_BETTER].filter((n) => n !== 'config');
      throw new FinetuneError(`${path}: unknown option '${name}'${closest(key, known)}`);
    }
    const { option, values } = spelling;
    const mapped = values?.[typeof value === 'object' ? '' : String(value)];
    if (mapped !== undefined) {
      for (const [flag, v] of Object.entries(mapped)) set(name, flag, v);
      return;
    }
    if (option.flag === undefined) {
      throw new FinetuneError(`${path}: ${name}: '${String(value)}' is not one of ${Object.keys(values ?? {}).join(', ')}`);
    }
    if (typeof option.flag === 'string') {
      set(name, option.flag, value);
      return;
    }
    if (!Array.isArray(value) || value.length !== 2) throw new FinetuneError(`${path}: ${name}: expected two values, [${option.flag.join(', ')}]`);
    set(name, option.flag[0], value[0]);
    set(name, option.flag[1], value[1]);
  };
  for (const [key, value] of Object.entries(data)) read(key, value, '');
  checkStrategies(data, path, chosen);
  if (greater !== undefined) checkDirection(greater, chosen.get('metric-for-best'), path);
  return [...chosen.values()];
}

/** eval_strategy 'steps' takes its interval from eval_steps, and eval_steps means nothing under 'epoch' or 'no'. */
function checkStrategies(data: Record<string, unknown>, path: string, chosen: ReadonlyMap<string, ConfigEntry>): void {
  const strategy = data.eval_strategy ?? data.evaluation_strategy;
  const every = chosen.get('eval-every');
  if (strategy === 'steps' && (every === undefined || every.value === 'epoch')) {
    throw new FinetuneError(`${path}: eval_strategy 'steps' needs eval_steps (the number of steps between evaluations)`);
  }
  if ((strategy === 'epoch' || strategy === 'no') && data.eval_steps !== undefined && data.eval_steps !== null) {
    throw new FinetuneError(`${path}: eval_steps ${String(data.eval_steps)} with eval_strategy '${strategy}': use eval_strategy 'steps'`);
  }
}

/** greater_is_better must agree with the metric (the default metric of every task grows with quality). */
function checkDirection(greater: { key: string; value: unknown }, metric: ConfigEntry | undefined, path: string): void {
  if (typeof greater.value !== 'boolean') throw new FinetuneError(`${path}: ${greater.key}: '${String(greater.value)}' is not true or false`);
  const name = metric === undefined ? undefined : normalizeMetricName(String(metric.value));
  const expected = name === undefined ? true : greaterIsBetter(name);
  if (greater.value !== expected) {
    throw new FinetuneError(
      `${path}: ${greater.key} ${greater.value} contradicts ${name === undefined ? "the task's default metric" : `metric ${name}`}, where ${expected ? 'greater' : 'smaller'} is better`,
    );
  }
}
