// --freeze: which parameters train: all, only the head, all but the embeddings, or all but the embeddings and N lowest layers.
import { FinetuneError } from '../errors.js';
import type { TaskModel } from './types.js';

/**
 * 'none' trains everything; 'base' only the head (headModules); 'embeddings' everything but the
 * embeddings; a number N everything but the embeddings and the N lowest encoder layers.
 */
export type FreezeSpec = 'none' | 'base' | 'embeddings' | number;

/** Reads a --freeze value: none, base, embeddings or a non-negative integer; `where` names the option in errors. */
export function parseFreezeSpec(value: string | number, where = '--freeze'): FreezeSpec {
  if (value === 'none' || value === 'base' || value === 'embeddings') return value;
  const n = typeof value === 'number' ? value : value.trim() === '' ? NaN : Number(value);
  if (!Number.isInteger(n) || n < 0) {
    throw new FinetuneError(`${where}: '${value}' is not none, base, embeddings or a number of layers`);
  }
  return n;
}

const under = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);

/**
 * Sets which parameters of `model` train under `spec` (every other parameter is unfrozen first, so
 * calls do not accumulate). Returns the parameter counts that result.
 */
export function applyFreeze(model: TaskModel, spec: FreezeSpec): { total: number; trainable: number } {
  const layers = model.layerPrefixes.length;
  if (typeof spec === 'number' && (!Number.isInteger(spec) || spec < 0 || spec > layers)) {
    throw new FinetuneError(`--freeze ${spec}: the model has ${layers} layers (freeze 0 to ${layers})`);
  }
  model.unfreeze();
  if (spec === 'base') model.freeze((name) => !model.headModules.some((p) => under(name, p)));
  else if (spec === 'embeddings') model.freeze(model.embeddingsPrefix);
  else if (typeof spec === 'number') {
    const frozen = [model.embeddingsPrefix, ...model.layerPrefixes.slice(0, spec)];
    model.freeze((name) => frozen.some((p) => under(name, p)));
  }
  return model.parameterCount();
}
