// Loads a PEFT LoRA adapter folder onto a model: wraps the layers its config names and copies its tensors by PEFT's key names.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FinetuneError } from '../../errors.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { readStateDict } from '../../io/state-dict.js';
import type { TaskModel } from '../../models/types.js';
import type { Parameter } from '../../nn/module.js';
import { formatShape } from '../../tensor/shape.js';
import { ADAPTER_CONFIG_FILE, readLoraConfig, type LoraConfig } from './config.js';
import { injectLora, removeLora } from './inject.js';
import { adapterTensors, ADAPTER_WEIGHTS_FILE, PEFT_KEY_PREFIX } from './save.js';

/** Weight files of an adapter folder, in the order PEFT prefers them. */
export const ADAPTER_WEIGHTS_FILES = [ADAPTER_WEIGHTS_FILE, 'adapter_model.bin'] as const;

/** Whether `dir` is an adapter folder (it has adapter_config.json). */
export function isAdapterFolder(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_CONFIG_FILE));
}

/** The adapter's weights file in `dir`, or an error naming the folder. */
export function findAdapterWeights(dir: string): string {
  for (const name of ADAPTER_WEIGHTS_FILES) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new FinetuneError(`${dir}: no adapter weights (looked for ${ADAPTER_WEIGHTS_FILES.join(', ')})`);
}

/**
 * The model parameter a PEFT adapter key stands for: without the `base_model.model.` prefix, a wrapped
 * layer's `base_layer.` and the `modules_to_save.` level some PEFT versions leave in saved names; null
 * for the untouched copy of a saved module (`original_module.`), which the adapter does not use.
 */
export function parameterNameOfKey(key: string): string | null {
  const name = key.startsWith(PEFT_KEY_PREFIX) ? key.slice(PEFT_KEY_PREFIX.length) : key;
  if (/(^|\.)original_module\./.test(name)) return null;
  return name.replace(/(^|\.)modules_to_save\./g, '$1').replace(/(^|\.)base_layer\./g, '$1');
}

function checkTensor(param: Parameter, key: string, tensor: RawTensor, file: string): void {
  if (tensor.dtype !== 'float32') throw new FinetuneError(`${file}: key '${key}' holds integers, expected floating-point weights`);
  const same = tensor.shape.length === param.shape.length && tensor.shape.every((d, i) => d === param.shape[i]);
  if (!same) throw new FinetuneError(`${file}: key '${key}' has shape ${formatShape(tensor.shape)}, expected ${formatShape(param.shape)}`);
}

/**
 * Copies adapter tensors (read from `file`) into a model that has the adapter's layers: every tensor
 * the adapter needs (A and B of each wrapped layer, the modules saved whole, the biases its `bias`
 * setting names) must be present with its exact shape; a key that names no parameter is an error;
 * other base parameters present in the file are loaded too, as PEFT does. Everything is checked
 * before anything is copied.
 */
export function copyAdapterTensors(model: TaskModel, tensors: ReadonlyMap<string, RawTensor>, file: string): void {
  // Any name of a tied parameter finds it; the plan holds it under its first name, so two keys for it must agree.
  const params = new Map(model.namedParameters('', { removeDuplicate: false }));
  const firstName = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  const plan = new Map<string, { key: string; param: Parameter; tensor: RawTensor }>();
  for (const [key, tensor] of tensors) {
    const keyName = parameterNameOfKey(key);
    if (keyName === null) continue;
    const param = params.get(keyName);
    if (!param) throw new FinetuneError(`${file}: key '${key}' names no parameter of the model (is this adapter for another architecture?)`);
    const name = firstName.get(param)!;
    checkTensor(param, key, tensor, file);
    const earlier = plan.get(name);
    if (earlier) {
      if (!tensor.data.every((v, i) => v === earlier.tensor.data[i])) {
        throw new FinetuneError(`${file}: keys '${earlier.key}' and '${key}' both hold '${name}' with different values`);
      }
      continue;
    }
    plan.set(name, { key, param, tensor });
  }
  for (const [name, { key, tensor }] of adapterTensors(model)) {
    if (!plan.has(name)) throw new FinetuneError(`${file}: missing key '${key}' (expected shape ${formatShape(tensor.shape)})`);
  }
  for (const { param, tensor } of plan.values()) param.f32().set(tensor.data as Float32Array);
}

/**
 * Loads the adapter in `dir` (adapter_config.json + adapter_model.safetensors, or adapter_model.bin)
 * onto `model`: wraps the layers the config targets, with the ranks and scales of its patterns, copies
 * the tensors, and leaves the adapter trainable and the base frozen, as after applyLora. Returns the
 * adapter's config. Settings finetune cannot apply are refused by key before the model changes.
 */
export function loadAdapter(model: TaskModel, dir: string): LoraConfig {
  const config = readLoraConfig(dir);
  const file = findAdapterWeights(dir);
  attachAdapter(model, config, readStateDict(file), { config: join(dir, ADAPTER_CONFIG_FILE), weights: file });
  return config;
}

/** Wraps the layers `config` names and copies the adapter's tensors; on a bad tensor the model is left as it was. */
export function attachAdapter(
  model: TaskModel,
  config: LoraConfig,
  tensors: ReadonlyMap<string, RawTensor>,
  files: { readonly config: string; readonly weights: string },
): void {
  injectLora(model, config, { source: files.config });
  try {
    copyAdapterTensors(model, tensors, files.weights);
  } catch (error) {
    removeLora(model);
    throw error;
  }
}
