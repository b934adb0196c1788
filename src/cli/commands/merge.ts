// `finetune merge`: folds a LoRA adapter into its base model and saves a plain Hugging Face model folder.
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { FinetuneError, UsageError } from '../../errors.js';
import { lockFolder } from '../../io/folder-lock.js';
import { withOutputErrors } from '../../io/output-errors.js';
import { saveTaskModel } from '../../models/save.js';
import { loadClassifierWithAdapter } from '../../peft/lora/load-model.js';
import { mergeLora } from '../../peft/lora/merge.js';
import type { Command, CommandContext } from '../command.js';
import { adapterLoadOptions } from './lora-flags.js';

/** Files that make a folder a model or an adapter: merging into such a folder would overwrite or confuse it. */
const MODEL_FILES = ['config.json', 'model.safetensors', 'model.safetensors.index.json', 'pytorch_model.bin', 'adapter_config.json'];

async function runMerge({ flags, log }: CommandContext): Promise<unknown> {
  const model = flags.string('model');
  const output = flags.string('output');
  if (model === undefined) throw new UsageError('merge: --model is required (the base model, or an adapter folder that names its base)');
  if (output === undefined) throw new UsageError('merge: --output is required (the folder for the merged model)');
  // One writer per output folder (see io/folder-lock), taken before the folder is checked.
  const lock = lockFolder(output, { command: 'merge', label: `--output ${output}` });
  if (lock.notice) process.stderr.write(`warning: ${lock.notice}\n`);
  try {
    return await withOutputErrors(output, `--output ${output}`, () => mergeInto(model, output, flags, log));
  } finally {
    lock.release({ removeFolderIfEmpty: true });
  }
}

async function mergeInto(model: string, output: string, flags: CommandContext['flags'], log: CommandContext['log']): Promise<unknown> {
  const taken = existsSync(output) ? MODEL_FILES.find((f) => readdirSync(output).includes(f)) : undefined;
  if (taken) throw new FinetuneError(`--output ${output}: already holds ${taken}; choose a new folder for the merged model`);
  const loaded = await loadClassifierWithAdapter(model, adapterLoadOptions(flags));
  if (!loaded.adapter || loaded.adapterDir === null) {
    throw new FinetuneError(`--model ${model}: a plain model with no adapter to merge; give the adapter folder with --adapter`);
  }
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  if (loaded.adapterSummary) log(`adapter: ${loaded.adapterSummary}`);
  const layers = mergeLora(loaded.model);
  await saveTaskModel(loaded.model, loaded.tokenizer, output);
  const parameters = loaded.model.parameterCount().total;
  log(`merged ${layers.length} LoRA layers of ${loaded.adapterDir} into ${loaded.source}`);
  log(`saved a plain model (${parameters.toLocaleString('en-US')} parameters${loaded.tokenizer ? ', with its tokenizer' : ''}) to ${output}`);
  return { output: resolve(output), base: loaded.source, adapter: loaded.adapterDir, mergedLayers: layers.length, parameters };
}

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'merge a LoRA adapter into its base and save a plain model folder',
  usage:
    'Usage: finetune merge --model <base dir or hub id> --adapter <dir> --output <dir> [--json]\n' +
    '       finetune merge --model <adapter dir> --output <dir>    (the base named by its adapter_config.json)',
  flags: {
    model: { type: 'string', help: 'the base model (folder or Hub id), or an adapter folder whose base_model_name_or_path resolves' },
    adapter: { type: 'string', help: 'the LoRA adapter folder (adapter_config.json + adapter_model.safetensors)' },
    output: { type: 'string', help: 'a new folder for the merged model' },
    revision: { type: 'string', help: 'Hub revision of the base (branch, tag or commit)', default: 'main' },
  },
  run: runMerge,
};
