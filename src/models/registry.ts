// Which model family reads a config.json: by its model_type, among the built-in families and any registered later.
import { FinetuneError } from '../errors.js';
import { bertFamily } from './bert/index.js';
import { distilbertFamily } from './distilbert/index.js';
import type { ModelFamily } from './family.js';
import type { LoadedClassifier } from './load.js';
import { loadBuiltinMobileNet, mobileNetV2KerasFamily, NSFWJS_MOBILENET_BUILTIN_NAME } from './mobilenet-v2/index.js';
import { resnetFamily } from './resnet/index.js';
import { robertaFamily } from './roberta/index.js';
import type { HeadSpec } from './types.js';
import { loadBuiltinUseLite, USE_LITE_BUILTIN_NAME, useLiteFamily } from './use-lite/index.js';
import { vitFamily } from './vit/index.js';

const families: ModelFamily[] = [bertFamily, distilbertFamily, robertaFamily, useLiteFamily, resnetFamily, vitFamily, mobileNetV2KerasFamily];

/** Loads a model known by name whose weights install with npm (not a folder, not a Hub id). */
export type BuiltinModelLoader = (options: { readonly head: HeadSpec; readonly init: 'pretrained' | 'random' }) => LoadedClassifier;

const builtinModels: Readonly<Record<string, BuiltinModelLoader>> = {
  [USE_LITE_BUILTIN_NAME]: loadBuiltinUseLite,
  [NSFWJS_MOBILENET_BUILTIN_NAME]: loadBuiltinMobileNet,
};

/** Names `--model` accepts for built-in models. */
export const BUILTIN_MODEL_NAMES: readonly string[] = Object.keys(builtinModels);

/** The loader of built-in model `name`, or undefined when it is not one. */
export function builtinModelLoader(name: string): BuiltinModelLoader | undefined {
  return Object.hasOwn(builtinModels, name) ? builtinModels[name] : undefined;
}

/** Adds a family (e.g. a built-in model with its own model_type); a later registration wins for its types. */
export function registerFamily(family: ModelFamily): void {
  families.unshift(family);
}

/** Every model_type some family reads. */
export function supportedModelTypes(): string[] {
  return [...new Set(families.flatMap((f) => f.modelTypes))];
}

/** The family for config.json's `model_type`; `file` names the config in the error for an unknown one. */
export function familyFor(modelType: unknown, file: string): ModelFamily {
  if (typeof modelType !== 'string' || modelType === '') {
    throw new FinetuneError(`${file}: no model_type (supported: ${supportedModelTypes().join(', ')})`);
  }
  const family = families.find((f) => f.modelTypes.includes(modelType));
  if (!family) throw new FinetuneError(`${file}: unknown model_type '${modelType}' (supported: ${supportedModelTypes().join(', ')})`);
  return family;
}
