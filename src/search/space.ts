// The search space and search settings of a `search:` block: parsed, checked (one line naming the key at fault) and typed.
import { FinetuneError } from '../errors.js';
import { parseFreezeSpec } from '../models/freeze.js';
import { greaterIsBetter, normalizeMetricName } from '../tasks/metric-names.js';

/** A float drawn uniformly, or uniformly in log space (learning rates), between low and high. */
export interface FloatParam {
  readonly kind: 'uniform' | 'log-uniform';
  readonly low: number;
  readonly high: number;
}

/** An integer from low to high, both included. */
export interface IntParam {
  readonly kind: 'int';
  readonly low: number;
  readonly high: number;
}

/** One of a list of values (numbers, strings or booleans). */
export interface ChoiceParam {
  readonly kind: 'choice';
  readonly choices: readonly (number | string | boolean)[];
}

export type ParamSpec = FloatParam | IntParam | ChoiceParam;

/** A parameter name is the train flag it sets, e.g. `lr` or `batch-size`. */
export type SearchSpace = Readonly<Record<string, ParamSpec>>;

/** One trial's values, by flag name. */
export type ParamValues = Readonly<Record<string, number | string | boolean>>;

/** Asynchronous successive halving: rungs at minResource * reductionFactor^k (epochs or steps). */
export interface AshaOptions {
  /** What a rung counts: 'epoch' (default) or 'steps'. */
  readonly unit: 'epoch' | 'steps';
  /** The first rung, in units (default 1). */
  readonly minResource: number;
  /** eta: the top 1/eta of a rung continues (default 3). */
  readonly reductionFactor: number;
}

export interface SearchSettings {
  readonly space: SearchSpace;
  /** The evaluation metric optimised, without the eval_ prefix (default: f1_macro, the trainer's default). */
  readonly metric: string;
  /** 'maximize' or 'minimize' (default: the metric's own direction, minimize for loss). */
  readonly direction: 'maximize' | 'minimize';
  /** 'tpe' (default) or 'random'. */
  readonly sampler: 'tpe' | 'random';
  /** Seed of the sampler (default 0). */
  readonly seed: number;
  /** Trials to run (default 16). */
  readonly trials: number;
  /** Trials at a time (default 1). */
  readonly parallel: number;
  /** Wall-clock budget in seconds (default: none). */
  readonly budgetSeconds?: number;
  /** Early stopping of weak trials (default: off). */
  readonly asha?: AshaOptions;
}

/** What each searchable train flag accepts; a sampled value outside it is a contradiction in the space. */
const PARAMS: Readonly<Record<string, { readonly type: 'float' | 'int' | 'bool' | 'freeze'; readonly ok: (v: number) => boolean; readonly range: string }>> = {
  lr: { type: 'float', ok: (v) => v > 0, range: '> 0' },
  'batch-size': { type: 'int', ok: (v) => v >= 1, range: '>= 1' },
  epochs: { type: 'float', ok: (v) => v > 0, range: '> 0' },
  'max-steps': { type: 'int', ok: (v) => v >= 1, range: '>= 1' },
  'warmup-ratio': { type: 'float', ok: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  'weight-decay': { type: 'float', ok: (v) => v >= 0, range: '>= 0' },
  'label-smoothing': { type: 'float', ok: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  freeze: { type: 'freeze', ok: (v) => v >= 0, range: '>= 0' },
  lora: { type: 'bool', ok: () => true, range: '' },
  'lora-r': { type: 'int', ok: (v) => v >= 1, range: '>= 1' },
  'lora-alpha': { type: 'float', ok: (v) => v > 0, range: '> 0' },
  'lora-dropout': { type: 'float', ok: (v) => v >= 0 && v < 1, range: 'in [0, 1)' },
  'max-length': { type: 'int', ok: (v) => v >= 1, range: '>= 1' },
};

/** The train flags a space may search. */
export const SEARCHABLE_PARAMS: readonly string[] = Object.keys(PARAMS);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const toFlagName = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');

function parseParam(name: string, raw: unknown, where: string): ParamSpec {
  const key = `${where}.${name}`;
  const rule = PARAMS[name]!;
  if (Array.isArray(raw)) return parseParam(name, { choices: raw }, where);
  if (!isRecord(raw)) throw new FinetuneError(`${key}: expected {type: log-uniform|uniform|int, low, high} or {choices: [...]}`);
  for (const field of Object.keys(raw)) {
    if (!['type', 'low', 'high', 'choices'].includes(field)) throw new FinetuneError(`${key}.${field}: unknown field (type, low, high, choices)`);
  }
  if (raw.choices !== undefined) {
    if (!Array.isArray(raw.choices) || raw.choices.length === 0) throw new FinetuneError(`${key}.choices: expected a non-empty list`);
    if (raw.low !== undefined || raw.high !== undefined) throw new FinetuneError(`${key}: give choices or low/high, not both`);
    const choices = raw.choices.map((value, i) => checkValue(name, value, `${key}.choices[${i}]`));
    if (new Set(choices.map(String)).size !== choices.length) throw new FinetuneError(`${key}.choices: a value is listed twice`);
    return { kind: 'choice', choices };
  }
  const type = raw.type ?? (rule.type === 'int' ? 'int' : 'uniform');
  if (type !== 'uniform' && type !== 'log-uniform' && type !== 'int') {
    throw new FinetuneError(`${key}.type: '${String(type)}' is not log-uniform, uniform or int (or give choices)`);
  }
  if (rule.type === 'bool' || rule.type === 'freeze') throw new FinetuneError(`${key}: takes choices, not a range`);
  if (rule.type === 'int' && type !== 'int') throw new FinetuneError(`${key}.type: ${name} is an integer; use type int or choices`);
  const { low, high } = raw;
  if (typeof low !== 'number' || !Number.isFinite(low)) throw new FinetuneError(`${key}.low: expected a number`);
  if (typeof high !== 'number' || !Number.isFinite(high)) throw new FinetuneError(`${key}.high: expected a number`);
  if (low > high) throw new FinetuneError(`${key}: low ${low} is above high ${high}`);
  if (type === 'int' && (!Number.isInteger(low) || !Number.isInteger(high))) throw new FinetuneError(`${key}: int bounds must be integers`);
  if (type === 'log-uniform' && low <= 0) throw new FinetuneError(`${key}.low: log-uniform needs low > 0, got ${low}`);
  for (const [end, value] of [
    ['low', low],
    ['high', high],
  ] as const) {
    if (!rule.ok(value)) throw new FinetuneError(`${key}.${end}: ${value} is outside what ${name} accepts (${rule.range})`);
  }
  return { kind: type, low, high };
}

function checkValue(name: string, value: unknown, key: string): number | string | boolean {
  const rule = PARAMS[name]!;
  if (rule.type === 'bool') {
    if (typeof value !== 'boolean') throw new FinetuneError(`${key}: expected true or false`);
    return value;
  }
  if (rule.type === 'freeze') {
    if (typeof value !== 'string' && typeof value !== 'number') throw new FinetuneError(`${key}: expected none, base, embeddings or a number of layers`);
    parseFreezeSpec(value, key);
    return value;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FinetuneError(`${key}: expected a number`);
  if (rule.type === 'int' && !Number.isInteger(value)) throw new FinetuneError(`${key}: ${name} is an integer, got ${value}`);
  if (!rule.ok(value)) throw new FinetuneError(`${key}: ${value} is outside what ${name} accepts (${rule.range})`);
  return value;
}

/** The names of the closest searchable parameter, for an unknown one. */
function closest(name: string): string {
  const hit = SEARCHABLE_PARAMS.find((p) => p.replace(/-/g, '') === name.replace(/[-_]/g, '').toLowerCase() || p.startsWith(name) || name.startsWith(p));
  return hit ? `; did you mean ${hit}?` : '';
}

/** Parses a space (`{lr: {type: log-uniform, low, high}, batch-size: [16, 32], ...}`); `where` names it in errors. */
export function parseSpace(raw: unknown, where: string): SearchSpace {
  if (!isRecord(raw)) throw new FinetuneError(`${where}: expected a mapping of parameter names to ranges or choices`);
  const space: Record<string, ParamSpec> = {};
  for (const [key, value] of Object.entries(raw)) {
    const name = toFlagName(key);
    if (PARAMS[name] === undefined) {
      throw new FinetuneError(`${where}.${key}: unknown parameter${closest(name)} (searchable: ${SEARCHABLE_PARAMS.join(', ')})`);
    }
    if (space[name] !== undefined) throw new FinetuneError(`${where}.${key}: ${name} is given twice`);
    space[name] = parseParam(name, value, where);
  }
  if (Object.keys(space).length === 0) throw new FinetuneError(`${where}: the search space is empty; give at least one parameter`);
  const lora = space.lora;
  if (lora?.kind === 'choice' && !lora.choices.includes(true) && ['lora-r', 'lora-alpha', 'lora-dropout'].some((p) => space[p])) {
    throw new FinetuneError(`${where}.lora: LoRA is never on, yet its rank, alpha or dropout is searched`);
  }
  if (space.epochs && space['max-steps']) throw new FinetuneError(`${where}: search epochs or max-steps, not both (max-steps overrides epochs)`);
  return space;
}

/** "30m", "2h", "90s", "1h30m" or a number of seconds. */
export function parseDuration(value: string | number, key: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw new FinetuneError(`${key}: ${value} is not a duration > 0`);
    return value;
  }
  const match = /^\s*(?:(\d+(?:\.\d+)?)h)?\s*(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s?)?\s*$/.exec(value);
  const seconds = match ? Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0) : NaN;
  if (!match || value.trim() === '' || !(seconds > 0)) throw new FinetuneError(`${key}: '${value}' is not a duration (e.g. 30m, 2h, 90s)`);
  return seconds;
}

function positiveInt(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new FinetuneError(`${key}: expected an integer >= 1`);
  return value;
}

function parseAsha(raw: unknown, key: string): AshaOptions | undefined {
  if (raw === undefined || raw === false || raw === null) return undefined;
  const value = raw === true ? {} : raw;
  if (!isRecord(value)) throw new FinetuneError(`${key}: expected true, false or {unit, min_resource, reduction_factor}`);
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(value).map(([k, v]) => [toFlagName(k), v]));
  for (const field of Object.keys(fields)) {
    if (!['unit', 'min-resource', 'reduction-factor'].includes(field))
      throw new FinetuneError(`${key}.${field}: unknown field (unit, min_resource, reduction_factor)`);
  }
  const unit = fields.unit ?? 'epoch';
  if (unit !== 'epoch' && unit !== 'steps') throw new FinetuneError(`${key}.unit: '${String(unit)}' is not epoch or steps`);
  const minResource = fields['min-resource'] ?? 1;
  if (typeof minResource !== 'number' || !(minResource > 0)) throw new FinetuneError(`${key}.min_resource: expected a number > 0`);
  const reductionFactor = fields['reduction-factor'] ?? 3;
  if (typeof reductionFactor !== 'number' || !(reductionFactor >= 2)) throw new FinetuneError(`${key}.reduction_factor: expected a number >= 2`);
  return { unit, minResource, reductionFactor };
}

/** Parses the `search:` block of a search YAML (`where` names the file). */
export function parseSearchSettings(raw: unknown, where: string): SearchSettings {
  const key = `${where}: search`;
  if (!isRecord(raw)) throw new FinetuneError(`${key}: expected a mapping with a space (and metric, direction, sampler, ...)`);
  const fields: Record<string, unknown> = Object.fromEntries(Object.entries(raw).map(([k, v]) => [toFlagName(k), v]));
  const known = ['space', 'metric', 'direction', 'sampler', 'seed', 'trials', 'parallel', 'budget', 'asha'];
  for (const field of Object.keys(fields)) if (!known.includes(field)) throw new FinetuneError(`${key}.${field}: unknown key (${known.join(', ')})`);
  if (fields.space === undefined) throw new FinetuneError(`${key}.space: missing; the search space is empty`);
  const space = parseSpace(fields.space, `${key}.space`);
  const metricRaw = fields.metric ?? 'f1_macro';
  const metric = typeof metricRaw === 'string' ? normalizeMetricName(metricRaw) : undefined;
  if (metric === undefined) throw new FinetuneError(`${key}.metric: '${String(metricRaw)}' is not a metric the trainer reports`);
  const direction = fields.direction ?? (greaterIsBetter(metric) ? 'maximize' : 'minimize');
  if (direction !== 'maximize' && direction !== 'minimize') throw new FinetuneError(`${key}.direction: '${String(direction)}' is not maximize or minimize`);
  const sampler = fields.sampler ?? 'tpe';
  if (sampler !== 'tpe' && sampler !== 'random') throw new FinetuneError(`${key}.sampler: '${String(sampler)}' is not tpe or random`);
  const seed = fields.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) throw new FinetuneError(`${key}.seed: expected an integer >= 0`);
  const asha = parseAsha(fields.asha, `${key}.asha`);
  return {
    space,
    metric,
    direction,
    sampler,
    seed,
    trials: fields.trials === undefined ? 16 : positiveInt(fields.trials, `${key}.trials`),
    parallel: fields.parallel === undefined ? 1 : positiveInt(fields.parallel, `${key}.parallel`),
    ...(fields.budget === undefined ? {} : { budgetSeconds: parseDuration(fields.budget as string | number, `${key}.budget`) }),
    ...(asha ? { asha } : {}),
  };
}
