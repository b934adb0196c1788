// Saves a model's LoRA adapter as PEFT does: adapter_config.json and adapter_model.safetensors with PEFT's key names.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FinetuneError } from '../../errors.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import type { RawTensor } from '../../io/raw-tensor.js';
import { writeSafetensors } from '../../io/safetensors.js';
import { configJsonText } from '../../models/encoder/config-json.js';
import type { TaskModel } from '../../models/types.js';
import type { Module, Parameter } from '../../nn/module.js';
import type { TextTokenizer } from '../../tokenizers/types.js';
import { ADAPTER_CONFIG_FILE, loraConfigText } from './config.js';
import { loraState, type LoraState } from './inject.js';

export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** PEFT's prefix of every key: PeftModel.base_model (LoraModel) .model (the wrapped transformers model). */
export const PEFT_KEY_PREFIX = 'base_model.model.';

/** The LoRA state of `model`, or an error saying it has none. */
export function requireLora(model: Module, what: string): LoraState {
  const state = loraState(model);
  if (!state) throw new FinetuneError(`${what}: the model has no LoRA adapter (apply one with --lora or load one with --adapter)`);
  return state;
}

const under = (name: string, prefix: string): boolean => name === prefix || name.startsWith(`${prefix}.`);

/**
 * The adapter's tensors under PEFT's names for task_type SEQ_CLS and TOKEN_CLS: `base_model.model.<module>.lora_A.weight`
 * and `lora_B.weight` for each wrapped layer, every parameter of the modules saved whole under its own
 * name (`base_model.model.classifier.weight`), and with bias 'all' / 'lora_only' the trained biases
 * (`<module>.base_layer.bias` for wrapped layers). Maps model parameter name -> [key, tensor]; tensors
 * share the parameters' data.
 */
export function adapterTensors(model: Module): Map<string, { key: string; tensor: RawTensor }> {
  const state = requireLora(model, 'saving the adapter');
  const { config, layers, savedModules } = state;
  const out = new Map<string, { key: string; tensor: RawTensor }>();
  // A tied parameter is saved once, under the first of its names that the rules select, keyed by its first name.
  const firstName = new Map(model.namedParameters().map(([n, p]) => [p, n]));
  const saved = new Set<Parameter>();
  for (const [name, p] of model.namedParameters('', { removeDuplicate: false })) {
    if (saved.has(p)) continue;
    const owner = name.slice(0, name.lastIndexOf('.'));
    const leaf = name.slice(name.lastIndexOf('.') + 1);
    const wrapped = layers.has(owner);
    let key: string | null = null;
    if (/(^|\.)lora_[AB]\.weight$/.test(name)) key = name;
    else if (savedModules.some((s) => under(name, s))) key = name;
    else if (leaf === 'bias' && wrapped && config.bias !== 'none') key = `${owner}.base_layer.bias`;
    else if (leaf === 'bias' && config.bias === 'all') key = name;
    if (key === null) continue;
    saved.add(p);
    out.set(firstName.get(p)!, { key: PEFT_KEY_PREFIX + key, tensor: { dtype: 'float32', shape: [...p.shape], data: p.f32() } });
  }
  return out;
}

/**
 * What to record as base_model_name_or_path for the base a user named: an existing local folder as an
 * absolute path (so the adapter finds its base from anywhere), anything else (a Hub id) as given.
 */
export function baseModelReference(baseModelNameOrPath: string | null): string | null {
  if (baseModelNameOrPath === null) return null;
  return existsSync(baseModelNameOrPath) && statSync(baseModelNameOrPath).isDirectory() ? resolve(baseModelNameOrPath) : baseModelNameOrPath;
}

/**
 * Writes the adapter of `model` into `dir` as PEFT's save_pretrained does: adapter_config.json (with
 * `base_model_name_or_path` as given, like PEFT) and adapter_model.safetensors (float32, metadata
 * format=pt). Each file is written atomically; other files in `dir` are left alone. Merged layers are
 * refused (the update is inside the base weight then, not in A and B alone).
 */
export function saveAdapter(model: TaskModel, dir: string, baseModelNameOrPath: string | null): void {
  const state = requireLora(model, `${dir}: saving the adapter`);
  const merged = [...state.layers].find(([, layer]) => layer.merged);
  if (merged) throw new FinetuneError(`${dir}: the LoRA layer '${merged[0]}' is merged into its base weight; unmerge it before saving the adapter`);
  const tensors = new Map<string, RawTensor>();
  for (const { key, tensor } of adapterTensors(model).values()) tensors.set(key, tensor);
  const config = { ...state.config, baseModelNameOrPath };
  writeSafetensors(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
  writeFileAtomic(join(dir, ADAPTER_CONFIG_FILE), loraConfigText(config));
}

/**
 * A trained LoRA model's output folder: the adapter files (the base recorded by baseModelReference),
 * config.json (the base's configuration with this model's labels and architecture, so the folder
 * names its classes) and the tokenizer files.
 */
export async function saveAdapterModel(model: TaskModel, tokenizer: TextTokenizer | null, dir: string, baseModelNameOrPath: string | null): Promise<void> {
  saveAdapter(model, dir, baseModelReference(baseModelNameOrPath));
  writeFileAtomic(join(dir, 'config.json'), configJsonText(model.configJson()));
  if (tokenizer) await tokenizer.save(dir);
}
