// Puts LoRA into a model: wraps the target Linear layers by PEFT's name rules, freezes the base, keeps the head trainable.
import { FinetuneError } from '../../errors.js';
import type { TaskModel } from '../../models/types.js';
import { Linear } from '../../nn/layers.js';
import { Module, type Parameter } from '../../nn/module.js';
import type { Random } from '../../tensor/random.js';
import type { LoraConfig } from './config.js';
import { LoraLinear } from './layer.js';
import { checkPatterns, isModuleToSave, isTargetModule, rankAndScale } from './patterns.js';

/** What a model carries once LoRA is in it: the settings and the pieces they produced. */
export interface LoraState {
  readonly config: LoraConfig;
  /** Wrapped layers by module name, in model order. */
  readonly layers: ReadonlyMap<string, LoraLinear>;
  /** Modules trained in full and saved whole (PEFT's modules_to_save as they matched), outermost only. */
  readonly savedModules: readonly string[];
  /** Which parameters trained before the adapter came, restored when it is removed. */
  readonly trainableBefore: ReadonlyMap<Parameter, boolean>;
}

const states = new WeakMap<Module, LoraState>();

/** The LoRA state of `model`, or null when it has no adapter. */
export function loraState(model: Module): LoraState | null {
  return states.get(model) ?? null;
}

/**
 * Takes the adapter out of `model`: puts the original Linear layers back (their weights as they are
 * now, so merged updates stay in) and restores which parameters train. Returns the adapter's state,
 * or null when there was none.
 */
export function removeLora(model: Module): LoraState | null {
  const state = states.get(model);
  if (!state) return null;
  for (const [name, layer] of state.layers) {
    layer.base.training = layer.training;
    for (const alias of namesOf(model, layer, name)) replaceModule(model, alias, layer.base);
  }
  for (const [p, trainable] of state.trainableBefore) {
    p.requiresGrad = trainable;
    if (!trainable) p.grad = null;
  }
  states.delete(model);
  return state;
}

/** Every name under which `module` sits in `root` (a shared module has several), `first` included. */
function namesOf(root: Module, module: Module, first: string): string[] {
  const names = root
    .namedModules('', { removeDuplicate: false })
    .filter(([, m]) => m === module)
    .map(([n]) => n);
  return names.length > 0 ? names : [first];
}

/**
 * Fails when two target layers share one weight (tied): an adapter on each would merge twice into it.
 * A weight tied to a module that is not a target (GPT-2's lm_head and wte) is fine: one adapter, a frozen base.
 */
function checkTiedTargets(model: Module, names: readonly string[], source: string): void {
  const modules = new Map(model.namedModules());
  const owner = new Map<Parameter, string>();
  for (const name of names) {
    const weight = (modules.get(name) as Linear).weight;
    const other = owner.get(weight);
    if (other !== undefined) {
      throw new FinetuneError(`${source}: target modules '${other}' and '${name}' share one (tied) weight; LoRA can wrap only one of them`);
    }
    owner.set(weight, name);
  }
}

/** Replaces the child at dotted `name` under `root` (array children are numbered: 'layer.3'). */
export function replaceModule(root: Module, name: string, replacement: Module): void {
  const parts = name.split('.');
  let parent: unknown = root;
  for (const part of parts.slice(0, -1)) parent = (parent as Record<string, unknown>)[part];
  const last = parts[parts.length - 1]!;
  const holder = parent as Record<string, unknown>;
  if (!(holder[last] instanceof Module)) throw new Error(`replaceModule: '${name}' is not a module`);
  holder[last] = replacement;
}

const under = (name: string, prefix: string): boolean => prefix === '' || name === prefix || name.startsWith(`${prefix}.`);

/** The modules that modules_to_save keeps whole: names ending with an entry, outermost only (PEFT wraps a match once). */
export function modulesToSaveIn(model: Module, modulesToSave: readonly string[]): string[] {
  const found: string[] = [];
  for (const [name] of model.namedModules()) {
    if (name === '' || !isModuleToSave(name, modulesToSave)) continue;
    if (found.some((outer) => under(name, outer))) continue;
    found.push(name);
  }
  return found;
}

/** The names of the modules `config` wraps; a match that is not a Linear layer, or no match at all, is an error naming it. */
export function targetModuleNames(model: Module, config: LoraConfig, source: string): string[] {
  const saved = modulesToSaveIn(model, config.modulesToSave);
  const names: string[] = [];
  for (const [name, module] of model.namedModules()) {
    if (name === '' || !isTargetModule(name, config) || saved.some((s) => under(name, s))) continue;
    if (!(module instanceof Linear)) {
      throw new FinetuneError(`${source}: target module '${name}' is a ${module.constructor.name}; LoRA wraps Linear layers only`);
    }
    names.push(name);
  }
  if (names.length === 0) {
    const targets = typeof config.targetModules === 'string' ? config.targetModules : config.targetModules.join(', ');
    throw new FinetuneError(`${source}: target_modules (${targets}) match no Linear layer of the model outside its head`);
  }
  return names;
}

export interface InjectOptions {
  /** Names the settings in errors (a file, or the option names). */
  readonly source: string;
  /** Generator for the A matrices (default: the global seeded one). */
  readonly rng?: Random;
}

/**
 * Wraps the layers `config` targets in LoraLinear layers and sets what trains: the adapters, the
 * modules saved whole, and the biases `config.bias` names; everything else is frozen (no gradient is
 * computed or stored for it, and the optimizer keeps no state for it). Fails, changing nothing, when
 * the model already has an adapter or a setting does not fit the model.
 */
export function injectLora(model: TaskModel, config: LoraConfig, options: InjectOptions): LoraState {
  if (states.has(model)) throw new FinetuneError(`${options.source}: the model already has a LoRA adapter`);
  checkPatterns(config, options.source);
  const savedModules = modulesToSaveIn(model, config.modulesToSave);
  const uncovered = model.headModules.filter((h) => !savedModules.some((s) => under(h, s)));
  if (uncovered.length > 0) {
    throw new FinetuneError(
      `${options.source}: modules_to_save (${config.modulesToSave.join(', ')}) does not cover the head module '${uncovered[0]}', which must train and be saved`,
    );
  }
  const names = targetModuleNames(model, config, options.source);
  checkTiedTargets(model, names, options.source);
  const trainableBefore = new Map(model.parameters().map((p) => [p, p.requiresGrad]));
  const modules = new Map(model.namedModules());
  const layers = new Map<string, LoraLinear>();
  // Checked for every layer before any is wrapped; a rank above a layer's smaller side only adds parameters
  // (and a huge one would allocate them before failing).
  for (const name of names) {
    const { r } = rankAndScale(name, config);
    const base = modules.get(name) as Linear;
    const limit = Math.min(base.inFeatures, base.outFeatures);
    if (r > limit) {
      throw new FinetuneError(
        `${options.source}: rank ${r} is larger than layer '${name}' [${base.outFeatures}, ${base.inFeatures}] allows (at most ${limit})`,
      );
    }
  }
  for (const name of names) {
    const { r, scale } = rankAndScale(name, config);
    const layer = new LoraLinear(modules.get(name) as Linear, {
      r,
      scale,
      dropout: config.loraDropout,
      ...(options.rng ? { rng: options.rng } : {}),
    });
    // A layer shared under several names gets one adapter, put at each of them.
    for (const alias of namesOf(model, modules.get(name)!, name)) replaceModule(model, alias, layer);
    layers.set(name, layer);
  }
  model.freeze();
  // Every name of a tied parameter: it trains when any of its names is saved whole.
  for (const [name, p] of model.namedParameters('', { removeDuplicate: false })) {
    const isAdapter = /(^|\.)lora_[AB]\.weight$/.test(name);
    const isSaved = savedModules.some((s) => under(name, s));
    const isBias = name.endsWith('bias');
    const wrappedBias = isBias && layers.has(name.slice(0, -'.bias'.length));
    if (isAdapter || isSaved || (config.bias === 'all' && isBias) || (config.bias === 'lora_only' && wrappedBias)) p.requiresGrad = true;
  }
  const state: LoraState = { config, layers, savedModules, trainableBefore };
  states.set(model, state);
  return state;
}
