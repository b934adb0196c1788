// Module, Parameter and ModuleBuffer: named trees of trainable and saved tensors, train/eval mode, freezing by name pattern, state dicts.
import { FinetuneError } from '../errors.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { Tensor, type TensorData } from '../tensor/tensor.js';

/** A tensor owned by a module; trainable (requiresGrad) unless frozen. */
export class Parameter extends Tensor {
  constructor(data: Float32Array, shape: Shape, requiresGrad = true) {
    super(data, shape, { requiresGrad });
  }

  static fromTensor(t: Tensor): Parameter {
    return new Parameter(t.f32(), t.shape);
  }
}

/**
 * A tensor a module owns that is saved and loaded with it but never trained: running statistics,
 * position ids (PyTorch's buffers). It never requires a gradient, so no op records a gradient for it
 * and no optimizer sees it. Non-persistent buffers stay out of state dicts and checkpoints.
 */
export class ModuleBuffer extends Tensor {
  /** Whether stateDict() and the checkpoints hold it (PyTorch's `persistent`; default true). */
  readonly persistent: boolean;

  constructor(data: TensorData, shape: Shape, persistent = true) {
    super(data, shape);
    this.persistent = persistent;
    Object.defineProperty(this, 'requiresGrad', {
      get: () => false,
      set: (value: boolean) => {
        if (value) throw new Error(`ModuleBuffer: a buffer never requires a gradient (make it a Parameter to train it)`);
      },
    });
  }

  /** A buffer sharing `t`'s data. */
  static fromTensor(t: Tensor, persistent = true): ModuleBuffer {
    return new ModuleBuffer(t.data, t.shape, persistent);
  }
}

/** Options of namedParameters, namedBuffers and namedModules. */
export interface NamedOptions {
  /**
   * Return an object reachable under several names (a tied parameter, a shared module) once, under its
   * first name in declaration order (default true, as PyTorch); false lists every name.
   */
  readonly removeDuplicate?: boolean;
}

/** Which parameter names a freeze/unfreeze call applies to. */
export type NamePattern = string | RegExp | ((name: string) => boolean);

/**
 * A glob (`*` matches any run of characters) that matches a whole name or any name below it:
 * 'bert.embeddings' matches 'bert.embeddings.word_embeddings.weight'.
 */
export function matchesPattern(name: string, pattern: NamePattern): boolean {
  if (typeof pattern === 'function') return pattern(name);
  if (pattern instanceof RegExp) return pattern.test(name);
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}(\\..*)?$`).test(name);
}

/** Keeps the first name of each object when `removeDuplicate` is on (the default). */
function dedupe<T>(entries: [string, T][], options: NamedOptions): [string, T][] {
  if (options.removeDuplicate === false) return entries;
  const seen = new Set<T>();
  return entries.filter(([, value]) => {
    if (seen.has(value)) return false;
    seen.add(value);
    return true;
  });
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Base class of layers and models. Parameters, buffers and child modules are found from the instance's
 * own properties (arrays of modules become numbered children: `layer.0`, `layer.1`), in declaration
 * order, so a property's name is its name in the state dict. The same Parameter may sit under two names
 * (tied weights, e.g. GPT-2's lm_head.weight is transformer.wte.weight): it is listed, counted, trained
 * and saved once, under its first name.
 */
export class Module {
  training = true;

  /** Direct children: [name, module]. */
  children(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof Module)) {
        value.forEach((m: Module, i) => out.push([`${key}.${i}`, m]));
      }
    }
    return out;
  }

  /** Own parameters (not those of children): [name, parameter]. */
  ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] => e[1] instanceof Parameter);
  }

  /** Own buffers (not those of children): [name, buffer]. */
  ownBuffers(): [string, ModuleBuffer][] {
    return Object.entries(this).filter((e): e is [string, ModuleBuffer] => e[1] instanceof ModuleBuffer);
  }

  /**
   * Adds (or replaces) the buffer `name` on this module, sharing `tensor`'s data, and returns it; a
   * property declared as `ModuleBuffer` and assigned in the constructor does the same.
   */
  registerBuffer(name: string, tensor: Tensor, persistent = true): ModuleBuffer {
    if (name === '' || name.includes('.')) throw new Error(`registerBuffer: '${name}' is not a plain attribute name`);
    const current: unknown = (this as Record<string, unknown>)[name];
    if (name in this && !(current instanceof ModuleBuffer)) {
      throw new Error(`registerBuffer: '${name}' is already an attribute of ${this.constructor.name} that is not a buffer`);
    }
    const buffer = ModuleBuffer.fromTensor(tensor, persistent);
    Object.defineProperty(this, name, { value: buffer, writable: true, enumerable: true, configurable: true });
    return buffer;
  }

  /** Every parameter of this module and its descendants, with dotted names; a tied one once unless asked. */
  namedParameters(prefix = '', options: NamedOptions = {}): [string, Parameter][] {
    return dedupe(
      this.collect(prefix, (m) => m.ownParameters()),
      options,
    );
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every buffer of this module and its descendants, with dotted names; a shared one once unless asked. */
  namedBuffers(prefix = '', options: NamedOptions = {}): [string, ModuleBuffer][] {
    return dedupe(
      this.collect(prefix, (m) => m.ownBuffers()),
      options,
    );
  }

  buffers(): ModuleBuffer[] {
    return this.namedBuffers().map(([, b]) => b);
  }

  /** Every module below (and including) this one, with dotted names ('' for this one); a shared one once unless asked. */
  namedModules(prefix = '', options: NamedOptions = {}): [string, Module][] {
    return dedupe(
      this.collect(prefix, (m): [string, Module][] => [['', m]]),
      options,
    );
  }

  /** `own(module)` (bare names; '' for the module itself) of this module and every descendant, depth first in declaration order. */
  private collect<T>(prefix: string, own: (m: Module) => [string, T][]): [string, T][] {
    const out = own(this).map(([n, v]): [string, T] => [(prefix + n).replace(/\.$/, ''), v]);
    for (const [name, child] of this.children()) out.push(...child.collect(`${prefix}${name}.`, own));
    return out;
  }

  /** Training mode (dropout active) for this module and all below it. */
  train(mode = true): this {
    // A plain walk (a shared module is set twice, harmlessly): predict switches to evaluation mode on every call,
    // and namedModules' dotted names cost more than a batch-1 pass's tokenization.
    this.training = mode;
    for (const [, child] of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode (dropout off). */
  eval(): this {
    return this.train(false);
  }

  /** Stops gradients to the parameters whose names match (all when no pattern); returns how many. */
  freeze(pattern: NamePattern = '*'): number {
    return this.setTrainable(pattern, false);
  }

  /** Lets gradients reach the matching parameters again; returns how many. */
  unfreeze(pattern: NamePattern = '*'): number {
    return this.setTrainable(pattern, true);
  }

  /** Matches every name of a tied parameter, so freezing either name freezes the one object; counts objects. */
  private setTrainable(pattern: NamePattern, trainable: boolean): number {
    const matched = new Set<Parameter>();
    for (const [name, p] of this.namedParameters('', { removeDuplicate: false })) {
      if (!matchesPattern(name, pattern)) continue;
      p.requiresGrad = trainable;
      if (!trainable) p.grad = null;
      matched.add(p);
    }
    return matched.size;
  }

  /** Parameter counts (a tied parameter once, buffers not at all): all, and those that will be trained. */
  parameterCount(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      total += p.size;
      if (p.requiresGrad) trainable += p.size;
    }
    return { total, trainable };
  }

  /** Each module's parameters, then its persistent buffers, then its children's (PyTorch's order); every name unless deduplicated. */
  private stateEntries(options: NamedOptions): [string, Tensor][] {
    const own = (m: Module): [string, Tensor][] => [...m.ownParameters(), ...m.ownBuffers().filter(([, b]) => b.persistent)];
    return dedupe(this.collect('', own), options);
  }

  /**
   * Name -> tensor (sharing data, not copies): the parameters and the persistent buffers. A tied
   * parameter appears once, under its first name, as transformers' save_pretrained drops tied keys.
   */
  stateDict(): Map<string, Tensor> {
    return new Map(this.stateEntries({}));
  }

  /**
   * Copies values into the parameters and persistent buffers by name. Missing names or a wrong shape
   * or type fail naming the key; names the module does not have fail too unless `strict` is false.
   * A tied parameter loads from any of its names; when the state holds several, their values must be
   * equal. Returns the unused names.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, options: { strict?: boolean; source?: string } = {}): string[] {
    const source = options.source ?? 'state dict';
    const all = this.stateEntries({ removeDuplicate: false });
    const namesOf = new Map<Tensor, string[]>();
    for (const [name, t] of all) namesOf.set(t, [...(namesOf.get(t) ?? []), name]);
    for (const [target, names] of namesOf) {
      const given = names.filter((n) => state.has(n));
      const first = given[0];
      if (first === undefined) throw new FinetuneError(`${source}: missing key '${names[0]}' (expected shape ${formatShape(target.shape)})`);
      for (const name of given) {
        const value = state.get(name)!;
        if (!sameShape(value.shape, target.shape)) {
          throw new FinetuneError(`${source}: key '${name}' has shape ${formatShape(value.shape)}, expected ${formatShape(target.shape)}`);
        }
        if (value.dtype !== target.dtype) throw new FinetuneError(`${source}: key '${name}' holds ${value.dtype} values, expected ${target.dtype}`);
      }
      const value = state.get(first)!.data;
      for (const name of given.slice(1)) {
        const other = state.get(name)!.data;
        if (other !== value && other.some((v, i) => !Object.is(v, value[i]))) {
          throw new FinetuneError(`${source}: keys '${first}' and '${name}' name one tied tensor but hold different values`);
        }
      }
      target.data.set(value);
    }
    const names = new Set(all.map(([n]) => n));
    const unused = [...state.keys()].filter((k) => !names.has(k));
    if (options.strict !== false && unused.length > 0) {
      throw new FinetuneError(`${source}: unexpected key${unused.length > 1 ? 's' : ''} ${unused.map((k) => `'${k}'`).join(', ')}`);
    }
    return unused;
  }
}
