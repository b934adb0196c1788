// Module and Parameter: named trees of trainable tensors, train/eval mode, freezing by name pattern, state dicts.
import { FinetuneError } from '../errors.js';
import { formatShape, type Shape } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/** A tensor owned by a module; trainable (requiresGrad) unless frozen. */
export class Parameter extends Tensor {
  constructor(data: Float32Array, shape: Shape, requiresGrad = true) {
    super(data, shape, { requiresGrad });
  }

  static fromTensor(t: Tensor): Parameter {
    return new Parameter(t.f32(), t.shape);
  }
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
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${escaped}(\\..*)?$`).test(name);
}

/**
 * Base class of layers and models. Parameters and child modules are found from the instance's own
 * properties (arrays of modules become numbered children: `layer.0`, `layer.1`), in declaration order,
 * so a property's name is its name in the state dict.
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

  /** Every parameter of this module and its descendants, with dotted names. */
  namedParameters(prefix = ''): [string, Parameter][] {
    const out: [string, Parameter][] = this.ownParameters().map(([n, p]) => [prefix + n, p]);
    for (const [name, child] of this.children()) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Every module below (and including) this one, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix.replace(/\.$/, ''), this]];
    for (const [name, child] of this.children()) out.push(...child.namedModules(`${prefix}${name}.`));
    return out;
  }

  /** Training mode (dropout active) for this module and all below it. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
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

  private setTrainable(pattern: NamePattern, trainable: boolean): number {
    let count = 0;
    for (const [name, p] of this.namedParameters()) {
      if (!matchesPattern(name, pattern)) continue;
      p.requiresGrad = trainable;
      if (!trainable) p.grad = null;
      count++;
    }
    return count;
  }

  /** Parameter counts: all, and those that will be trained. */
  parameterCount(): { total: number; trainable: number } {
    let total = 0;
    let trainable = 0;
    for (const p of this.parameters()) {
      total += p.size;
      if (p.requiresGrad) trainable += p.size;
    }
    return { total, trainable };
  }

  /** Name -> parameter (sharing data, not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map(this.namedParameters());
  }

  /**
   * Copies values into the parameters by name. Missing names or a wrong shape fail naming the key;
   * names the module does not have fail too unless `strict` is false. Returns the unused names.
   */
  loadStateDict(state: ReadonlyMap<string, Tensor>, options: { strict?: boolean; source?: string } = {}): string[] {
    const source = options.source ?? 'state dict';
    const own = this.namedParameters();
    for (const [name, p] of own) {
      const value = state.get(name);
      if (value === undefined) throw new FinetuneError(`${source}: missing key '${name}' (expected shape ${formatShape(p.shape)})`);
      if (value.shape.length !== p.shape.length || value.shape.some((d, i) => d !== p.shape[i])) {
        throw new FinetuneError(`${source}: key '${name}' has shape ${formatShape(value.shape)}, expected ${formatShape(p.shape)}`);
      }
      p.f32().set(value.f32());
    }
    const names = new Set(own.map(([n]) => n));
    const unused = [...state.keys()].filter((k) => !names.has(k));
    if (options.strict !== false && unused.length > 0) {
      throw new FinetuneError(`${source}: unexpected key${unused.length > 1 ? 's' : ''} ${unused.map((k) => `'${k}'`).join(', ')}`);
    }
    return unused;
  }
}
