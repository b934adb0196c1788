// PEFT's name-matching rules: target and excluded modules, layer indices, rank/alpha patterns, modules_to_save.
import { FinetuneError } from '../../errors.js';
import type { LoraConfig, ModuleSelector } from './config.js';

/**
 * A regular expression from an adapter config, compiled in unicode mode so that Python-only syntax
 * (`(?P<name>`, `\A`, `\Z`) is refused instead of silently meaning something else.
 */
export function compilePattern(source: string, where: string): RegExp {
  try {
    return new RegExp(source, 'u');
  } catch (error) {
    throw new FinetuneError(`${where}: '${source}' is not a regular expression finetune can read (${(error as Error).message})`);
  }
}

const cache = new Map<string, RegExp>();

/** A pattern from a config inside the anchoring PEFT wraps it in (`wrap`); `where` names the key in errors. */
function regex(pattern: string, wrap: (p: string) => string, where: string): RegExp {
  const source = wrap(pattern);
  let compiled = cache.get(source);
  if (!compiled) {
    compilePattern(pattern, where);
    compiled = compilePattern(source, where);
    cache.set(source, compiled);
  }
  return compiled;
}

const fullMatch = (p: string): string => `^(?:${p})$`;
const endOfName = (p: string): string => `^(?:.*\\.)?(?:${p})$`;
const segmentMatch = (p: string): string => `^(?:^|.*\\.)${p}(?:$|\\..*)`;
const layerIndex = (p: string): string => `^(?:^|.*?\\.)${p}\\.(\\d+)\\.`;
const FIRST_NUMBERED_SEGMENT = /^.*?\.[^.]*\.(\d+)\./;

/** The list form matches a whole name or a dotted suffix; the string form is a regular expression over the whole name. */
function selects(selector: ModuleSelector, name: string, where: string): boolean {
  if (typeof selector === 'string') return regex(selector, fullMatch, where).test(name);
  return selector.includes(name) || selector.some((entry) => name.endsWith(`.${entry}`));
}

/** Whether a module name sits in one of the layers listed by layers_to_transform (PEFT counts the first numbered segment). */
function inListedLayer(name: string, config: LoraConfig): boolean {
  const layers = config.layersToTransform;
  if (layers === null) return true;
  let index: string | undefined;
  if (config.layersPattern === null || config.layersPattern.length === 0) {
    index = FIRST_NUMBERED_SEGMENT.exec(name)?.[1];
  } else {
    for (const pattern of config.layersPattern) {
      index = regex(pattern, layerIndex, 'layers_pattern').exec(name)?.[1];
      if (index !== undefined) break;
    }
  }
  return index !== undefined && layers.includes(Number(index));
}

/** Whether PEFT's modules_to_save rule keeps this module whole: its name ends with an entry (plain text, so 'pre_classifier' ends with 'classifier'). */
export function isModuleToSave(name: string, modulesToSave: readonly string[]): boolean {
  return modulesToSave.some((entry) => name.endsWith(entry));
}

/**
 * Whether LoRA wraps the module `name` (a module name of the model, e.g.
 * 'bert.encoder.layer.0.attention.self.query'), following PEFT 0.21's check_target_module_exists:
 * excluded modules and anything inside a module saved whole never match; an exact name in the list
 * matches regardless of layers_to_transform.
 */
export function isTargetModule(name: string, config: LoraConfig): boolean {
  if (config.excludeModules !== null && selects(config.excludeModules, name, 'exclude_modules')) return false;
  if (config.modulesToSave.some((m) => regex(m, segmentMatch, 'modules_to_save').test(name))) return false;
  const targets = config.targetModules;
  if (typeof targets === 'string') return selects(targets, name, 'target_modules');
  if (targets.includes(name)) return true;
  return targets.some((t) => name.endsWith(`.${t}`)) && inListedLayer(name, config);
}

/**
 * The value of the first pattern that matches the end of `name` at a segment boundary (PEFT's
 * get_pattern_key: `(.*\.)?(pattern)$`), or undefined.
 */
export function patternValue(patterns: Readonly<Record<string, number>>, name: string, where: string): number | undefined {
  for (const [pattern, value] of Object.entries(patterns)) {
    if (regex(pattern, endOfName, `${where} key`).test(name)) return value;
  }
  return undefined;
}

/** The rank and scale of the adapter on module `name`: patterns first, then the config's r and alpha. */
export function rankAndScale(name: string, config: LoraConfig): { r: number; alpha: number; scale: number } {
  const r = patternValue(config.rankPattern, name, 'rank_pattern') ?? config.r;
  const alpha = patternValue(config.alphaPattern, name, 'alpha_pattern') ?? config.loraAlpha;
  return { r, alpha, scale: config.useRslora ? alpha / Math.sqrt(r) : alpha / r };
}

/** Compiles every pattern of a config as it will be used, so a bad one fails, naming `file` and the key, before anything changes. */
export function checkPatterns(config: LoraConfig, file: string): void {
  const check = (p: string, wrap: (p: string) => string, key: string): void => void regex(p, wrap, `${file}: ${key}`);
  if (typeof config.targetModules === 'string') check(config.targetModules, fullMatch, 'target_modules');
  if (typeof config.excludeModules === 'string') check(config.excludeModules, fullMatch, 'exclude_modules');
  for (const p of Object.keys(config.rankPattern)) check(p, endOfName, 'rank_pattern key');
  for (const p of Object.keys(config.alphaPattern)) check(p, endOfName, 'alpha_pattern key');
  for (const p of config.layersPattern ?? []) check(p, layerIndex, 'layers_pattern');
  for (const p of config.modulesToSave) check(p, segmentMatch, 'modules_to_save');
}
